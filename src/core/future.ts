/**
 * The future interface: what `submit` returns, and how a future is recognised. The engine's runs
 * implement it; code below the engine (runners, the wire) recognises a future by its brand.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import type { TaskRunError } from './errors/run.js';
import type { State } from './states.js';

/**
 * The brand every future carries (on its prototype, so it costs a run nothing): read by
 * {@link isTaskFuture} in every copy of sluice. @internal
 */
export const FUTURE: unique symbol = Symbol.for('sluice.future') as never;

/**
 * Options of {@link TaskFuture.result}.
 *
 * @example
 * ```ts
 * import { task, type ResultOptions } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const options: ResultOptions = { raiseOnFailure: false, timeout: 1000 };
 * console.log(await fail.submit().result(options)); // Error: no (returned, not thrown)
 * ```
 */
export interface ResultOptions {
  /**
   * Reject with a `WaitTimeoutError` (code `WAIT_TIMEOUT`) if the run has not finished within
   * this many ms. The run itself goes on.
   *
   * @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * With `false`, a failed run's error is returned as the value instead of being thrown.
   *
   * @defaultValue `true`
   */
  readonly raiseOnFailure?: boolean;
}

/**
 * A handle on one task run, returned by `task.submit()`. The run started when it was submitted
 * and runs once, however many times its result is read; a failure is stored too, never re-run.
 * Pass it as an argument to another task, or in `waitFor`, to make that task wait for it.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const cool = task('cool_task', () => 'sup');
 * const future = cool.submit();
 * console.log(future.name);           // 'cool_task-0'
 * console.log(await future.result()); // 'sup'
 * ```
 */
export interface TaskFuture<R> {
  /** A unique id for the run. */
  readonly id: string;
  /** The run's name: `taskRunName` rendered from the arguments, or `<task>-<n>`. */
  readonly name: string;
  /** The task's name. */
  readonly taskName: string;
  /** The id of the run in whose body this run was submitted, if any. */
  readonly parentRunId: string | undefined;
  /**
   * The run's current state. Reading a failed state counts as looking at the failure: the flow
   * then does not report it.
   */
  readonly state: State<R>;
  /** Emits the run's value once and completes, or errors with the run's error. Never re-runs it. */
  readonly result$: Observable<R>;
  /** Emits the current state, then every transition; completes after the terminal state. */
  readonly state$: Observable<State<R>>;
  /**
   * Waits for the run and returns its value, or throws its error. With `raiseOnFailure: false`
   * returns the error instead of throwing it.
   */
  result(options: ResultOptions & { readonly raiseOnFailure: false }): Promise<unknown>;
  /** Waits for the run and returns its value, or throws its error (`WAIT_TIMEOUT` on `timeout`). */
  result(options?: ResultOptions): Promise<R>;
  /** Waits until the run is finished, however it ended. On time-out it resolves all the same. */
  wait(timeout?: number): Promise<void>;
  /**
   * The run's outcome as an fp-ts `Either`: `Right` of the value, or `Left` of a `TaskRunError`
   * naming the run and its terminal state, with the run's error as `cause`. Never rejects.
   */
  either(): Promise<Either<TaskRunError, R>>;
  /** `either()` as an fp-ts `TaskEither`, for `pipe` chains. Nothing runs again when it is called. */
  taskEither(): TaskEither<TaskRunError, R>;
  /**
   * Cancels the run if it has not finished: its body's signal aborts, an Observable body is
   * unsubscribed, and the run ends `Cancelled`. Returns true if this call cancelled it.
   */
  cancel(reason?: string): boolean;
}

/**
 * Tells whether a value is a {@link TaskFuture}.
 *
 * @example
 * ```ts
 * import { isTaskFuture, task } from 'sluice';
 * console.log(isTaskFuture(task('t', () => 1).submit())); // true
 * ```
 */
export function isTaskFuture(value: unknown): value is TaskFuture<unknown> {
  return typeof value === 'object' && value !== null && (value as { readonly [FUTURE]?: unknown })[FUTURE] === true;
}

