/**
 * Workload F: a disk cache, sluice's (a task with `cachePolicies.inputs` and a `FileResultStore`)
 * against a hand-written memo (a `Map` in front of one JSON file per key). Each repetition gives
 * each variant a temporary folder of its own and two fresh processes over it: cold (the folder
 * is empty: every run misses, computes and writes) then warm (every run hits); the folder is
 * removed after. Called by bench/run.ts for `--only ...,F`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonChild, median } from '../lib.js';
import { F_RESULT_PREFIX, type FCase, type FMeasured, type FPhase, type FResult, type FVariant } from './common.js';

export interface FConfig {
  /** Runs timed per phase. */
  readonly n: number;
  /** Untimed runs first, in the same process, on keys of their own. */
  readonly warm: number;
  readonly concurrency: number;
  readonly reps: number;
  readonly timeoutMs: number;
}

/** What runs over one folder: cold then warm; over the memo's, the memo with AsyncLocalStorage after (warm only, informational). */
const PLAN: Readonly<Record<'memo' | 'sluice', readonly (readonly [FVariant, FPhase])[]>> = {
  memo: [
    ['memo', 'cold'],
    ['memo', 'warm'],
    ['memo-als', 'warm'],
  ],
  sluice: [
    ['sluice', 'cold'],
    ['sluice', 'warm'],
  ],
};

/** The table's rows, in order. */
const ROWS: readonly (readonly [FVariant, FPhase])[] = [
  ['memo', 'cold'],
  ['sluice', 'cold'],
  ['memo', 'warm'],
  ['sluice', 'warm'],
  ['memo-als', 'warm'],
];

/**
 * Runs workload F; `argv` starts a child (`--expose-gc [--import tsx] path/to/bench/cache/child.(js|ts)`).
 * Repetitions are interleaved, and the variant that goes first alternates between them.
 */
