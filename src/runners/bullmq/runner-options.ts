/**
 * The options of {@link BullMQTaskRunner}, their defaults and the checks of their own (the
 * runner's constructor reads them).
 *
 * @module
 */
import { describeValue } from '../../core/errors/base.js';
import { InvalidArgumentError } from '../../core/errors/input.js';
import type { QueueConnection } from './connection.js';
import type { KeepJobs } from './keep-jobs.js';

/**
 * Options of {@link BullMQTaskRunner}.
 *
 * @example
 * ```ts
 * import { BullMQTaskRunner, type BullMQTaskRunnerOptions } from 'sluice/bullmq';
 * const options: BullMQTaskRunnerOptions = { queue: 'etl', connection: 'redis://127.0.0.1:6379', maxConcurrency: 500, connectionTimeout: 30_000 };
 * const runner = new BullMQTaskRunner(options);
 * ```
 */
export interface BullMQTaskRunnerOptions {
  /** The queue to add jobs to; `sluice worker --queue <name>` processes take them. */
  readonly queue: string;
  /**
   * Where Redis is: a `redis://` or `rediss://` URL, or ioredis options (host, port, password,
   * `tls`, `db`, ...), passed through to ioredis.
   *
   * @defaultValue `'redis://127.0.0.1:6379'` (`BULLMQ_RUNNER_DEFAULTS.connection`)
   */
  readonly connection?: QueueConnection;
  /** BullMQ's key prefix; flows and workers of one queue must use the same. @defaultValue `'bull'` (`BULLMQ_RUNNER_DEFAULTS.prefix`) */
  readonly prefix?: string;
  /**
   * How many runs of one flow may be jobs at once (added and not finished). How many run at once
   * is the workers' `concurrency`; this bounds what one flow puts on the queue.
   *
   * Must be an integer from 1 and up, or `Infinity`.
   *
   * @defaultValue `Infinity` (`BULLMQ_RUNNER_DEFAULTS.maxConcurrency`)
   */
  readonly maxConcurrency?: number;
  /**
   * How long Redis may be unreachable, in ms, before the runs waiting on jobs fail with a
   * {@link QueueConnectionError} (instead of hanging).
   *
   * @defaultValue `10000` (`BULLMQ_RUNNER_DEFAULTS.connectionTimeout`)
   */
  readonly connectionTimeout?: number;
  /**
   * How often, in ms, a job not heard from through the outcomes its workers publish is looked up
   * in Redis (an event can be missed, as in bullmq#85, or never sent, by a worker killed between
   * finishing a job and publishing it). Bounds how long a run can wait on a missed outcome.
   *
   * @defaultValue `5000` (`BULLMQ_RUNNER_DEFAULTS.checkInterval`)
   */
  readonly checkInterval?: number;
  /** At most this many jobs per `addBulk` call. @defaultValue `1000` (`BULLMQ_RUNNER_DEFAULTS.bulkSize`) */
  readonly bulkSize?: number;
  /**
   * BullMQ's `removeOnComplete` for this runner's jobs, over the workers' own.
   *
   * @defaultValue the worker's (`sluice worker`'s: an hour, `{ age: 3600 }`, `WORKER_DEFAULTS.removeOnComplete`)
   */
  readonly removeOnComplete?: KeepJobs;
  /**
   * BullMQ's `removeOnFail` for this runner's jobs, over the workers' own.
   *
   * @defaultValue the worker's (`sluice worker`'s: a day, `{ age: 86400 }`, `WORKER_DEFAULTS.removeOnFail`)
   */
  readonly removeOnFail?: KeepJobs;
  /**
   * Keep the connections to Redis between flows. By default they are closed when the last flow
   * using the runner ends (so the process can exit), and opened again by the next; with
   * `keepAlive` they stay until {@link BullMQTaskRunner.destroy}.
   *
   * @defaultValue `false` (`BULLMQ_RUNNER_DEFAULTS.keepAlive`)
   */
  readonly keepAlive?: boolean;
  /**
   * How long, in ms, a job may wait with no worker taking any job of the queue (none of this
   * runner's jobs heard of or found taken, none of the queue's jobs active) before the flow's
   * logger warns, once per flow, with the command that starts a worker (a `run-warning`,
   * `QUEUE_NO_WORKER`). `Infinity` turns it off.
   *
   * @defaultValue `10000` (`BULLMQ_RUNNER_DEFAULTS.noWorkerWarning`)
   */
  readonly noWorkerWarning?: number;
  /**
   * How long, in ms, a job may wait with no worker taking any job of the queue before its run
   * fails with a {@link NoWorkerError} and the job is taken off the queue. Runs that wait behind
   * busy workers are not affected: an active job of the queue is a worker at work.
   *
   * @defaultValue `Infinity`: they wait for a worker (`BULLMQ_RUNNER_DEFAULTS.noWorkerTimeout`)
   */
  readonly noWorkerTimeout?: number;
  /**
   * How long, in ms, the heartbeat of a flow run that uses this runner outlives its process.
   * While the flow run has jobs, the runner keeps a key in Redis and renews it at a third of this;
   * a worker skips (fails, unretried) a job whose flow run's heartbeat has lapsed, so a flow
   * process that died (SIGKILL, a lost machine) leaves no orphans running for nobody. A flow
   * process stopped for longer (a debugger, SIGSTOP) finds its waiting jobs failed. At least
   * 3000 (the runner renews on a 1 s tick).
   *
   * @defaultValue `30000` (`BULLMQ_RUNNER_DEFAULTS.flowLease`)
   */
  readonly flowLease?: number;
}

/**
 * The defaults of {@link BullMQTaskRunnerOptions}.
 *
 * @example
 * ```ts
 * import { BULLMQ_RUNNER_DEFAULTS } from 'sluice/bullmq';
 * console.log(BULLMQ_RUNNER_DEFAULTS.connectionTimeout); // 10000
 * ```
 */
export const BULLMQ_RUNNER_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  prefix: 'bull',
  maxConcurrency: Infinity,
  connectionTimeout: 10_000,
  checkInterval: 5_000,
  bulkSize: 1000,
  keepAlive: false,
  noWorkerWarning: 10_000,
  noWorkerTimeout: Infinity,
  flowLease: 30_000,
} as const satisfies Partial<BullMQTaskRunnerOptions>;

/** A wait in ms: a number from 0, or `Infinity` for none. */
export function checkWait(value: unknown, name: string, owner: string): number {
  if (typeof value === 'number' && value >= 0 && (Number.isFinite(value) || value === Infinity)) return value;
  throw new InvalidArgumentError(`${owner}: \`${name}\` must be a number of ms from 0 and up, or Infinity, got ${describeValue(value)}`);
}
