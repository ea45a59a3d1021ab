/**
 * The benchmark orchestrator: `npm run bench` (full) or `npm run bench -- --quick`.
 *
 * Every (workload, contender) run is a fresh `node --expose-gc bench/contender.js` process: the
 * library is bundled first as the package ships it (scripts/bundle.ts), and bench/ transpiled (by
 * `typescript`, file by file), both into node_modules/.cache/sluice-bench/, so that no child pays
 * tsx's loader on start-up (several seconds for Effect's module graph on this machine); `--tsx`
 * runs the .ts files under `--import tsx` instead.
 * Repetitions are interleaved (rep 1 of every contender, then rep 2, ...). Each cell is
 * the median [min..max] over the repetitions; ratios are median / hand-loop median from the same
 * invocation. The full mode writes BENCHMARKS.md; every mode saves the raw lines under
 * bench/results/ (git-ignored).
 *
 * Options:
 *   --quick          smaller B and leak sizes, 2 repetitions (under 2 minutes)
 *   --reps N         repetitions per contender (default 5, quick 2; F: 3, quick 2): ratios to a hand
 *                    loop that takes ~15 ms move with one scheduler hiccup, so the full run takes more
 *   --only A,B,C,leak,D,E,F,G  run only these workloads (D: CPU-bound bodies on worker threads; E: BullMQ
 *                    on the bench's own redis-server and its own PostgreSQL server, raw against sluice on
 *                    each; a store whose server is missing is skipped, loudly; F: a disk cache, cold and
 *                    warm, sluice's FileResultStore against a hand memo; G: the latency a tag limit kept in
 *                    Redis adds per run, on the bench's own redis-server, skipped loudly without one)
 *   --keep FILE      report the workloads not in --only as the saved raw FILE has them (bench/results/):
 *                    a run of one workload refreshes its section of a full report and keeps the others'
 *   --stores redis,postgres  E's stores (default both), measured in this order
 *   --e-bulk N, --e-trips N  E's bulk size (default 10000) and round trips (default 500), for short
 *                    trial runs (warm-ups: a tenth of each, at most 1000 jobs and 50 trips)
 *   --out PATH       write the report there (default: BENCHMARKS.md in full mode, none in quick mode)
 *   --no-write       do not write the report
 *   --tsx            run the children as `node --expose-gc --import tsx bench/contender.ts`
 *   --from FILE      render the report of a saved raw file again (no measuring); with --out, write it
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { median, RESULT_PREFIX, type ResultLine, type WorkloadName } from './lib.js';
import { profileWorkloadA } from './profile.js';
import { bundle } from '../scripts/bundle.js';
import { parseStores, runE, savedE, tableE, targetsE, type EConfig, type ERun } from './bullmq/run-e.js';
import { redisServerVersion } from './bullmq/redis.js';
import { postgresVersion } from '../scripts/postgres-server.js';
import { runD, tableD, targetsD, type DResult } from './threads/run-d.js';
import { runF, tableF, targetsF, type FConfig } from './cache/run-f.js';
import type { FResult } from './cache/common.js';
import { runG, tableG, targetsG, type GConfig, type GRun } from './limits/run-g.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the transpiled JavaScript goes: outside what tsc and eslint look at; bare imports still resolve from here. */
const BUILD = path.join(ROOT, 'node_modules', '.cache', 'sluice-bench');

/**
 * Builds what the children run into BUILD: src/ bundled as the package ships it (so thread start-up
 * and import costs are the users'), bench/ transpiled file by file (TypeScript to ES2022 modules,
 * no type check, like tsx).
 */
async function transpile(): Promise<void> {
  rmSync(BUILD, { recursive: true, force: true });
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (rel !== path.join('bench', 'results')) walk(rel);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, rel), 'utf8'), {
          fileName: rel,
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
        });
        const out = path.join(BUILD, rel.replace(/\.ts$/, '.js'));
        mkdirSync(path.dirname(out), { recursive: true });
        writeFileSync(out, outputText);
      }
    }
  };
  await bundle(path.join(BUILD, 'src'), { sourcemap: false });
  walk('bench');
  // Inside node_modules Node does not look further up for the package's "type": say it here.
  writeFileSync(path.join(BUILD, 'package.json'), '{ "type": "module", "private": true }\n');
}

const CONTENDERS = ['hand-loop', 'p-map', 'rxjs-mergeMap', 'effect-forEach', 'sluice-map', 'sluice-submit', 'sluice-mapStream'] as const;
/** Contenders planned but not written yet: shown in the tables, not run. */
const PLANNED: Record<string, string> = {};
const SLUICE = ['sluice-map', 'sluice-submit', 'sluice-mapStream'];
const LABEL: Readonly<Record<string, string>> = { 'sluice-map': '`map`', 'sluice-submit': '`submit` loop', 'sluice-mapStream': '`mapStream`' };

interface Config {
  readonly mode: 'full' | 'quick';
  readonly tsx: boolean;
  readonly reps: number;
  readonly only: ReadonlySet<WorkloadName>;
  readonly out: string | undefined;
  readonly a: { readonly n: number; readonly c: number };
  /** B runs at `small` (the linearity reference) and at `n`. */
  readonly b: { readonly small: number; readonly n: number; readonly c: number; readonly caps: Readonly<Record<string, number>> };
  readonly cw: { readonly n: number; readonly c: number; readonly sleepMs: number };
  readonly leak: { readonly n: number; readonly flows: number; readonly c: number; readonly reps: number };
  readonly d: { readonly n: number; readonly threads: number; readonly taskMs: number; readonly reps: number };
  /** Workload E (BullMQ); absent in raw files saved before E existed. */
  readonly e: EConfig;
  /** Workload F (disk cache); absent in raw files saved before F existed. */
  readonly f: FConfig;
  /** Workload G (limits in Redis); absent in raw files saved before G existed. */
  readonly g: GConfig;
  /** A child still running after this long is killed and recorded as timed out. */
  readonly timeoutMs: number;
}

