/**
 * Workload F in a fresh process: one phase (cold or warm) of one variant (sluice's file cache or
 * the hand memo) over a cache folder; prints one result line. Started by bench/cache/run-f.ts.
 *
 *   node --expose-gc bench/cache/child.js '<FCase as JSON>'
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { gc, peakRssMb, rangeArray } from '../lib.js';
import { F_RESULT_PREFIX, type FCase, type FMeasured, type FRun } from './common.js';

async function main(): Promise<FMeasured> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as FCase;
  let bodies = 0;
  // The task: trivial, so that the cache is all there is to measure.
  const double = (x: number): number => {
    bodies++;
    return x * 2;
  };
  let run: FRun;
  switch (cfg.variant) {
    case 'memo':
      run = (await import('./memo.js')).memo(cfg.dir, double, cfg.concurrency);
      break;
    case 'memo-als':
      // Once a store is entered, Node 20 runs AsyncLocalStorage's hooks on every Promise and file operation.
      new AsyncLocalStorage<object>().enterWith({});
      run = (await import('./memo.js')).memo(cfg.dir, double, cfg.concurrency);
      break;
    case 'sluice':
      run = (await import('./sluice.js')).sluice(cfg.dir, double, cfg.concurrency);
      break;
    default:
      throw new Error(`unknown variant ${String(cfg.variant)}`);
  }
  // Warm-up (JIT), on keys of its own: they miss in the cold phase and hit in the warm one, like the timed keys.
  const warm = Array.from({ length: cfg.warm }, (_, i) => cfg.n + i);
  await run(warm);
  bodies = 0;
  const items = rangeArray(cfg.n);
  gc();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const out = await run(items);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  let ok = out.length === cfg.n;
  for (let i = 0; ok && i < cfg.n; i++) if (out[i] !== 2 * i) ok = false;
  if (bodies !== (cfg.phase === 'cold' ? cfg.n : 0)) ok = false;
  return { ms, cpuMs: (used.user + used.system) / 1000, bodies, ok, peakRssMb: peakRssMb() };
}

main().then(
  (measured) => {
    process.stdout.write(`${F_RESULT_PREFIX}${JSON.stringify(measured)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
