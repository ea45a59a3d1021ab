/**
 * Shared pieces of the benchmark: the contender interface, the hand-written baseline, the result
 * line a child prints, and small helpers. Not part of the library or of `npm test`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One run of a workload: a function of one number, applied to every item. */
export type Work = (x: number) => Promise<number>;

/**
 * A contender: applies `fn` to every item of `source` with at most `concurrency` in flight and
 * returns the results (in whatever order the tool gives them).
 */
export interface Contender {
  readonly name: string;
  /** How the contender reads a lazy source (workload B): pulled on demand, copied, and so on. */
  readonly source: string;
  run(source: Iterable<number>, fn: Work, concurrency: number): Promise<number[]>;
}

/** A-C and leak run through bench/contender.ts; D (worker threads) through bench/threads/; E (BullMQ) through bench/bullmq/; F (disk cache) through bench/cache/; G (limits in Redis) through bench/limits/. */
export type WorkloadName = 'A' | 'B' | 'C' | 'leak' | 'D' | 'E' | 'F' | 'G';

/** The line a child process prints, prefixed by {@link RESULT_PREFIX}. */
export interface ResultLine {
  readonly workload: WorkloadName;
  readonly contender: string;
  readonly n: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly perTaskUs: number;
  /** Process-lifetime peak RSS, MiB: VmHWM on Linux, else getrusage maxRSS. */
  readonly peakRssMb: number;
  /** getrusage maxRSS, MiB; on Linux at least the parent's RSS when this process was spawned. */
  readonly maxRssMb: number;
  /** RSS before the workload started (after imports), MiB. */
  readonly rssStartMb: number;
  /** heapUsed when the timed pass finished, before any forced GC, MiB. */
  readonly heapUsedMb: number;
  readonly ok: boolean;
  readonly ordered: boolean;
  readonly source: string;
  readonly error?: string;
  /** Workload C: the most task bodies in flight at once. */
  readonly maxInFlight?: number;
  /** Leak check: heap after GC after each flow, MiB. */
  readonly heapAfterFlowMb?: readonly number[];
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export const MB = 1024 * 1024;

/** `conc` async workers pulling from one shared iterator: the baseline every ratio is taken against. */
export async function handLoop(source: Iterable<number>, fn: Work, concurrency: number): Promise<number[]> {
  const out: number[] = [];
  const it = source[Symbol.iterator]();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const step = it.next();
      if (step.done === true) return;
      const index = next++;
      out[index] = await fn(step.value);
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  return out;
}

export function* range(n: number): Generator<number, void, undefined> {
  for (let i = 0; i < n; i++) yield i;
}

export function rangeArray(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Forces a full GC; the child runs with `--expose-gc`. */
export function gc(): void {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Peak RSS of this process since it started, MiB: `VmHWM` from /proc/self/status on Linux. Not
 * `getrusage` maxRSS there: a child's maxRSS starts at its parent's RSS at fork (the kernel carries
 * the forked memory's high-water mark across exec), so every child would report at least the
 * orchestrator's size. Elsewhere, maxRSS.
 */
export function peakRssMb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]) / 1024;
  } catch {
    // not Linux
  }
  return maxRssMb();
}

/** `process.resourceUsage().maxRSS` in MiB (see {@link peakRssMb}). */
export function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs `node ...argv '<arg as JSON>'` and resolves to the JSON its stdout prints after `prefix`,
 * or to why there is none: its exit and the last lines of its stderr, or a time-out (it is
 * killed after `timeoutMs`). Workloads E, F and G start a child per measurement with it.
 */
export function jsonChild<T>(argv: readonly string[], arg: unknown, prefix: string, timeoutMs: number): Promise<{ line?: T; error?: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [...argv, JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const found = stdout.split('\n').find((l) => l.startsWith(prefix));
      if (found !== undefined) {
        resolve({ line: JSON.parse(found.slice(prefix.length)) as T });
        return;
      }
      // The error's own line (its stack follows it), else the last lines.
      const lines = stderr.trim().split('\n');
      const at = lines.findIndex((l) => /^\w*(Error|Exception)\b/.test(l));
      const what = (at >= 0 ? lines.slice(at, at + 2) : lines.slice(-3)).map((l) => l.trim()).join(' | ').slice(0, 400);
      resolve({ error: timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit ${code ?? signal}: ${what}` });
    });
  });
}
