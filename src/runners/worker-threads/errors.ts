/**
 * The errors of {@link WorkerThreadsTaskRunner}.
 *
 * @module
 */
import { SluiceError } from '../../core/errors/base.js';
import type { NotFoundReason } from '../remote/lookup.js';

/**
 * A task cannot be found where a worker thread looks for it. A function cannot cross to another
 * thread, so a worker imports the task's module (its `module` option, `import.meta.url`) and
 * finds the task among the module's exports by name. The run fails before its body is sent.
 *
 * `reason` says which step failed: `no-module` (the task has no `module` option),
 * `not-importable` (the module does not load), `not-exported` (the module does not export a task
 * of that name: it was defined inside a function, or not exported), `ambiguous` (two tasks of
 * that name), `not-the-same` (the module exports another task of that name).
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task, WorkerThreadsTaskRunner } from 'sluice';
 * const local = task('local', (x: number) => x * 2); // no `module`: in-process runners only
 * const run = flow({ name: 'f', taskRunner: new WorkerThreadsTaskRunner() }, () => local.submit(1).result());
 * const err = await run().catch((e: unknown) => e);
 * if (isSluiceError(err, 'TASK_NOT_FOUND')) console.log(err.message);
 * ```
 */
export class TaskNotFoundError extends SluiceError {
  /** Another attempt would fail the same way: not retried. */
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;
  /** The task's module URL, if it has one. */
  readonly module: string | undefined;
  /** Which step of finding the task failed. */
  readonly reason: NotFoundReason;

  constructor(taskName: string, module: string | undefined, reason: NotFoundReason, message: string, options?: { readonly cause?: unknown }) {
    super('TASK_NOT_FOUND', message, options);
    this.taskName = taskName;
    this.module = module;
    this.reason = reason;
  }
}

/**
 * A value cannot cross to or from a worker thread: structured clone refuses functions, symbols,
 * Promises, weak collections and host objects (a socket, a port). Raised for an argument before
 * the job is sent (naming the argument's index and where inside it), or for a body's value.
 * Pass data, or give the task io-ts codecs (`params`, `returns`) that encode what does not clone.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task, WorkerThreadsTaskRunner } from 'sluice';
 * const hashIt = task({ name: 'hash_it', module: import.meta.url }, (value: unknown) => String(value));
 * const threads = new WorkerThreadsTaskRunner();
 * const err = await flow({ name: 'hash', taskRunner: threads }, () => hashIt.submit(() => 'a function').result())().catch((e: unknown) => e);
 * if (isSluiceError(err, 'NOT_CLONEABLE')) console.log(err.argumentIndex, err.path); // 0 ''
 * ```
 */
export class NotCloneableError extends SluiceError {
  /** Another attempt would fail the same way: not retried. */
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;
  /** The argument's index, or `undefined` when it is the body's value that cannot cross back. */
  readonly argumentIndex: number | undefined;
  /** Where inside the argument or value, such as `.handler` or `[2]`; empty for the whole value. */
  readonly path: string;

  constructor(taskName: string, argumentIndex: number | undefined, path: string, detail: string, options?: { readonly cause?: unknown }) {
    const what = argumentIndex === undefined ? 'the value its body returned' : `argument ${argumentIndex}`;
    const direction = argumentIndex === undefined ? 'cannot cross back from the worker thread' : 'cannot be sent to a worker thread';
    super(
      'NOT_CLONEABLE',
      `task "${taskName}": ${what} ${direction}: ${detail}. Only data crosses threads (structured clone: no functions, symbols, Promises, sockets or other handles); pass plain data, or declare io-ts codecs (\`params\`, \`returns\`) that encode it.`,
      options,
    );
    this.taskName = taskName;
    this.argumentIndex = argumentIndex;
    this.path = path;
  }
}

/**
 * A message between the main thread and a worker thread did not have the expected shape (a
 * different version of sluice in the worker, a custom worker file, a bug). That run fails; the
 * pool goes on.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a WorkerThreadsTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'WORKER_PROTOCOL')) console.error(err.message);
 * ```
 */
export class WorkerProtocolError extends SluiceError {
  readonly taskName: string;

  constructor(taskName: string, message: string) {
    super('WORKER_PROTOCOL', `task "${taskName}": ${message}`);
    this.taskName = taskName;
  }
}

/**
 * The worker thread running a body died before the body finished (it called `process.exit`, an
 * error escaped the body's own handling, the thread ran out of memory). The run ends `Crashed`;
 * `retries` retries it on a fresh thread. `cause` is what the pool reported.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a WorkerThreadsTaskRunner
 * const err = await future.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'WORKER_CRASHED')) console.error(err.message);
 * ```
 */
export class WorkerCrashedError extends SluiceError {
  readonly taskName: string;
  readonly runName: string;

  override get crashed(): boolean {
    return true;
  }

  constructor(taskName: string, runName: string, cause: unknown) {
    super('WORKER_CRASHED', `task run "${runName}" (task "${taskName}"): its worker thread died before the body finished: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.taskName = taskName;
    this.runName = runName;
  }
}

// This runner's codes join the base's: the base never lists its plug-ins.
declare module '../../core/errors/base.js' {
  interface SluiceErrorsByCode {
    readonly TASK_NOT_FOUND: TaskNotFoundError;
    readonly NOT_CLONEABLE: NotCloneableError;
    readonly WORKER_PROTOCOL: WorkerProtocolError;
    readonly WORKER_CRASHED: WorkerCrashedError;
  }
}