function parseArgs(argv: readonly string[]): Config {
  const quick = argv.includes('--quick');
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(value('--reps') ?? (quick ? 2 : 5));
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be an integer >= 1');
  const only = new Set((value('--only') ?? 'A,B,C,leak,D,E,F,G').split(',') as WorkloadName[]);
  const out = argv.includes('--no-write') ? undefined : (value('--out') ?? (quick ? undefined : 'BENCHMARKS.md'));
  const count = (flag: string, otherwise: number): number => {
    const n = Number(value(flag) ?? otherwise);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer >= 1`);
    return n;
  };
  const bulkN = count('--e-bulk', 10_000);
  const trips = count('--e-trips', 500);
  return {
    mode: quick ? 'quick' : 'full',
    tsx: argv.includes('--tsx'),
    reps,
    only,
    out,
    a: { n: 100_000, c: 16 },
    // RxJS mergeMap over a pushed source is O(N^2) (40 s at 1M on this machine type): capped so each run stays well under a minute.
    b: quick
      ? { small: 100_000, n: 200_000, c: 16, caps: { 'rxjs-mergeMap': 100_000 } }
      : { small: 100_000, n: 1_000_000, c: 16, caps: { 'rxjs-mergeMap': 300_000 } },
    cw: { n: 2000, c: 50, sleepMs: 5 },
    leak: quick ? { n: 20_000, flows: 10, c: 16, reps: 1 } : { n: 100_000, flows: 10, c: 16, reps: 3 },
    // 16 tasks of ~200 ms CPU on 2 threads (the worker-thread runner's issue); quick: shorter tasks, one rep.
    d: quick ? { n: 16, threads: 2, taskMs: 100, reps: 1 } : { n: 16, threads: 2, taskMs: 200, reps },
    // The peers' BullMQ measurement: 10k jobs, addBulk chunks of 1000, worker concurrency 50; 500 single round trips.
    e: {
      bulkN,
      bulkWarm: Math.min(1000, Math.ceil(bulkN / 10)),
      trips,
      warmTrips: Math.min(50, Math.ceil(trips / 10)),
      concurrency: 50,
      chunk: 1000,
      reps,
      timeoutMs: quick ? 60_000 : 120_000,
      stores: parseStores(value('--stores') ?? 'redis,postgres'),
    },
    // 10k runs per phase either way; a repetition is five processes (~12 s), so 3 of them unless --reps says otherwise.
    f: { n: 10_000, warm: 1000, concurrency: 16, reps: value('--reps') === undefined ? Math.min(reps, 3) : reps, timeoutMs: quick ? 60_000 : 120_000 },
    // A process per variant and repetition, a few seconds each; 3 repetitions unless --reps says otherwise, like F.
    // The Redis path needs a few thousand runs before its latency settles (JIT: ~600 µs after 200, ~140 after 3000 on this machine).
    g: {
      n: quick ? 300 : 2000,
      contendedN: quick ? 500 : 2000,
      warm: quick ? 1000 : 3000,
      limit: 16,
      contendedLimit: 2,
      contendedConcurrency: 8,
      reps: value('--reps') === undefined ? Math.min(reps, 3) : reps,
      timeoutMs: quick ? 60_000 : 120_000,
    },
    timeoutMs: quick ? 60_000 : 240_000,
  };
}

interface Job {
  readonly workload: WorkloadName;
  /** Which table cell group: 'A', 'B-small', 'B', 'C', 'leak'. */
  readonly group: string;
  readonly contender: string;
  readonly n: number;
  readonly c: number;
  readonly flows?: number;
}

interface Outcome {
  readonly job: Job;
  readonly rep: number;
  readonly result?: ResultLine;
  readonly error?: string;
  readonly wallMs: number;
}

function childArgs(tsx: boolean): string[] {
  return tsx ? ['--expose-gc', '--import', 'tsx', 'bench/contender.ts'] : ['--expose-gc', path.relative(ROOT, path.join(BUILD, 'bench', 'contender.js'))];
}

function runChild(job: Job, cfg: Config): Promise<{ result?: ResultLine; error?: string }> {
  const timeoutMs = cfg.timeoutMs;
  const args = [...childArgs(cfg.tsx), job.workload, job.contender, String(job.n), String(job.c)];
  if (job.flows !== undefined) args.push(String(job.flows));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) {
        resolve({ result: JSON.parse(line.slice(RESULT_PREFIX.length)) as ResultLine });
        return;
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
      if (timedOut) resolve({ error: `timed out after ${timeoutMs / 1000} s` });
      else resolve({ error: `exit ${code ?? signal}: ${tail}` });
    });
  });
}

function plan(cfg: Config): Job[][] {
  const stages: Job[][] = [];
  const each = (workload: WorkloadName, group: string, n: number, c: number, caps: Readonly<Record<string, number>> = {}): Job[] =>
    CONTENDERS.map((contender) => ({ workload, group, contender, n: Math.min(n, caps[contender] ?? n), c }));
  // Workload A also runs `map` with one in-process tag limit of 16 on the task (its own target, no table row).
  if (cfg.only.has('A')) stages.push([...each('A', 'A', cfg.a.n, cfg.a.c), { workload: 'A', group: 'A', contender: 'sluice-map-tagged', n: cfg.a.n, c: cfg.a.c }]);
  if (cfg.only.has('B')) {
    stages.push(each('B', 'B-small', cfg.b.small, cfg.b.c));
    stages.push(each('B', 'B', cfg.b.n, cfg.b.c, cfg.b.caps));
  }
  if (cfg.only.has('C')) stages.push(each('C', 'C', cfg.cw.n, cfg.cw.c));
  return stages;
}

/* ---------- statistics and formatting ---------- */

const fmt = (x: number, digits = 3): string => x.toFixed(digits);

function stat(values: readonly number[], digits = 3): string {
  if (values.length === 0) return '-';
  return `${fmt(median(values), digits)} [${fmt(Math.min(...values), digits)}..${fmt(Math.max(...values), digits)}]`;
}

function results(outcomes: readonly Outcome[], group: string, contender: string): ResultLine[] {
  return outcomes.filter((o) => o.job.group === group && o.job.contender === contender && o.result !== undefined).map((o) => o.result as ResultLine);
}

function medianOf(outcomes: readonly Outcome[], group: string, contender: string, pick: (r: ResultLine) => number): number | undefined {
  const rs = results(outcomes, group, contender);
  return rs.length === 0 ? undefined : median(rs.map(pick));
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '-' : `${fmt(a / b, 2)}x`;
}

function runsOk(outcomes: readonly Outcome[], group: string, contender: string): string {
  const all = outcomes.filter((o) => o.job.group === group && o.job.contender === contender);
  const ok = all.filter((o) => o.result?.ok === true).length;
  const errors = [...new Set(all.filter((o) => o.error !== undefined).map((o) => o.error))];
  return `${ok}/${all.length}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`;
}

function ordered(rs: readonly ResultLine[]): string {
  if (rs.length === 0) return '-';
  return rs.every((r) => r.ordered) ? 'yes' : rs.some((r) => r.ordered) ? 'sometimes' : 'no';
}

const k = (n: number): string => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

function tableA(cfg: Config, outcomes: readonly Outcome[]): string[] {
  const hand = medianOf(outcomes, 'A', 'hand-loop', (r) => r.perTaskUs);
  const pmap = medianOf(outcomes, 'A', 'p-map', (r) => r.perTaskUs);
  const lines = [
    `### A. ${k(cfg.a.n)} x \`async x => x + 1\`, concurrency ${cfg.a.c}, warmed (10% pass first, same process)`,
    '',
    '| contender | µs/task median [min..max] | vs hand-loop | vs p-map | wall ms | peak RSS MB | heap used MB | runs ok | ordered |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of CONTENDERS) {
    const rs = results(outcomes, 'A', c);
    const us = medianOf(outcomes, 'A', c, (r) => r.perTaskUs);
    lines.push(
      `| ${c} | ${stat(rs.map((r) => r.perTaskUs))} | ${ratio(us, hand)} | ${ratio(us, pmap)} | ${stat(rs.map((r) => r.ms), 1)} | ${stat(rs.map((r) => r.peakRssMb), 1)} | ${stat(rs.map((r) => r.heapUsedMb), 1)} | ${runsOk(outcomes, 'A', c)} | ${ordered(rs)} |`,
    );
  }
  for (const [c, note] of Object.entries(PLANNED)) lines.push(`| ${c} | ${note} | - | - | - | - | - | - | - |`);
  return lines;
}

