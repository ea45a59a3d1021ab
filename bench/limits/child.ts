/**
 * Workload G in a fresh process: one variant (untagged, or tagged under an in-process or a Redis
 * limit; one at a time or contended) in one flow on the embedded runner; prints one result line.
 * Started by bench/limits/run-g.ts.
 *
 *   node bench/limits/child.js '<GCase as JSON>'
 */
import { ConcurrentTaskRunner, concurrencyLimits, flow, task } from '../../src/index.js';
import { percentile } from '../bullmq/common.js';
import { peakRssMb } from '../lib.js';
import { G_RESULT_PREFIX, isContended, needsRedis, type GCase, type GMeasured } from './common.js';

async function main(): Promise<GMeasured> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as GCase;
  const tagged = cfg.variant !== 'untagged';
  if (needsRedis(cfg.variant) && cfg.url === undefined) throw new Error(`${cfg.variant} needs the url of a redis-server`);
  const limits = !tagged
    ? undefined
    : concurrencyLimits({ crm: cfg.limit }, needsRedis(cfg.variant) ? { redis: { connection: cfg.url as string, prefix: cfg.prefix } } : {});
  let inFlight = 0;
  let maxInFlight = 0;
  // Trivial, but over one microtask, so that runs the limit lets through overlap and are counted.
  const inc = task({ name: 'inc', tags: tagged ? ['crm'] : [] }, async (x: number) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await Promise.resolve();
    inFlight--;
    return x + 1;
  });
  const taskRunner = new ConcurrentTaskRunner({ maxConcurrency: cfg.concurrency });
  const options = { name: 'g', taskRunner, ...(limits === undefined ? {} : { limits }) };
  const items = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
  const right = (out: readonly number[], from: number): boolean => out.every((v, i) => v === from + i + 1);

  if (isContended(cfg.variant)) {
    const run = flow(options, (xs: number[]) => inc.map(xs).result());
    const warm = await run(items(cfg.n, cfg.warm));
    const start = performance.now();
    const out = await run(items(0, cfg.n));
    const ms = performance.now() - start;
    const ok = right(warm, cfg.n) && out.length === cfg.n && right(out, 0) && maxInFlight <= cfg.limit;
    return { ms, maxInFlight, ok, peakRssMb: peakRssMb() };
  }

  const run = flow(options, async () => {
    let ok = true;
    for (let i = 0; i < cfg.warm; i++) ok = (await inc.submit(cfg.n + i).result()) === cfg.n + i + 1 && ok;
    const latencies: number[] = [];
    const start = performance.now();
    for (let i = 0; i < cfg.n; i++) {
      const t = performance.now();
      ok = (await inc.submit(i).result()) === i + 1 && ok;
      latencies.push((performance.now() - t) * 1000);
    }
    return { ms: performance.now() - start, ok, latencies };
  });
  const { ms, ok, latencies } = await run();
  return {
    ms,
    p50Us: percentile(latencies, 0.5),
    p99Us: percentile(latencies, 0.99),
    meanUs: (ms * 1000) / cfg.n,
    maxInFlight,
    ok: ok && maxInFlight === 1,
    peakRssMb: peakRssMb(),
  };
}

main().then(
  (measured) => {
    process.stdout.write(`${G_RESULT_PREFIX}${JSON.stringify(measured)}\n`);
    // Do not wait for the limits' Redis connection to close.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