export async function runF(cfg: FConfig, argv: readonly string[], log: (s: string) => void): Promise<FResult[]> {
  log(`  [F] ${cfg.n} runs (+${cfg.warm} warm-up) of a trivial task through a disk cache, concurrency ${cfg.concurrency}; cold then warm, a fresh process each, a temporary folder per repetition in ${os.tmpdir()}`);
  const results: FResult[] = [];
  for (let rep = 1; rep <= cfg.reps; rep++) {
    const order = rep % 2 === 1 ? (['memo', 'sluice'] as const) : (['sluice', 'memo'] as const);
    for (const folder of order) {
      const dir = mkdtempSync(path.join(os.tmpdir(), `sluice-bench-F-${folder}-`));
      try {
        for (const [variant, phase] of PLAN[folder]) {
          const c: FCase = { variant, phase, dir, n: cfg.n, warm: cfg.warm, concurrency: cfg.concurrency };
          const { line, error } = await jsonChild<FMeasured>(argv, c, F_RESULT_PREFIX, cfg.timeoutMs);
          const files = phase === 'cold' ? readdirSync(dir).length : undefined;
          const r: FResult = {
            variant,
            phase,
            rep,
            n: cfg.n,
            warm: cfg.warm,
            concurrency: cfg.concurrency,
            ...line,
            ...(line !== undefined && files !== undefined ? { files, ok: line.ok && files === cfg.n + cfg.warm } : {}),
            ...(error === undefined ? {} : { error }),
          };
          results.push(r);
          log(
            `  [F rep ${rep}] ${`${variant} (${phase})`.padEnd(16)} ${
              line === undefined
                ? `FAILED: ${error ?? ''}`
                : `${f((line.ms * 1000) / cfg.n)} µs/run, ${f(line.ms, 1)} ms, CPU ${f(line.cpuMs, 0)} ms${files === undefined ? '' : `, ${files} files`}${r.ok === true ? '' : ' WRONG RESULTS'}`
            }`,
          );
          // A cold phase that failed leaves nothing for the warm one to read.
          if (line === undefined) break;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return results;
}

const f = (x: number | undefined, d = 3): string => (x === undefined ? '-' : x.toFixed(d));

function measured(results: readonly FResult[], variant: FVariant, phase: FPhase): (FResult & FMeasured)[] {
  return results.filter((r): r is FResult & FMeasured => r.variant === variant && r.phase === phase && r.ms !== undefined);
}

/** Median µs per run of a variant in a phase. */
function usPerRun(results: readonly FResult[], variant: FVariant, phase: FPhase): number | undefined {
  const rs = measured(results, variant, phase);
  return rs.length === 0 ? undefined : median(rs.map((r) => (r.ms * 1000) / r.n));
}

function cell(values: readonly number[], d: number): string {
  return values.length === 0 ? '-' : `${f(median(values), d)} [${f(Math.min(...values), d)}..${f(Math.max(...values), d)}]`;
}

/** The F section of BENCHMARKS.md. */
export function tableF(results: readonly FResult[]): string[] {
  const first = results[0];
  if (first === undefined) return [];
  const lines = [
    `### F. ${first.n / 1000}k x \`(x: number) => x * 2\` through a disk cache, concurrency ${first.concurrency}: cold (empty folder) and warm (a fresh process over it)`,
    '',
    `Each repetition gives each variant a temporary folder of its own (in ${os.tmpdir()}, removed after) and two fresh processes: **cold** (the folder is empty: every run misses, computes and writes its value) then **warm** (a new process over the folder the cold one left: every run is a hit). Each process first runs ${first.warm} untimed runs on keys of their own (n..n+${first.warm - 1}), which miss when cold and hit when warm.`,
    '',
    "- **sluice**: `task({ cachePolicy: cachePolicies.inputs, resultStorage: new FileResultStore({ directory }) }, x => x * 2)`, `map` in a flow on a `ConcurrentTaskRunner({ maxConcurrency: " +
      `${first.concurrency} })\`. A run's key is a sha256 of the task's name and arguments; a record carries a header (serializer, expiry, length, sha256 of the value), checked when read. Its lookup comes before its slot (a hit takes none) and is bounded by the flow, 64 reads of a store at a time; the bodies and the writes of their values (stored before a run completes) go ${first.concurrency} at a time.`,
    `- **memo**: a \`Map\` in front of \`fs.promises.readFile\` / \`writeFile\` of one JSON file per key (\`<x>.json\`, the bare value), ${first.concurrency} workers pulling from one shared iterator (the hand loop), so at most ${first.concurrency} reads or writes at a time. Warm is the resume scenario: the fresh process's Map starts empty, so every run reads its file.`,
    '- Both read and write through libuv\'s thread pool (4 threads by default), which bounds the file operations executing either way. The files were just written, so reads come from the OS page cache, as when a flow is started again right after it stopped.',
    '- **memo-als** (informational): the memo again, warm, over the memo\'s folder, in a fresh process where one `AsyncLocalStorage` has been entered. sluice\'s process always has one (it carries the run context), and on Node 20 that runs a hook on every Promise and every file operation: the gap from memo to memo-als is that cost, which sluice pays too and the bare memo does not.',
    '',
    '| variant | phase | µs/run median [min..max] | vs memo | wall ms | CPU ms (user + system) | bodies run | files after cold | peak RSS MB | runs ok |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [variant, phase] of ROWS) {
    const memoUs = usPerRun(results, 'memo', phase);
    const all = results.filter((r) => r.variant === variant && r.phase === phase);
    const rs = measured(results, variant, phase);
    const us = usPerRun(results, variant, phase);
    const errors = [...new Set(all.flatMap((r) => (r.error === undefined ? [] : [r.error])))];
    const files = [...new Set(all.flatMap((r) => (r.files === undefined ? [] : [r.files])))];
    lines.push(
      `| ${variant} | ${phase} | ${cell(rs.map((r) => (r.ms * 1000) / r.n), 2)} | ${variant === 'memo' || us === undefined || memoUs === undefined ? '-' : `${f(us / memoUs, 2)}x`} | ${cell(rs.map((r) => r.ms), 1)} | ${cell(rs.map((r) => r.cpuMs), 0)} | ${[...new Set(rs.map((r) => r.bodies))].join(', ') || '-'} | ${files.join(', ') || '-'} | ${cell(rs.map((r) => r.peakRssMb), 1)} | ${all.filter((r) => r.ok === true).length}/${all.length}${errors.length > 0 ? ` (${errors.join('; ')})` : ''} |`,
    );
  }
  return lines;
}

/** F's target: a warm hit costs at most twice the hand memo's per run. The cold phase is reported, with no target. */
export function targetsF(results: readonly FResult[]): { what: string; target: string; value: number | undefined; measured: string; limit: number }[] {
  const s = usPerRun(results, 'sluice', 'warm');
  const m = usPerRun(results, 'memo', 'warm');
  const r = s === undefined || m === undefined ? undefined : s / m;
  return [
    {
      what: 'F: sluice warm disk-cache hit per run vs a hand memo (`Map` + `readFile` of JSON files; a fresh process over the cold phase\'s folder)',
      target: '<= 2x',
      value: r,
      measured: r === undefined ? '-' : `${f(r, 2)}x (${f(s, 2)} vs ${f(m, 2)} µs/run)`,
      limit: 2,
    },
  ];
}