function tableB(cfg: Config, outcomes: readonly Outcome[]): string[] {
  const hand = medianOf(outcomes, 'B', 'hand-loop', (r) => r.perTaskUs);
  const lines = [
    `### B. ${k(cfg.b.n)} x \`async x => x + 1\`, concurrency ${cfg.b.c}, generator source, cold (no warm-up)`,
    '',
    `Each contender also runs the same workload at ${k(cfg.b.small)}; "per-task ${k(cfg.b.n)} / ${k(cfg.b.small)}" is the linearity check (1.00x = linear).`,
    '',
    `| contender | source | µs/task at ${k(cfg.b.small)} | µs/task at ${k(cfg.b.n)} median [min..max] | per-task ${k(cfg.b.n)} / ${k(cfg.b.small)} | vs hand-loop at ${k(cfg.b.n)} | wall ms at ${k(cfg.b.n)} | peak RSS MB at ${k(cfg.b.n)} | runs ok | ordered |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  for (const c of CONTENDERS) {
    const small = results(outcomes, 'B-small', c);
    const big = results(outcomes, 'B', c);
    const usSmall = medianOf(outcomes, 'B-small', c, (r) => r.perTaskUs);
    const usBig = medianOf(outcomes, 'B', c, (r) => r.perTaskUs);
    const cap = cfg.b.caps[c];
    const capped = cap !== undefined && cap < cfg.b.n;
    const mark = capped ? ' †' : '';
    if (capped) notes.push(`† ${c} measured at ${k(cap)}, not ${k(cfg.b.n)}: \`mergeMap\` over a pushed source is O(N²) (~40 µs/task, 40 s per run at 1M on this machine type). Its "vs hand-loop" compares its ${k(cap)} per-task cost with hand-loop's at ${k(cfg.b.n)}.`);
    lines.push(
      `| ${c} | ${big[0]?.source ?? small[0]?.source ?? '-'} | ${stat(small.map((r) => r.perTaskUs))} | ${stat(big.map((r) => r.perTaskUs))}${mark} | ${ratio(usBig, usSmall)}${mark} | ${ratio(usBig, hand)}${mark} | ${stat(big.map((r) => r.ms), 1)} | ${stat(big.map((r) => r.peakRssMb), 1)} | ${runsOk(outcomes, 'B', c)} | ${ordered(big)} |`,
    );
  }
  for (const [c, note] of Object.entries(PLANNED)) lines.push(`| ${c} | ${note} | - | - | - | - | - | - | - | - |`);
  if (notes.length > 0) lines.push('', ...notes);
  return lines;
}

function tableC(cfg: Config, outcomes: readonly Outcome[]): string[] {
  const ideal = (cfg.cw.n / cfg.cw.c) * cfg.cw.sleepMs;
  const hand = medianOf(outcomes, 'C', 'hand-loop', (r) => r.ms);
  const lines = [
    `### C. ${k(cfg.cw.n)} x \`await sleep(${cfg.cw.sleepMs})\`, concurrency ${cfg.cw.c}, ideal ${ideal} ms`,
    '',
    '| contender | wall ms median [min..max] | vs hand-loop | vs ideal | µs/task | max in flight | peak RSS MB | runs ok | ordered |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of CONTENDERS) {
    const rs = results(outcomes, 'C', c);
    const ms = medianOf(outcomes, 'C', c, (r) => r.ms);
    const inFlight = [...new Set(rs.map((r) => r.maxInFlight))].join(', ');
    lines.push(
      `| ${c} | ${stat(rs.map((r) => r.ms), 1)} | ${ratio(ms, hand)} | ${ms === undefined ? '-' : `${fmt(ms / ideal, 3)}`} | ${stat(rs.map((r) => r.perTaskUs), 1)} | ${inFlight || '-'} | ${stat(rs.map((r) => r.peakRssMb), 1)} | ${runsOk(outcomes, 'C', c)} | ${ordered(rs)} |`,
    );
  }
  return lines;
}

function leakRatios(outcomes: readonly Outcome[]): number[] {
  return results(outcomes, 'leak', 'sluice-leak').map((r) => {
    const h = r.heapAfterFlowMb ?? [];
    return (h[h.length - 1] as number) / (h[0] as number);
  });
}

function tableLeak(cfg: Config, outcomes: readonly Outcome[]): string[] {
  const rs = results(outcomes, 'leak', 'sluice-leak');
  const lines = [
    `### Leak check. ${cfg.leak.flows} flows x ${k(cfg.leak.n)} runs (\`map\`, concurrency ${cfg.leak.c}) in one process; heap used after a forced GC after each flow`,
    '',
    '| run | heap after flow 1 MB | heap after each flow MB | after last / after first | µs/task over all flows | peak RSS MB | ok |',
    '|---|---|---|---|---|---|---|',
  ];
  rs.forEach((r, i) => {
    const h = r.heapAfterFlowMb ?? [];
    lines.push(
      `| ${i + 1} | ${fmt(h[0] ?? NaN, 2)} | ${h.map((x) => fmt(x, 2)).join(', ')} | ${fmt((h[h.length - 1] as number) / (h[0] as number), 3)} | ${fmt(r.perTaskUs)} | ${fmt(r.peakRssMb, 1)} | ${r.ok ? 'yes' : 'no'} |`,
    );
  });
  const failed = outcomes.filter((o) => o.job.group === 'leak' && o.error !== undefined);
  for (const o of failed) lines.push(`| ${o.rep} | failed: ${o.error} | - | - | - | - | - |`);
  return lines;
}

