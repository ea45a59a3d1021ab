/**
 * The options of `sluice worker` and their defaults, in a module of their own: the CLI prints the
 * defaults in its usage text without loading BullMQ (the imports here are types only).
 *
 * @module
 */
import type { QueueConnection } from './connection.js';
import type { KeepJobs } from './keep-jobs.js';

/**
 * Options of {@link startWorker}.
 *
 * @example
 * ```ts
 * import { startWorker, type WorkerOptions } from 'sluice/bullmq';
 * const options: WorkerOptions = { queue: 'etl', modules: ['./tasks.ts'], connection: 'redis://127.0.0.1:6379', concurrency: 8, maxStalledCount: 3 };
 * const worker = await startWorker(options);
 * ```
 */
export interface WorkerOptions {
  /** The queue to take jobs from: the `queue` of the flows' {@link BullMQTaskRunner}. */
  readonly queue: string;
  /**
   * Where the queue lives: Redis (a `redis://` or `rediss://` URL, or ioredis options: host,
   * port, password, `tls`, `db`, ...) or PostgreSQL (a `postgres://` URL, or node-postgres pool
   * options with a `connectionString`), as the flows' runner has it.
   *
   * @defaultValue `'redis://127.0.0.1:6379'` (`WORKER_DEFAULTS.connection`)
   */
  readonly connection?: QueueConnection;
  /**
   * How long start-up waits for Redis, in ms: past it, {@link startWorker} rejects (and
   * `sluice worker` exits with status 1) with a {@link QueueConnectionError} that says what went
   * wrong (a password Redis refused, a CA missing, `redis://` on a TLS port, nothing listening)
   * and where. Redis started a few seconds after the worker is still waited for: BullMQ tries
   * again every second for the first seven seconds. Once started, a worker waits for a lost Redis
   * for ever.
   *
   * @defaultValue `10000` (`WORKER_DEFAULTS.connectTimeout`), as the runners' `connectionTimeout`
   */
  readonly connectTimeout?: number;
  /** BullMQ's key prefix; flows and workers of one queue must use the same. @defaultValue `'bull'` (`WORKER_DEFAULTS.prefix`) */
  readonly prefix?: string;
  /**
   * Modules whose exported tasks this worker runs: paths (from the working directory) or `file:`
   * URLs. TypeScript modules are loaded with tsx when the process has no TypeScript loader.
   *
   * @defaultValue `[]`
   */
  readonly modules?: readonly string[];
  /**
   * Task functions this worker runs, besides those of `modules` (for a worker started in the
   * same program as its tasks).
   *
   * @defaultValue `[]`
   */
  readonly tasks?: readonly unknown[];
  /** How many jobs this worker runs at once. @defaultValue `1` (`WORKER_DEFAULTS.concurrency`) */
  readonly concurrency?: number;
  /**
   * How many times a job may stall (its worker dies, or holds the event loop past its lock)
   * before BullMQ fails it; the flow then gets a {@link JobStalledError}. BullMQ's own default
   * is 1; sluice's is 2, so a job survives two of its workers dying.
   *
   * @defaultValue `2` (`WORKER_DEFAULTS.maxStalledCount`)
   */
  readonly maxStalledCount?: number;
  /**
   * How long a worker's lock on a job lasts, in ms; the worker renews it at half while the body
   * runs. A worker that dies loses its jobs when their locks end, so this bounds recovery. A body
   * that blocks the worker's event loop for longer (synchronous CPU work) cannot renew its lock:
   * its job is taken for stalled and runs again elsewhere. Raise it for such bodies, or keep
   * their CPU work off the event loop.
   *
   * @defaultValue `5000` (`WORKER_DEFAULTS.lockDuration`): BullMQ's own is 30000
   */
  readonly lockDuration?: number;
  /**
   * How often workers look for stalled jobs (whose lock ended), in ms: a dead worker's job runs
   * again within `lockDuration + stalledInterval`.
   *
   * @defaultValue `2000` (`WORKER_DEFAULTS.stalledInterval`): BullMQ's own is 30000
   */
  readonly stalledInterval?: number;
  /**
   * How long the jobs this worker completes stay in Redis (BullMQ's `removeOnComplete`), unless
   * the flow's runner set its own. A flow that missed a job's outcome looks the job up, so keep
   * them longer than the runners' `checkInterval`.
   *
   * @defaultValue `{ age: 3600 }` (an hour) (`WORKER_DEFAULTS.removeOnComplete`)
   */
  readonly removeOnComplete?: KeepJobs;
  /**
   * How long the jobs that fail here stay in Redis (BullMQ's `removeOnFail`), unless the flow's
   * runner set its own; a flow reads why a job failed from it.
   *
   * @defaultValue `{ age: 86400 }` (a day) (`WORKER_DEFAULTS.removeOnFail`)
   */
  readonly removeOnFail?: KeepJobs;
  /**
   * Where the worker writes its log lines (readiness, failures, shutdown). Each is one line:
   * control characters in names and messages (a line break, a terminal escape) come escaped.
   *
   * @defaultValue one line to the console (`console.log`, failures to `console.error`)
   */
  readonly log?: (line: string, level: 'info' | 'error') => void;
}

/**
 * The defaults of {@link WorkerOptions}.
 *
 * @example
 * ```ts
 * import { WORKER_DEFAULTS } from 'sluice/bullmq';
 * console.log(WORKER_DEFAULTS.maxStalledCount); // 2
 * ```
 */
export const WORKER_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  connectTimeout: 10_000,
  prefix: 'bull',
  concurrency: 1,
  maxStalledCount: 2,
  lockDuration: 5_000,
  stalledInterval: 2_000,
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 86_400 },
} as const satisfies Partial<WorkerOptions>;
