/**
 * CPU-bound work: the same map on both runners, with wall times.
 *
 * `mix` hashes a seed through many rounds of a 32-bit mixing function: pure JavaScript, no
 * awaiting, so it holds whatever thread runs it. On `ConcurrentTaskRunner` the runs take turns on
 * the one event loop (concurrency does not help CPU-bound bodies); on `WorkerThreadsTaskRunner`
 * they run in parallel, one per thread, up to the number of cores.
 *
 * The task is defined at the module's top level, exported, with `module: import.meta.url`: a
 * worker thread imports this module and finds it by name.
 *
 * Printed: sequential (a plain loop, no sluice), ConcurrentTaskRunner, WorkerThreadsTaskRunner
 * with a cold pool (its threads start inside the timing: each imports this module and sluice),
 * and the same runner again with its pool warm (`keepAlive`).
 *
 *   npx tsx examples/cpu-bound.ts [tasks] [rounds]
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { ConcurrentTaskRunner, flow, task, WorkerThreadsTaskRunner, type TaskRunner } from '../src/index.js';

/** `rounds` rounds of a 32-bit mix (murmur3's finaliser, fed back), from `seed`. */
export function mixRounds(seed: number, rounds: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < rounds; i++) {
    h ^= i;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export const mix = task({ name: 'mix', module: import.meta.url }, (seed: number, rounds: number) => mixRounds(seed, rounds));

/** One line of the report. */
export interface Timing {
  readonly label: string;
  readonly ms: number;
  readonly results: readonly number[];
}

async function timed(label: string, run: () => Promise<readonly number[]>): Promise<Timing> {
  const start = performance.now();
  const results = await run();
  return { label, ms: performance.now() - start, results };
}

function onRunner(runner: TaskRunner, seeds: readonly number[], rounds: number): Promise<number[]> {
  return flow({ name: 'cpu-bound', taskRunner: runner }, () => mix.map([...seeds], rounds).result())();
}

/** Runs the map every way and returns the wall times. */
export async function compare(tasks: number, rounds: number, threads = availableParallelism()): Promise<Timing[]> {
  const seeds = Array.from({ length: tasks }, (_, i) => i + 1);
  const timings: Timing[] = [];
  timings.push(await timed('sequential (plain loop)', () => Promise.resolve(seeds.map((seed) => mixRounds(seed, rounds)))));
  timings.push(await timed('ConcurrentTaskRunner', () => onRunner(new ConcurrentTaskRunner(), seeds, rounds)));
  const pool = new WorkerThreadsTaskRunner({ maxThreads: threads, keepAlive: true });
  try {
    timings.push(await timed(`WorkerThreadsTaskRunner, ${threads} threads, cold pool`, () => onRunner(pool, seeds, rounds)));
    timings.push(await timed(`WorkerThreadsTaskRunner, ${threads} threads, warm pool`, () => onRunner(pool, seeds, rounds)));
  } finally {
    await pool.destroy();
  }
  return timings;
}

export async function main(tasks = 8, rounds = 120_000_000): Promise<void> {
  console.log(`${tasks} tasks of ${rounds.toLocaleString('en')} rounds each, on ${availableParallelism()} cores`);
  const timings = await compare(tasks, rounds);
  const base = timings[0]?.ms ?? 1;
  for (const { label, ms, results } of timings) {
    const same = JSON.stringify(results) === JSON.stringify(timings[0]?.results);
    console.log(`${label.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms  ${(base / ms).toFixed(2)}x${same ? '' : '  (different results!)'}`);
  }
  console.log('cold pool: includes starting the threads, each of which imports this module and sluice (and, under tsx, the TypeScript loader)');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [tasks, rounds] = process.argv.slice(2).map(Number);
  await main(tasks || undefined, rounds || undefined);
}
