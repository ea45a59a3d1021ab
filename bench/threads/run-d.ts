/**
 * Workload D: CPU-bound bodies on worker threads. Each variant runs in a fresh process (a cold
 * pool pays its threads' start-up inside the timing, a warm one does not): a sequential loop on
 * the main thread, raw piscina with a lean worker file, and sluice's WorkerThreadsTaskRunner.
 * Called by bench/run.ts for `--only ...,D`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { median } from '../lib.js';
import { mix } from './kernel.js';

export interface DResult {
  readonly variant: 'sequential' | 'piscina' | 'sluice-threads';
  readonly temperature: 'cold' | 'warm';
  readonly rep: number;
  readonly n: number;
  readonly rounds: number;
  readonly threads: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface DConfig {
  readonly n: number;
  readonly threads: number;
  readonly reps: number;
  /** How long one run of the kernel should take, ms. */
  readonly taskMs: number;
  /** Where src/ and bench/ were transpiled to JavaScript. */
  readonly build: string;
}

/** Rounds of the kernel that take about `ms` here, measured on this thread after a warm-up. */
export function calibrate(ms: number): number {
  mix(1, 2_000_000);
  const probe = 20_000_000;
  const start = performance.now();
  mix(2, probe);
  const took = performance.now() - start;
  return Math.max(1, Math.round((probe * ms) / took));
}

function child(cfg: DConfig, variant: DResult['variant'], temperature: DResult['temperature'], rounds: number, rep: number): Promise<DResult> {
  const script = path.join(cfg.build, 'bench', 'threads', 'child.js');
  const base = { variant, temperature, rep, n: cfg.n, rounds, threads: cfg.threads };
  return new Promise((resolve) => {
    execFile('node', [script, variant, temperature, String(cfg.n), String(rounds), String(cfg.threads)], { timeout: 600_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        resolve({ ...base, ms: Number.NaN, ok: false, error: (stderr || error.message).split('\n')[0] ?? 'failed' });
        return;
      }
      const line = stdout.trim().split('\n').at(-1) ?? '{}';
      const parsed = JSON.parse(line) as { ms: number; ok: boolean };
      resolve({ ...base, ms: parsed.ms, ok: parsed.ok });
    });
  });
}

const VARIANTS: readonly [DResult['variant'], DResult['temperature']][] = [
  ['sequential', 'cold'],
  ['piscina', 'cold'],
  ['sluice-threads', 'cold'],
  ['piscina', 'warm'],
  ['sluice-threads', 'warm'],
];

export async function runD(cfg: DConfig, log: (s: string) => void): Promise<DResult[]> {
  const rounds = calibrate(cfg.taskMs);
  log(`  [D] ${cfg.n} x ~${cfg.taskMs} ms of CPU (${rounds} rounds) on ${cfg.threads} threads`);
  const out: DResult[] = [];
  for (let rep = 1; rep <= cfg.reps; rep++) {
    for (const [variant, temperature] of VARIANTS) {
      const r = await child(cfg, variant, temperature, rounds, rep);
      out.push(r);
      log(`  [D rep ${rep}] ${`${variant} (${temperature})`.padEnd(24)} ${r.error === undefined ? `${r.ms.toFixed(0)} ms${r.ok ? '' : ' WRONG RESULTS'}` : `FAILED: ${r.error}`}`);
    }
  }
  return out;
}

function med(results: readonly DResult[], variant: DResult['variant'], temperature: DResult['temperature']): number | undefined {
  const ms = results.filter((r) => r.variant === variant && r.temperature === temperature && r.error === undefined).map((r) => r.ms);
  return ms.length === 0 ? undefined : median(ms);
}

const f = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x.toFixed(d));

/** The D section of BENCHMARKS.md. */
export function tableD(results: readonly DResult[]): string[] {
  const first = results[0];
  if (first === undefined) return [];
  const seq = med(results, 'sequential', 'cold');
  const lines = [
    `### D. ${first.n} x ~${seq === undefined ? '?' : f(seq / first.n, 0)} ms of CPU (an integer hash, ${first.rounds} rounds) on ${first.threads} worker threads`,
    '',
    'Cold: the pool starts inside the timing (a fresh process per run). Warm: the threads are started by a tiny job first.',
    '',
    '| variant | wall ms median [min..max] | speedup vs sequential | vs raw piscina (same temperature) | runs ok |',
    '|---|---|---|---|---|',
  ];
  for (const [variant, temperature] of VARIANTS) {
    const rs = results.filter((r) => r.variant === variant && r.temperature === temperature);
    const ms = rs.filter((r) => r.error === undefined).map((r) => r.ms);
    const m = med(results, variant, temperature);
    const p = med(results, 'piscina', temperature);
    const cell = ms.length === 0 ? 'failed' : `${f(m, 0)} [${f(Math.min(...ms), 0)}..${f(Math.max(...ms), 0)}]`;
    lines.push(
      `| ${variant}${variant === 'sequential' ? '' : ` (${temperature})`} | ${cell} | ${seq === undefined || m === undefined ? '-' : `${f(seq / m)}x`} | ${variant === 'sequential' || p === undefined || m === undefined ? '-' : `${f(p / m)}x`} | ${rs.filter((r) => r.ok).length}/${rs.length} |`,
    );
  }
  return lines;
}

/** The issue's targets for D: sluice at least 1.85x over sequential, and at least 0.95x of raw piscina. */
export function targetsD(results: readonly DResult[]): { what: string; target: string; value: number | undefined; measured: string; limit: number }[] {
  const seq = med(results, 'sequential', 'cold');
  const out = [];
  for (const temperature of ['cold', 'warm'] as const) {
    const s = med(results, 'sluice-threads', temperature);
    const p = med(results, 'piscina', temperature);
    const speed = seq === undefined || s === undefined ? undefined : seq / s;
    const vsRaw = p === undefined || s === undefined ? undefined : p / s;
    out.push(
      { what: `D: sluice worker threads (${temperature} pool) speedup over sequential`, target: '>= 1.85x', value: speed, measured: `${f(speed)}x`, limit: 1.85 },
      { what: `D: sluice worker threads (${temperature} pool) vs raw piscina (${temperature})`, target: '>= 0.95x', value: vsRaw, measured: `${f(vsRaw)}x`, limit: 0.95 },
    );
  }
  return out;
}
