/**
 * Workload E, raw BullMQ: what a hand-written producer and in-process Worker do (bulk adds, then
 * single round trips), on Redis or on BullMQ's PostgreSQL backend. Imports bullmq only (never sluice).
 */
import { createPostgresBackend, createRedisBackend, withBackend, type BackendClasses, type IQueueBackend, type Job } from 'bullmq';
import { cpuMeter, percentile, type ECase, type EMeasured } from './common.js';

interface Payload {
  readonly x: number;
}

/**
 * BullMQ's classes and connection for the case's store, as a user would write them: on
 * PostgreSQL `withBackend(createPostgresBackend)` with `{ connectionString, migrate: true }`
 * (the schema is made on first use, before the timed pass); on Redis the default backend.
 */
function on<T>(cfg: ECase, body: <B extends IQueueBackend, C>(classes: BackendClasses<B, C>, connection: C) => Promise<T>): Promise<T> {
  return cfg.store === 'postgres'
    ? body(withBackend(createPostgresBackend), { connectionString: cfg.url, migrate: true })
    : body(withBackend(createRedisBackend), { url: cfg.url });
}

// eslint-disable-next-line @typescript-eslint/require-await
const processor = async (job: Job<Payload, number>): Promise<number> => job.data.x + 1;

/**
 * How long `QueueEvents` may stay silent after the worker finished every job before the missing
 * 'completed' events count as lost: BullMQ 6.7's PostgreSQL backend reads its event table past
 * the highest id seen, so an event whose transaction commits after a later id's is never read.
 */
const LOST_AFTER_MS = 5000;

/**
 * `n` jobs by `addBulk` in chunks of `chunk` (each awaited), run by a Worker of `concurrency`
 * in this process; timed from the first add to the last completion: the worker's 'completed'
 * event, or with `viaEvents` the 'completed' event of a `QueueEvents` (what a producer in another
 * process hears; events it never hears are reported as `lostEvents`, not waited for). A warm-up
 * batch of `warm` jobs goes through the same queue and worker first.
 */
export function rawBulk(cfg: ECase, viaEvents = false): Promise<EMeasured> {
  return on(cfg, (classes, connection) => bulk(cfg, viaEvents, classes, connection));
}

async function bulk<B extends IQueueBackend, C>(cfg: ECase, viaEvents: boolean, { Queue, Worker, QueueEvents }: BackendClasses<B, C>, connection: C): Promise<EMeasured> {
  const queue = new Queue<Payload, number>(cfg.queue, { connection });
  let completed = 0;
  let sum = 0;
  let target = 0;
  let onDone: (() => void) | undefined;
  // With viaEvents: jobs the worker finished, and when it or QueueEvents last moved.
  let ran = 0;
  let movedAt = 0;
  const count = (value: number): void => {
    completed++;
    sum += value;
    movedAt = performance.now();
    if (completed === target) onDone?.();
  };
  const worker = new Worker<Payload, number>(cfg.queue, processor, { connection, concurrency: cfg.concurrency });
  worker.on('error', () => undefined);
  const events = viaEvents ? new QueueEvents(cfg.queue, { connection }) : undefined;
  if (events === undefined) {
    worker.on('completed', (_job, value) => count(value));
  } else {
    worker.on('completed', () => {
      ran++;
      movedAt = performance.now();
    });
    events.on('error', () => undefined);
    // A returnvalue comes through the event stream as JSON text.
    events.on('completed', ({ returnvalue }) => count(Number(typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue)));
  }
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady(), events?.waitUntilReady()]);

  const batch = async (from: number, count: number): Promise<{ ms: number; enqueueMs: number; lost: number }> => {
    completed = 0;
    sum = 0;
    ran = 0;
    target = count;
    const done = new Promise<void>((resolve) => (onDone = resolve));
    const watch =
      events === undefined ? undefined : setInterval(() => ran >= count && performance.now() - movedAt > LOST_AFTER_MS && onDone?.(), 100);
    const start = performance.now();
    for (let i = 0; i < count; i += cfg.chunk) {
      const jobs = [];
      for (let j = i; j < Math.min(count, i + cfg.chunk); j++) jobs.push({ name: 'inc', data: { x: from + j } });
      await queue.addBulk(jobs);
    }
    const enqueueMs = performance.now() - start;
    await done;
    clearInterval(watch);
    return { ms: performance.now() - start, enqueueMs, lost: count - completed };
  };

  await batch(0, cfg.warm);
  const stop = await cpuMeter(cfg);
  const { ms, enqueueMs, lost } = await batch(cfg.warm, cfg.n);
  const cpu = await stop();
  // Results x + 1 for x in warm..warm+n-1.
  const expected = cfg.n * cfg.warm + (cfg.n * (cfg.n + 1)) / 2;
  const ok = completed === cfg.n && sum === expected;
  await Promise.allSettled([worker.close(), queue.close(), events?.close()]);
  return { ms, enqueueMs, ok, ...(lost > 0 ? { lostEvents: lost } : {}), ...cpu };
}

/**
 * One caller, one job at a time: `queue.add` then `job.waitUntilFinished(queueEvents)`; `warm`
 * trips first, then `n` timed trips.
 */
export function rawRoundTrip(cfg: ECase): Promise<EMeasured> {
  return on(cfg, (classes, connection) => roundTrip(cfg, classes, connection));
}

async function roundTrip<B extends IQueueBackend, C>(cfg: ECase, { Queue, Worker, QueueEvents }: BackendClasses<B, C>, connection: C): Promise<EMeasured> {
  const queue = new Queue<Payload, number>(cfg.queue, { connection });
  const events = new QueueEvents(cfg.queue, { connection });
  const worker = new Worker<Payload, number>(cfg.queue, processor, { connection, concurrency: cfg.concurrency });
  worker.on('error', () => undefined);
  events.on('error', () => undefined);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);

  const trip = async (x: number): Promise<boolean> => {
    const job = await queue.add('inc', { x });
    return (await job.waitUntilFinished(events)) === x + 1;
  };
  let ok = true;
  for (let i = 0; i < cfg.warm; i++) ok = (await trip(i)) && ok;
  const latencies: number[] = [];
  const stop = await cpuMeter(cfg);
  const start = performance.now();
  for (let i = 0; i < cfg.n; i++) {
    const t = performance.now();
    ok = (await trip(i)) && ok;
    latencies.push(performance.now() - t);
  }
  const ms = performance.now() - start;
  const cpu = await stop();
  await Promise.allSettled([worker.close(), events.close(), queue.close()]);
  return { ms, ok, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), meanMs: ms / cfg.n, ...cpu };
}
