/**
 * The defaults of `sluice worker`, in a module of their own: the CLI prints them in its usage
 * text without loading BullMQ.
 *
 * @module
 */

/**
 * The defaults of `WorkerOptions` (see `startWorker`).
 *
 * @example
 * ```ts
 * import { WORKER_DEFAULTS } from 'sluice/bullmq';
 * console.log(WORKER_DEFAULTS.maxStalledCount); // 2
 * ```
 */
export const WORKER_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  prefix: 'bull',
  concurrency: 1,
  maxStalledCount: 2,
  lockDuration: 30_000,
  stalledInterval: 30_000,
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 86_400 },
} as const;

