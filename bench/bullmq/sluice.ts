/**
 * Workload E through sluice: `BullMQTaskRunner` on the flow side, `startWorker` in the same
 * process, the same trivial task as the raw processor. The connection is the case's URL either
 * way: a `postgres://` one puts the queue on BullMQ's PostgreSQL backend.
 */
import { flow } from '../../src/index.js';
import { BullMQTaskRunner, startWorker } from '../../src/bullmq.js';
import { cpuMeter, percentile, type ECase, type EMeasured } from './common.js';
import { inc } from './tasks.js';

async function withWorker<T>(cfg: ECase, body: (runner: BullMQTaskRunner) => Promise<T>): Promise<T> {
  const worker = await startWorker({ queue: cfg.queue, connection: cfg.url, tasks: [inc], concurrency: cfg.concurrency, log: () => undefined });
  // keepAlive: the warm-up flow leaves the runner's connections open for the timed one.
  const runner = new BullMQTaskRunner({ queue: cfg.queue, connection: cfg.url, bulkSize: cfg.chunk, keepAlive: true });
  try {
    return await body(runner);
  } finally {
    await Promise.allSettled([runner.destroy(), worker.close()]);
  }
}

/** `inc.map(xs).result()` of `n` items in one flow, after a warm-up flow of `warm` items. */
export function sluiceMap(cfg: ECase): Promise<EMeasured> {
  return withWorker(cfg, async (runner) => {
    const run = flow({ name: 'e-map', taskRunner: runner }, (xs: number[]) => inc.map(xs).result());
    const warm = await run(Array.from({ length: cfg.warm }, (_, i) => i));
    const xs = Array.from({ length: cfg.n }, (_, i) => i);
    const stop = await cpuMeter(cfg);
    const start = performance.now();
    const out = await run(xs);
    const ms = performance.now() - start;
    const cpu = await stop();
    const ok = warm.every((v, i) => v === i + 1) && out.length === cfg.n && out.every((v, i) => v === i + 1);
    return { ms, ok, ...cpu };
  });
}

/** One flow: `await inc.submit(i).result()` one at a time, `warm` trips, then `n` timed trips. */
export function sluiceRoundTrip(cfg: ECase): Promise<EMeasured> {
  return withWorker(cfg, async (runner) => {
    const run = flow({ name: 'e-roundtrip', taskRunner: runner }, async () => {
      let ok = true;
      for (let i = 0; i < cfg.warm; i++) ok = (await inc.submit(i).result()) === i + 1 && ok;
      const latencies: number[] = [];
      const stop = await cpuMeter(cfg);
      const start = performance.now();
      for (let i = 0; i < cfg.n; i++) {
        const t = performance.now();
        ok = (await inc.submit(i).result()) === i + 1 && ok;
        latencies.push(performance.now() - t);
      }
      const ms = performance.now() - start;
      return { ms, ok, latencies, ...(await stop()) };
    });
    const { ms, ok, latencies, cpuMs, serverCpuMs } = await run();
    return { ms, ok, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), meanMs: ms / cfg.n, cpuMs, serverCpuMs };
  });
}