/** sluice against the hand loop, p-map and Effect, per workload: the figures quoted most. */
function headline(cfg: Config, outcomes: readonly Outcome[]): string[] {
  const lines = [
    '| workload | sluice | µs/task | vs hand-loop | vs p-map | vs effect-forEach |',
    '|---|---|---|---|---|---|',
  ];
  const groups: [WorkloadName, string, string][] = [
    ['A', 'A', `A (${k(cfg.a.n)}, warm)`],
    ['B', 'B', `B (${k(cfg.b.n)}, cold)`],
    ['C', 'C', `C (${k(cfg.cw.n)} x sleep ${cfg.cw.sleepMs} ms)`],
  ];
  for (const [workload, group, label] of groups) {
    if (!cfg.only.has(workload)) continue;
    const of = (c: string): number | undefined => medianOf(outcomes, group, c, (r) => r.perTaskUs);
    for (const c of SLUICE) {
      const us = of(c);
      lines.push(`| ${label} | ${c} | ${us === undefined ? '-' : fmt(us)} | ${ratio(us, of('hand-loop'))} | ${ratio(us, of('p-map'))} | ${ratio(us, of('effect-forEach'))} |`);
    }
  }
  return lines;
}

interface Target {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly verdict: string;
}

/** For a target that is a floor (a speedup of at least `limit`). */
function verdictAtLeast(value: number | undefined, limit: number): string {
  if (value === undefined || Number.isNaN(value)) return 'NOT MEASURED';
  if (value >= limit) return 'PASS';
  return `MISS by ${fmt(limit / value, 2)}x (${fmt(value, 2)}x against ${fmt(limit, 2)}x)`;
}

function verdict(value: number | undefined, limit: number, unit: string): string {
  if (value === undefined) return 'NOT MEASURED';
  if (value <= limit) return 'PASS';
  return `MISS by ${fmt(value / limit, 2)}x (${fmt(value, 2)}${unit} against ${fmt(limit, 2)}${unit})`;
}

