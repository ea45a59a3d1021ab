/**
 * The errors of {@link BullMQTaskRunner} and `sluice worker`.
 *
 * @module
 */
import { SluiceError } from '../../core/errors/base.js';
import { commandSecrets, scrub, scrubCause } from '../../cache/redact.js';

/**
 * The worker that took the job has no task of that name: it runs only the tasks exported by the
 * modules it was started with (`sluice worker --module ...`). The message lists what it knows.
 * Not retried.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'UNKNOWN_TASK')) console.error(err.message); // unknown task "x" on queue "q"; ...
 * ```
 */
export class UnknownTaskError extends SluiceError {
  /** Another attempt would fail the same way: not retried. */
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;
  readonly queue: string;
  /** The tasks the worker knows. */
  readonly known: readonly string[];

  constructor(taskName: string, queue: string, known: readonly string[]) {
    const list = known.length === 0 ? 'it knows no tasks' : `it knows ${known.map((name) => JSON.stringify(name)).join(', ')}`;
    super(
      'UNKNOWN_TASK',
      `unknown task "${taskName}" on queue "${queue}": the worker that took the job runs only the tasks of the modules it was started with, and ${list}. Start workers with the module that exports it (sluice worker --module <file> --queue ${queue}).`,
    );
    this.taskName = taskName;
    this.queue = queue;
    this.known = known;
  }
}

/**
 * A value cannot cross through Redis as JSON and come back the same (a function, a `Date` or a
 * `Map` without codecs, `NaN`, a class instance, a cycle). Raised for an argument before the job
 * is added, naming its index and where inside it, or for a body's value. Pass plain data, or
 * give the task io-ts codecs (`params`, `returns`) that encode it. Not retried.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * import { BullMQTaskRunner } from 'sluice/bullmq';
 * const report = task('report', (totals: Map<string, number>) => totals.size);
 * const runner = new BullMQTaskRunner({ queue: 'reports' });
 * const err = await flow({ name: 'reports', taskRunner: runner }, () => report.submit(new Map()).result())().catch((e: unknown) => e);
 * if (isSluiceError(err, 'NOT_SERIALIZABLE')) console.log(err.argumentIndex, err.path); // 0 ''
 * ```
 */
export class NotSerializableError extends SluiceError {
  /** Another attempt would fail the same way: not retried. */
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;
  /** The argument's index, or `undefined` when it is the body's value that cannot cross back. */
  readonly argumentIndex: number | undefined;
  /** Where inside the argument or value, such as `.when` or `[2]`; empty for the whole value. */
  readonly path: string;

  constructor(taskName: string, argumentIndex: number | undefined, path: string, what: string) {
    const subject = argumentIndex === undefined ? `the value its body returned${path}` : `argument ${argumentIndex}${path}`;
    const direction = argumentIndex === undefined ? 'cannot cross back from the worker' : 'cannot be sent to a worker';
    super(
      'NOT_SERIALIZABLE',
      `task "${taskName}": ${subject} ${direction}: it is ${what}. Jobs cross through Redis as JSON; pass plain data, or declare io-ts codecs (\`params\`, \`returns\`) that encode it.`,
    );
    this.taskName = taskName;
    this.argumentIndex = argumentIndex;
    this.path = path;
  }
}

/**
 * A job stalled (its worker died or stopped renewing its lock) more often than the workers'
 * `maxStalledCount` allows, and BullMQ failed it. Retried by the engine like any failure when the
 * task has `retries`.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'JOB_STALLED')) console.error(`${err.jobId}: ${err.message}`);
 * ```
 */
export class JobStalledError extends SluiceError {
  readonly taskName: string;
  readonly jobId: string;

  /** The run ends `Crashed`: its workers died, not its body. */
  override get crashed(): boolean {
    return true;
  }

  constructor(taskName: string, runName: string, jobId: string, reason: string) {
    super(
      'JOB_STALLED',
      `task run "${runName}" (task "${taskName}", job ${jobId}) stalled too often: ${reason}. Its worker died or held the event loop past its lock more times than the workers' maxStalledCount allows.`,
    );
    this.taskName = taskName;
    this.jobId = jobId;
  }
}

/**
 * Redis could not be reached for longer than the runner's `connectionTimeout`: the runs waiting on
 * jobs fail with this error instead of hanging (a job that did finish meanwhile is not reported as
 * done). Retried by the engine like any failure when the task has `retries`. `startWorker` (and
 * `sluice worker`) fails with it when Redis is not ready within its `connectTimeout`, saying what
 * went wrong (a password Redis refused, a certificate it cannot verify, a TLS port reached without
 * TLS, nothing listening) and where.
 *
 * Neither its message nor its cause quotes a password: a cause that does (ioredis' errors carry
 * the command they answer, and `AUTH`'s arguments hold the password) is copied without it.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'QUEUE_CONNECTION')) console.error(err); // message and causes, without a password
 * ```
 */
export class QueueConnectionError extends SluiceError {
  readonly queue: string;

  /** The run ends `Crashed`: Redis went away, not the body. */
  override get crashed(): boolean {
    return true;
  }

