/**
 * Workload D in a fresh process: `n` runs of the CPU kernel (`rounds` steps each) on `threads`
 * worker threads, by one variant; prints one JSON line. Started by bench/threads/run-d.ts.
 *
 *   node bench/threads/child.js <sequential|piscina|sluice-threads> <cold|warm> <n> <rounds> <threads>
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { flow, WorkerThreadsTaskRunner } from '../../src/index.js';
import { mix } from './kernel.js';
import { mixTask } from './tasks.js';

const [variant, temperature, nArg, roundsArg, threadsArg] = process.argv.slice(2);
const n = Number(nArg);
const rounds = Number(roundsArg);
const threads = Number(threadsArg);
const seeds = Array.from({ length: n }, (_, i) => i + 1);
const expected = seeds.map((s) => mix(s, 1000));

async function main(): Promise<{ ms: number; ok: boolean }> {
  if (variant === 'sequential') {
    const start = performance.now();
    const out = seeds.map((s) => mix(s, rounds));
    return { ms: performance.now() - start, ok: out.length === n };
  }
  if (variant === 'piscina') {
    const filename = fileURLToPath(new URL('./piscina-worker.js', import.meta.url));
    const start0 = performance.now();
    const pool = new Piscina<{ seed: number; rounds: number }, number>({ filename, minThreads: threads, maxThreads: threads });
    let start = start0;
    if (temperature === 'warm') {
      await Promise.all(Array.from({ length: threads }, (_, i) => pool.run({ seed: i, rounds: 1 })));
      start = performance.now();
    }
    const check = await Promise.all(seeds.map((seed) => pool.run({ seed, rounds: 1000 })));
    const out = await Promise.all(seeds.map((seed) => pool.run({ seed, rounds })));
    const ms = performance.now() - start;
    await pool.destroy();
    return { ms, ok: out.length === n && check.every((v, i) => v === expected[i]) };
  }
  const runner = new WorkerThreadsTaskRunner({ maxThreads: threads, keepAlive: true });
  const start0 = performance.now();
  let start = start0;
  const run = flow({ name: 'D', taskRunner: runner }, (r: number) => mixTask.map(seeds, r).result());
  if (temperature === 'warm') {
    await flow({ name: 'warm-up', taskRunner: runner }, () => mixTask.map(Array.from({ length: threads }, (_, i) => i), 1).result())();
    start = performance.now();
  }
  const check = await run(1000);
  const out = await run(rounds);
  const ms = performance.now() - start;
  await runner.destroy();
  return { ms, ok: out.length === n && check.every((v, i) => v === expected[i]) };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ variant, temperature, n, rounds, threads, ...result })}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