function targets(cfg: Config, outcomes: readonly Outcome[]): Target[] {
  const out: Target[] = [];
  const handA = medianOf(outcomes, 'A', 'hand-loop', (r) => r.perTaskUs);
  if (cfg.only.has('A')) {
    for (const [c, limit] of [['sluice-map', 10], ['sluice-submit', 20]] as const) {
      const us = medianOf(outcomes, 'A', c, (r) => r.perTaskUs);
      const r = us === undefined || handA === undefined ? undefined : us / handA;
      out.push({
        what: `A: sluice ${c === 'sluice-map' ? '`map`' : '`submit` loop'} per task vs hand loop`,
        target: `<= ${limit}x`,
        measured: r === undefined ? '-' : `${fmt(r, 2)}x (${fmt(us as number)} vs ${fmt(handA as number)} µs/task)`,
        verdict: verdict(r, limit, 'x'),
      });
    }
    const plain = medianOf(outcomes, 'A', 'sluice-map', (r) => r.perTaskUs);
    const tagged = medianOf(outcomes, 'A', 'sluice-map-tagged', (r) => r.perTaskUs);
    const t = plain === undefined || tagged === undefined ? undefined : tagged / plain;
    out.push({
      what: 'A: sluice `map` with one in-process tag limit of 16 vs without',
      target: '<= 1.2x',
      measured: t === undefined ? '-' : `${fmt(t, 2)}x (${fmt(tagged as number)} vs ${fmt(plain as number)} µs/task)`,
      verdict: verdict(t, 1.2, 'x'),
    });
  }
  if (cfg.only.has('B')) {
    const small = medianOf(outcomes, 'B-small', 'sluice-mapStream', (r) => r.perTaskUs);
    const big = medianOf(outcomes, 'B', 'sluice-mapStream', (r) => r.perTaskUs);
    const r = small === undefined || big === undefined ? undefined : big / small;
    out.push({
      what: `B: sluice \`mapStream\` per-task cost at ${k(cfg.b.n)} vs at ${k(cfg.b.small)} (linear)`,
      target: '<= 1.30x',
      measured: r === undefined ? '-' : `${fmt(r, 2)}x (${fmt(big as number)} vs ${fmt(small as number)} µs/task)`,
      verdict: verdict(r, 1.3, 'x'),
    });
    const rss = medianOf(outcomes, 'B', 'sluice-mapStream', (x) => x.peakRssMb);
    out.push({
      what: `B: sluice \`mapStream\` peak RSS at ${k(cfg.b.n)}`,
      target: '<= 200 MB',
      measured: rss === undefined ? '-' : `${fmt(rss, 1)} MB`,
      verdict: verdict(rss, 200, ' MB'),
    });
  }
  if (cfg.only.has('B')) {
    const small = medianOf(outcomes, 'B-small', 'sluice-map', (r) => r.perTaskUs);
    const big = medianOf(outcomes, 'B', 'sluice-map', (r) => r.perTaskUs);
    // The cold 100k run carries JIT warm-up that 1M amortises; A's warm 100k is the stricter reference.
    const warm = medianOf(outcomes, 'A', 'sluice-map', (r) => r.perTaskUs);
    const r = small === undefined || big === undefined ? undefined : big / small;
    const rWarm = warm === undefined || big === undefined ? undefined : big / warm;
    const worst = r === undefined ? rWarm : rWarm === undefined ? r : Math.max(r, rWarm);
    const parts: string[] = [];
    if (r !== undefined) parts.push(`${fmt(r, 2)}x vs B's cold ${k(cfg.b.small)} (${fmt(big as number)} vs ${fmt(small as number)} µs/task)`);
    if (rWarm !== undefined) parts.push(`${fmt(rWarm, 2)}x vs A's warm ${k(cfg.a.n)} (${fmt(warm as number)} µs/task)`);
    out.push({
      what: `B: sluice \`map\` per-task cost at ${k(cfg.b.n)} vs at ${k(cfg.b.small)} (linear; verdict on the larger of the two ratios)${cfg.mode === 'quick' ? ' (quick mode: 200k, not 1M; indicative only)' : ''}`,
      target: '<= 1.30x',
      measured: parts.length === 0 ? '-' : parts.join('; '),
      verdict: verdict(worst, 1.3, 'x'),
    });
  }
  if (cfg.only.has('C')) {
    const hand = medianOf(outcomes, 'C', 'hand-loop', (r) => r.ms);
    for (const c of SLUICE) {
      const ms = medianOf(outcomes, 'C', c, (r) => r.ms);
      const r = ms === undefined || hand === undefined ? undefined : ms / hand;
      out.push({
        what: `C: sluice ${LABEL[c] ?? c} wall time vs hand loop`,
        target: '<= 1.05x',
        measured: r === undefined ? '-' : `${fmt(r, 3)}x (${fmt(ms as number, 1)} vs ${fmt(hand as number, 1)} ms)`,
        verdict: verdict(r, 1.05, 'x'),
      });
    }
  }
  if (cfg.only.has('leak')) {
    const ratios = leakRatios(outcomes);
    const worst = ratios.length === 0 ? undefined : Math.max(...ratios);
    out.push({
      what: `No leak: heap after GC after flow ${cfg.leak.flows} vs after flow 1 (${cfg.leak.flows} x ${k(cfg.leak.n)} runs; worst of ${ratios.length} run(s); one-sided, a heap that shrinks is no leak)`,
      target: '<= 1.10x',
      measured: worst === undefined ? '-' : `${fmt(worst, 3)}x`,
      verdict: verdict(worst, 1.1, 'x'),
    });
  }
  return out;
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

/** Whether src/ differs from the commit (the library is measured as found in the working tree). */
function srcDirty(): boolean {
  try {
    return execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

/** What the report says about the machine and the code, taken when the bench ran (saved with the raw results). */
interface Meta {
  readonly started: string;
  totalS: number;
  readonly loadStart: readonly number[];
  loadEnd: readonly number[];
  readonly machine: string;
  readonly versions: string;
  /** Workloads measured later and reported with this run's others (`--keep`). */
  readonly merged?: readonly MergedRun[];
}

/** A later run whose workloads replaced this run's of the same names in the report (`--keep`). */
interface MergedRun {
  readonly workloads: readonly WorkloadName[];
  readonly mode: Config['mode'];
  readonly started: string;
  readonly totalS: number;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly versions: string;
}

function collectMeta(): Meta {
  const cpus = os.cpus();
  const self = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    started: new Date().toISOString(),
    totalS: 0,
    loadStart: os.loadavg(),
    loadEnd: [],
    machine: `${cpus[0]?.model ?? '?'}, ${cpus.length} logical cores, ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, ${os.type()} ${os.release()}`,
    versions: `Node ${process.version}; sluice ${self.version} (commit ${gitDescribe()}${srcDirty() ? ', with uncommitted changes in src/' : ''}), rxjs ${version('rxjs')}, p-map ${version('p-map')}, effect ${version('effect')}, tsx ${version('tsx')}, bullmq ${version('bullmq')}, ioredis ${version('ioredis')}, pg ${version('pg')}, redis-server ${redisServerVersion() ?? 'not installed'}, PostgreSQL ${postgresVersion() ?? 'not installed'}`,
  };
}

function report(cfg: Config, outcomes: readonly Outcome[], meta: Meta, threads: readonly DResult[] = [], profile: readonly string[] = [], bullmq?: ERun, cache: readonly FResult[] = [], limits?: GRun): string {
  const ts = [
    ...targets(cfg, outcomes),
    ...(cfg.only.has('D') ? targetsD(threads) : []).map((t) => ({ what: t.what, target: t.target, measured: t.measured, verdict: verdictAtLeast(t.value, t.limit) })),
    ...(bullmq === undefined
      ? []
      : targetsE(bullmq).map((t) => ({
          what: t.what,
          target: t.target,
          measured: t.measured,
          verdict: t.kind === 'atLeast' ? verdictAtLeast(t.value, t.limit) : verdict(t.value, t.limit, 'x'),
        }))),
    ...(cfg.only.has('F') ? targetsF(cache) : []).map((t) => ({ what: t.what, target: t.target, measured: t.measured, verdict: verdict(t.value, t.limit, 'x') })),
    ...(limits === undefined ? [] : targetsG(limits)),
  ];
  /** Whether an in-process workload (A, B, C: the hand loop's) ran. */
  const inProcess = (['A', 'B', 'C'] as const).some((w) => cfg.only.has(w));
  const lines = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench${cfg.mode === 'quick' ? ' -- --quick' : ''}\` (bench/run.ts); do not edit by hand. Method: each run is a fresh`,
    `${cfg.tsx ? '`node --expose-gc --import tsx bench/contender.ts`' : '`node --expose-gc bench/contender.js` (src/ bundled as the package ships it, bench/ transpiled by `typescript`)'} process that imports only its own contender; repetitions are`,
    'interleaved (rep 1 of every contender, then rep 2, ...); cells are median [min..max] over the repetitions; "vs hand-loop" is',
    "median / hand-loop's median from this same invocation. The hand loop is `c` async workers pulling from one shared iterator.",
    '',
    '## Setup',
    '',
    `- Date: ${meta.started}; mode: ${cfg.mode}; ${cfg.reps} repetitions (leak check: ${cfg.leak.reps}${cfg.only.has('F') ? `; F: ${cfg.f.reps}` : ''}${limits === undefined ? '' : `; G: ${limits.config.reps}`}); whole bench took ${fmt(meta.totalS, 0)} s`,
    `- Machine: ${meta.machine}`,
    `- Load average (1/5/15 min) at start: ${meta.loadStart.map((x) => fmt(x, 2)).join(' / ')}; at end: ${meta.loadEnd.map((x) => fmt(x, 2)).join(' / ')}`,
    `- ${meta.versions}`,
    ...(meta.merged ?? []).map(
      (m) =>
        `- ${m.workloads.join(', ')} measured later (\`--keep\`), replacing this run's: ${m.started}, mode ${m.mode}, took ${fmt(m.totalS, 0)} s, load ${m.loadStart.map((x) => fmt(x, 2)).join(' / ')} at start and ${m.loadEnd.map((x) => fmt(x, 2)).join(' / ')} at end; ${m.versions}`,
    ),
    '- µs/task = wall time of the timed pass / N. Peak RSS = the process\'s peak resident set (`VmHWM`, includes imports; not getrusage `maxRSS`, which in a spawned child starts at the parent\'s RSS on Linux). Heap used = `heapUsed` when the pass ended, before any GC.',
    '- "ok" = every result present and correct (count and sum); "ordered" = results came back in input order.',
    '',
    '## Targets',
    '',
    '| target | limit | measured | verdict |',
    '|---|---|---|---|',
    ...ts.map((t) => `| ${t.what} | ${t.target} | ${t.measured} | ${t.verdict} |`),
    '',
  ];
  if (ts.some((t) => t.verdict.startsWith('MISS'))) {
    lines.push(
      profile.length > 0
        ? 'Missed targets are reported with how far off they are; [Where the time goes](#where-the-time-goes) has the profile.'
        : `Missed targets are reported with how far off they are; \`npm run bench:profile\` shows where workload A's time goes${bullmq === undefined ? '' : "; for E, compare the CPU columns of its table (this process's and the store server's), and run a contender under `node --cpu-prof` (bench/bullmq/child.ts)"}${cache.length === 0 ? '' : '; for F, run a phase of bench/cache/child.ts under `node --cpu-prof`'}.`,
      '',
    );
  }
  // The headline compares in-process tools; a run of only D or E has none.
  if (inProcess) lines.push('## Headline', '', ...headline(cfg, outcomes), '');
  lines.push('## Results', '');
  if (cfg.only.has('A')) lines.push(...tableA(cfg, outcomes), '');
  if (cfg.only.has('B')) lines.push(...tableB(cfg, outcomes), '');
  if (cfg.only.has('C')) lines.push(...tableC(cfg, outcomes), '');
  if (cfg.only.has('leak')) lines.push(...tableLeak(cfg, outcomes), '');
  if (threads.length > 0) lines.push(...tableD(threads), '');
  if (bullmq !== undefined) lines.push(...tableE(bullmq), '');
  if (cache.length > 0) lines.push(...tableF(cache), '');
  if (limits !== undefined) lines.push(...tableG(limits), '');
  if (profile.length > 0) {
    lines.push(
      '## Where the time goes',
      '',
      'Workload A (100k trivial async tasks, concurrency 16) on the built package under `node --cpu-prof`, 15 rounds in one process (`npm run bench:profile [submit]`); self time by kind and by function:',
      '',
      '```',
      ...profile,
      '```',
      '',
      '- **Garbage collection** is the largest single share: every run is an object that lives until the map ends (a `TaskFutureList` holds them all, as Prefect\'s list does), so 100k runs are promoted out of the young generation. Measured with `heapUsed` around the calls (100k runs): a `map` allocates about 260 bytes per run (the run, 136 bytes, its argument array and queue slots) and its list\'s `result()` about 80 more; a `submit` loop about 230 per run and then about 580 per `result()` Promise, with its resolving functions and `Promise.all`\'s record for it. That is why the `submit` loop costs two to three times `map` here and misses its target: 100k Promises alive at once are the workload\'s shape, not the engine\'s work (p-map, which hands out no per-item Promise, allocates none of them).',
      '- **async_hooks**: `AsyncLocalStorage` (which gives task bodies their run context and nested runs their parent) makes Node 20 run a hook on every Promise in the process. From Node 24, AsyncLocalStorage is built on AsyncContextFrame and has no such hook (on Node 22 behind `--experimental-async-context-frame`); the hand loop, in a process without AsyncLocalStorage, does not pay it. The engine therefore makes as few promises per run as it can: one `then` on a Promise body (an async function awaiting it made two; replacing it cut `map`\'s time by about 30%).',
      '- **C (2k sleeps, 50 at a time)** is not CPU-bound: in a CPU profile of the timed pass, `map` uses ~40 ms of CPU in ~220 ms and the hand loop ~20 ms. What moves it is latency per completion. The 50 sleeps of one round end in one timer pass, and each completion starts the next body (and its `setTimeout`) before the next completion is handled; a body started after a millisecond boundary sleeps until a later timer tick. sluice spends about 10 µs more per completion than the hand loop, on code that is still cold (2,000 runs are too few for the optimising compiler to finish), so some of each round\'s restarts slip by a tick. `map` creates its runs before the first round and stays within the target; the `submit` loop also settles a Promise per run, and `mapStream` creates each run when a slot frees, in that same timer pass.',
      '- **The engine** itself (creating, gating, slotting and settling a run, and the list\'s `result()`) is the rest; no single function dominates. `mapStream` keeps no finished run and suits large inputs better.',
      '',
    );
  }
  lines.push(
    '## Caveats',
    '',
    '- The host has 2 vCPUs shared with other work (see the load average above); absolute µs move with it, ratios less so. A 10–20% difference between ratios is noise; three runs are not a statistical estimate.',
    ...(inProcess
      ? ["- The hand loop's timed pass in A is only ~15–30 ms, so one scheduler hiccup moves it (and every \"vs hand-loop\" ratio) by tens of per cent; the \"vs p-map\" column is steadier. Raise `--reps` before reading much into a gap."]
      : []),
    '- The library is bundled once when the bench starts, so every run of one invocation measures the same code even if src/ changes meanwhile.',
    "- A's arguments are plain numbers, which the search for futures inside arguments passes over with one `typeof` each. An argument that is a structure costs a walk over it: `npx tsx bench/deep-args.ts` measures one of 1,000 small objects (on this host, loaded: about 0.1 ms per run without futures, 0.35–0.45 ms finding and resolving a future in each, 1–2 µs with the argument in `quote(...)`).",
    ...(inProcess
      ? [
          '- A is warmed; B and C are cold (they include JIT warm-up). B includes creating the generator and, for tools that copy it, the array.',
          '- Per-task cost at 100k carries JIT warm-up and any fixed cost per flow or call that 1M spreads thinner, so "per-task 1M / 100k" can be well under 1.00x; only a ratio above 1 points at super-linear work (as RxJS shows).',
        ]
      : []),
    cfg.tsx
      ? '- Contenders run under `tsx` (the library is TypeScript); its loader slows start-up, not the timed pass.'
      : '- Contenders run as plain JavaScript built from the working tree when the bench starts: the library bundled as `npm run build` ships it, the bench transpiled file by file (as tsx would, without its loader, which costs seconds of start-up with Effect).',
    ...(bullmq === undefined || !bullmq.servers.some((server) => server.store === 'redis' && server.skipped === undefined)
      ? []
      : [
          '- E on Redis: the worker, the producer (flow) and redis-server share the same 2 cores, so E measures the whole loop on one machine, not a deployment. Raw BullMQ keeps completed jobs (its default); `sluice worker` keeps them an hour (its default `removeOnComplete: { age: 3600 }`, applied by the worker), so both leave every job in Redis during the run. The target compares with raw-bulk, which counts its Worker\'s `completed` events in-process; raw-bulk-events (informational) hears each outcome through `QueueEvents`, as a producer in another process than its workers must. sluice\'s workers publish outcomes themselves, batched per event-loop turn on a stream of the queue\'s own, so its flow reads a few events instead of three per job. Where sluice-map\'s remaining cost goes (hand A/B runs on this machine, 10k and 30k jobs, process CPU): the sluice worker costs the same as a raw BullMQ Worker that publishes the same outcomes (1.03x); the rest is the flow side. In a CPU profile of sluice-map, `AsyncLocalStorage`\'s promise hooks (sluice\'s run context; on Node 20 they run for every Promise in the process, ioredis\' and BullMQ\'s included) take about 5% of the process\'s CPU, plus their share of V8\'s microtask work; sluice\'s engine, runner and worker code about 6%; the rest is BullMQ and ioredis, with a bigger payload than raw\'s `{ x }` (`{ v, task, args, runId, attempt, flowName }`, a run name, an id of the runner\'s own). The host moves these figures a lot between runs: in five 5-repetition runs of this session\'s last builds, 0.71x, 0.69x, 0.72x, 0.70x and 0.78x (this report), with per-repetition ratios from 0.52x to 1.06x.',
        ]),
    ...(bullmq === undefined || !bullmq.servers.some((server) => server.store === 'postgres' && server.skipped === undefined)
      ? []
      : [
          "- E on PostgreSQL: the worker, the producer and all of PostgreSQL's processes share the same 2 cores, so this too is the whole loop on one machine, not a deployment. The server runs with `fsync=off` (`synchronous_commit` on): a commit waits for no disk flush, as Redis here writes nothing to disk; on a server that flushes to a real disk both sides would be slower. Here the server, not the client process, is the bottleneck (compare the two CPU columns): raw BullMQ commits about 1.6 transactions per job (bulk adds, then one per job to complete it and claim the next). The targets are Redis' and hold as they are: both sides do the same work on the same store, so a ratio still says what sluice adds, and what it adds costs more here, where each query is a transaction. In hand runs on this machine (10k jobs after 1k, on a loaded host) sluice-map committed about 44k transactions against raw-bulk's 18k and used up to 35 server connections against 12: its runner and worker query the store more per job than a bare `Worker` (not broken down here), which Redis absorbs and PostgreSQL does not. Two behaviours of BullMQ 6.7's PostgreSQL backend show in the table. (1) It reads its event table past the highest event id it has seen, so an event whose transaction commits after a later id's is never delivered: raw-bulk-events loses some `completed` events that way (hundreds of 10k in trial runs), and its row says how many instead of a time (not counted as the bench failing). sluice reads its own outcome stream the same way and finds a missed outcome by looking its job up (`checkInterval`, 5 s by default); a bulk that outlasts `checkInterval` also has its still-queued jobs looked up (at most 200 a second), which is part of sluice-map's cost here. (2) `QueueEvents` waits for a NOTIFY between two reads; one sent before it listens is missed, and it sleeps its `blockingTimeout` (10 s): raw-roundtrip's wall time and trips/s (and its p99, once more than 1% of trips stall) carry those stalls; its p50, the target's figure, does not.",
        ]),
    ...(limits === undefined || limits.skipped !== undefined
      ? []
      : [
          "- G: the flow process and redis-server share the same 2 cores and talk over loopback, so the added latency is what sluice and one local Redis round trip cost, not a deployment's (Redis on another machine adds its network's round trip). A tagged run takes its slot (one redis-semaphore script call when a slot is free) before its body and gives it back after it, without waiting for the answer; the next run's request goes behind that release on the same connection. The Redis path takes a few thousand runs to warm up (in trial runs about 600 µs per run after 200 runs, about 140 µs after 3000), hence the long warm-up; the quick mode's shorter one reads higher. The p99 carries pauses: young-generation collections (the Redis path allocates much more per run than the others, in ioredis and redis-semaphore; in a `--trace-gc` trial, about one scavenge per 200 runs, 3–9 ms each on this loaded host) and the host's hiccups (two processes, this one and redis-server, must both get a core for each run). Contended: a process has up to as many requests for a tag's slots under way as the limit could grant (its waiters queue in the process, and each slot granted goes to the first of them), so both slots of the limit of 2 are in use even with bodies shorter than a round trip; each run still costs a request and a give-back, so the throughput is a few round trips per run.",
        ]),
    '',
    '<details><summary>Raw result lines</summary>',
    '',
    '```',
    ...outcomes.map((o) => (o.result !== undefined ? JSON.stringify({ rep: o.rep, ...o.result }) : JSON.stringify({ rep: o.rep, ...o.job, error: o.error }))),
    ...(bullmq?.results ?? []).map((r) => JSON.stringify({ workload: 'E', ...r })),
    ...cache.map((r) => JSON.stringify({ workload: 'F', ...r })),
    ...(limits?.results ?? []).map((r) => JSON.stringify({ workload: 'G', ...r })),
    '```',
    '',
    '</details>',
    '',
  );
  return lines.join('\n');
}

/**
 * `fresh`'s workloads, with the others as `base` (a saved run) has them: a run of one workload
 * refreshes its section of a full report and keeps the rest as measured then (`--keep`). The
 * Setup says when the fresh ones were measured.
 */
function merge(base: Raw, fresh: Raw): Raw {
  const ran = fresh.config.only;
  const from = <T>(workload: WorkloadName, fresher: T, older: T): T => (ran.has(workload) ? fresher : older);
  const { a, b, cw, leak, d, e, f, g } = fresh.config;
  const parts: Partial<Config> = { ...(ran.has('A') ? { a } : {}), ...(ran.has('B') ? { b } : {}), ...(ran.has('C') ? { cw } : {}), ...(ran.has('leak') ? { leak } : {}), ...(ran.has('D') ? { d } : {}), ...(ran.has('E') ? { e } : {}), ...(ran.has('F') ? { f } : {}), ...(ran.has('G') ? { g } : {}) };
  const bullmq = from('E', fresh.bullmq, base.bullmq);
  const cache = from('F', fresh.cache, base.cache);
  const limits = from('G', fresh.limits, base.limits);
  const later: MergedRun = { workloads: [...ran], mode: fresh.config.mode, started: fresh.meta.started, totalS: fresh.meta.totalS, loadStart: fresh.meta.loadStart, loadEnd: fresh.meta.loadEnd, versions: fresh.meta.versions };
  return {
    config: { ...base.config, ...parts, only: new Set([...base.config.only, ...ran]) },
    // Each earlier merge stays said, unless every workload it brought is measured again now.
    meta: { ...base.meta, merged: [...(base.meta.merged ?? []).filter((m) => m.workloads.some((w) => !ran.has(w))), later] },
    outcomes: [...base.outcomes.filter((o) => !ran.has(o.job.workload)), ...fresh.outcomes],
    threads: from('D', fresh.threads, base.threads),
    profile: from('A', fresh.profile, base.profile),
    ...(bullmq === undefined ? {} : { bullmq }),
    ...(cache === undefined ? {} : { cache }),
    ...(limits === undefined ? {} : { limits }),
  };
}

/* ---------- main ---------- */

interface Raw {
  readonly config: Config;
  readonly meta: Meta;
  readonly outcomes: Outcome[];
  /** Workload D, measured by bench/threads/run-d.ts. */
  readonly threads?: DResult[];
  /** Where workload A's time goes (bench/profile.ts), full mode only. */
  readonly profile?: string[];
  /** Workload E, measured by bench/bullmq/run-e.ts. */
  readonly bullmq?: ERun;
  /** Workload F, measured by bench/cache/run-f.ts. */
  readonly cache?: FResult[];
  /** Workload G, measured by bench/limits/run-g.ts. */
  readonly limits?: GRun;
}

function save(raw: Raw, name: string): string {
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const rawPath = path.join(resultsDir, `${name.replace(/[:.]/g, '-')}.json`);
  writeFileSync(rawPath, `${JSON.stringify(raw, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v), 2)}\n`);
  return rawPath;
}

/** Reads a saved raw file (`--from`), to render its report again without measuring. */
function load(file: string): Raw {
  const raw = JSON.parse(readFileSync(path.resolve(ROOT, file), 'utf8')) as Raw & { config: { only: WorkloadName[] } };
  return { ...raw, config: { ...raw.config, only: new Set(raw.config.only) }, ...(raw.bullmq === undefined ? {} : { bullmq: savedE(raw.bullmq) }) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  const fromIndex = argv.indexOf('--from');
  if (fromIndex >= 0) {
    const raw = load(argv[fromIndex + 1] ?? '');
    const text = report(raw.config, raw.outcomes, raw.meta, raw.threads, raw.profile, raw.bullmq, raw.cache, raw.limits);
    process.stdout.write(`${text}\n`);
    const outIndex = argv.indexOf('--out');
    if (outIndex >= 0) writeFileSync(path.resolve(ROOT, argv[outIndex + 1] ?? 'BENCHMARKS.md'), text);
    return;
  }

  const cfg = parseArgs(argv);
  const keepIndex = argv.indexOf('--keep');
  // Read before measuring: a wrong path fails now, not after the runs.
  const kept = keepIndex >= 0 ? load(argv[keepIndex + 1] ?? '') : undefined;
  const meta = collectMeta();
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  log(`sluice bench, ${cfg.mode} mode, ${cfg.reps} reps`);
  if (!cfg.tsx) await transpile();

  const exec = async (job: Job, rep: number): Promise<void> => {
    const s = performance.now();
    const { result, error } = await runChild(job, cfg);
    const wallMs = performance.now() - s;
    outcomes.push({ job, rep, wallMs, ...(result !== undefined ? { result } : {}), ...(error !== undefined ? { error } : {}) });
    const what = result !== undefined ? `${fmt(result.perTaskUs)} µs/task, ${fmt(result.ms, 1)} ms, ${fmt(result.peakRssMb, 0)} MB${result.ok ? '' : ' WRONG RESULTS'}` : `FAILED: ${error ?? ''}`;
    log(`  [${job.group} n=${k(job.n)} rep ${rep}] ${job.contender.padEnd(15)} ${what} (process ${fmt(wallMs / 1000, 1)} s)`);
  };

  for (const stage of plan(cfg)) {
    for (let rep = 1; rep <= cfg.reps; rep++) {
      for (const job of stage) await exec(job, rep);
    }
  }
  if (cfg.only.has('leak')) {
    for (let rep = 1; rep <= cfg.leak.reps; rep++) {
      await exec({ workload: 'leak', group: 'leak', contender: 'sluice-leak', n: cfg.leak.n, c: cfg.leak.c, flows: cfg.leak.flows }, rep);
    }
  }

  let threads: DResult[] = [];
  if (cfg.only.has('D')) {
    if (cfg.tsx) log('  [D] skipped with --tsx: worker threads run the transpiled bench');
    else threads = await runD({ ...cfg.d, build: BUILD }, log);
  }

  let bullmq: ERun | undefined;
  if (cfg.only.has('E')) {
    const child = cfg.tsx ? ['--import', 'tsx', path.join(ROOT, 'bench', 'bullmq', 'child.ts')] : [path.join(BUILD, 'bench', 'bullmq', 'child.js')];
    bullmq = await runE(cfg.e, child, log);
  }

  let cache: FResult[] = [];
  if (cfg.only.has('F')) {
    const child = cfg.tsx ? ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench', 'cache', 'child.ts')] : ['--expose-gc', path.join(BUILD, 'bench', 'cache', 'child.js')];
    cache = await runF(cfg.f, child, log);
  }

  let limits: GRun | undefined;
  if (cfg.only.has('G')) {
    const child = cfg.tsx ? ['--import', 'tsx', path.join(ROOT, 'bench', 'limits', 'child.ts')] : [path.join(BUILD, 'bench', 'limits', 'child.js')];
    limits = await runG(cfg.g, child, log);
  }

  let profile: string[] = [];
  if (cfg.mode === 'full' && cfg.only.has('A')) {
    log('  [profile] workload A, map and submit, under node --cpu-prof');
    profile = [...profileWorkloadA('map'), '', ...profileWorkloadA('submit')];
  }

  meta.totalS = (performance.now() - t0) / 1000;
  meta.loadEnd = os.loadavg();
  const fresh: Raw = { config: cfg, meta, outcomes, threads, profile, ...(bullmq === undefined ? {} : { bullmq }), ...(cache.length === 0 ? {} : { cache }), ...(limits === undefined ? {} : { limits }) };
  const raw = kept === undefined ? fresh : merge(kept, fresh);
  const text = report(raw.config, raw.outcomes, raw.meta, raw.threads, raw.profile, raw.bullmq, raw.cache, raw.limits);
  process.stdout.write(`${text}\n`);
  log(`raw results: ${path.relative(ROOT, save(raw, `${meta.started}-${cfg.mode}${kept === undefined ? '' : '-kept'}`))}`);
  if (kept !== undefined) log(`  (${[...cfg.only].join(', ')} measured now; the rest as in ${argv[keepIndex + 1] ?? ''})`);
  if (cfg.out !== undefined) {
    writeFileSync(path.resolve(ROOT, cfg.out), text);
    log(`report: ${cfg.out}`);
  }
  log(`total ${fmt(meta.totalS, 1)} s`);
  // Events raw BullMQ's own QueueEvents lost (on PostgreSQL) are a finding about BullMQ, reported in E's table, not a failure of the bench.
  const eFailed = bullmq?.results.some((r) => !r.ok && r.lostEvents === undefined) === true;
  if (outcomes.some((o) => o.error !== undefined || o.result?.ok === false) || threads.some((t) => !t.ok) || eFailed || cache.some((r) => r.ok !== true) || limits?.results.some((r) => r.ok !== true) === true) process.exitCode = 1;
}

await main();