  /**
   * @param options.secrets - passwords that neither the message nor the cause may quote (those
   *   of the connection setting); the passwords of `AUTH` commands the cause quotes are added.
   */
  constructor(queue: string, message: string, options?: { readonly cause?: unknown; readonly secrets?: readonly string[] }) {
    const secrets = [...(options?.secrets ?? []), ...commandSecrets(options?.cause)];
    super('QUEUE_CONNECTION', scrub(`queue "${queue}": ${message}`, secrets), options === undefined || !('cause' in options) ? undefined : { cause: scrubCause(options.cause, secrets) });
    this.queue = queue;
  }
}

/**
 * Redis refused to store a job: it is out of memory (`maxmemory` reached, under the `noeviction`
 * policy a queue needs, since evicting keys would lose jobs). The run ends `Crashed`: the queue
 * failed, not the body. Retried by the engine like any failure when the task has `retries`, which
 * helps once memory is freed: keep fewer finished jobs (`removeOnComplete`, `--keep-completed`),
 * or raise `maxmemory`.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'QUEUE_OUT_OF_MEMORY')) console.error(err.queue, err.message);
 * ```
 */
export class QueueOutOfMemoryError extends SluiceError {
  readonly queue: string;

  /** The run ends `Crashed`: Redis is full, not the body at fault. */
  override get crashed(): boolean {
    return true;
  }

  constructor(queue: string, runName: string, options?: { readonly cause?: unknown; readonly secrets?: readonly string[] }) {
    const secrets = [...(options?.secrets ?? []), ...commandSecrets(options?.cause)];
    super(
      'QUEUE_OUT_OF_MEMORY',
      scrub(
        `queue "${queue}": Redis is out of memory (maxmemory reached, and it evicts nothing) and refused the job of task run "${runName}": keep fewer finished jobs (removeOnComplete, --keep-completed) or raise maxmemory`,
        secrets,
      ),
      options === undefined || !('cause' in options) ? undefined : { cause: scrubCause(options.cause, secrets) },
    );
    this.queue = queue;
  }
}

/**
 * A job's payload or result does not have the shape sluice writes (a job added by hand, another
 * version of sluice, a job removed before its outcome was read). That run fails; workers go on.
 * Not retried.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'JOB_PAYLOAD')) console.error(err.message);
 * ```
 */
export class JobPayloadError extends SluiceError {
  /** Another attempt would fail the same way: not retried. */
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;

  constructor(taskName: string, message: string) {
    super('JOB_PAYLOAD', `task "${taskName}": ${message}`);
    this.taskName = taskName;
  }
}

/**
 * A job failed in BullMQ for a reason of BullMQ's own (not the body's error): removed by someone
 * else, or failed by a worker that is not `sluice worker`. Retried by the engine like any failure.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a BullMQTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'JOB_FAILED')) console.error(err.jobId, err.message);
 * ```
 */
export class JobFailedError extends SluiceError {
  readonly taskName: string;
  readonly jobId: string;

  constructor(taskName: string, runName: string, jobId: string, reason: string) {
    super('JOB_FAILED', `task run "${runName}" (task "${taskName}", job ${jobId}) failed in BullMQ: ${reason}`);
    this.taskName = taskName;
    this.jobId = jobId;
  }
}

/**
 * No worker took a job of the run's queue within the runner's `noWorkerTimeout`: the run fails
 * rather than wait forever for a worker that may never come, and its job is taken off the queue.
 * The message says how to start one. Retried by the engine like any failure when the task has
 * `retries` (a worker may have come meanwhile).
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * import { BullMQTaskRunner } from 'sluice/bullmq';
 * const resize = task('resize', (path: string) => path.replace(/\.png$/, '.thumb.png'));
 * const runner = new BullMQTaskRunner({ queue: 'etl', noWorkerTimeout: 60_000 });
 * const err = await flow({ name: 'etl', taskRunner: runner }, () => resize.submit('a.png').result())().catch((e: unknown) => e);
 * if (isSluiceError(err, 'NO_WORKER')) console.error(err.queue, err.message);
 * ```
 */
export class NoWorkerError extends SluiceError {
  readonly taskName: string;
  readonly queue: string;

  /** The run ends `Crashed`: no worker was there, nothing is wrong with its body. */
  override get crashed(): boolean {
    return true;
  }

  constructor(taskName: string, runName: string, queue: string, waitedMs: number, startOne: string) {
    super(
      'NO_WORKER',
      `task run "${runName}" (task "${taskName}") waited ${(waitedMs / 1000).toFixed(1)} s, and no worker took a job of queue "${queue}" in that time (noWorkerTimeout): its job is taken back. Start one: ${startOne}`,
    );
    this.taskName = taskName;
    this.queue = queue;
  }
}

// This runner's codes join the base's: the base never lists its plug-ins.
declare module '../../core/errors/base.js' {
  interface SluiceErrorsByCode {
    readonly UNKNOWN_TASK: UnknownTaskError;
    readonly NOT_SERIALIZABLE: NotSerializableError;
    readonly JOB_STALLED: JobStalledError;
    readonly JOB_FAILED: JobFailedError;
    readonly JOB_PAYLOAD: JobPayloadError;
    readonly QUEUE_CONNECTION: QueueConnectionError;
    readonly QUEUE_OUT_OF_MEMORY: QueueOutOfMemoryError;
    readonly NO_WORKER: NoWorkerError;
  }
}
