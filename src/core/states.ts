/**
 * A run's state is a type plus a name, as in Prefect: `Failed`/`TimedOut` is a failed state named
 * `TimedOut`, so {@link isFailed} covers every kind of failure.
 *
 * @module
 */

/**
 * The kinds of state a run can be in. Terminal types are `Completed`, `Failed`, `Cancelled`, `Crashed`.
 *
 * @example
 * ```ts
 * import { task, type StateType } from 'sluice';
 * const future = task('one', () => 1).submit();
 * await future.wait();
 * const type: StateType = future.state.type;
 * console.log(type); // Completed
 * ```
 */
export type StateType = 'Pending' | 'Scheduled' | 'Running' | 'Completed' | 'Failed' | 'Cancelled' | 'Crashed';

/**
 * Every state name sluice uses, each with its type.
 *
 * @example
 * ```ts
 * import { STATE_NAMES } from 'sluice';
 * console.log(STATE_NAMES.TimedOut); // 'Failed'
 * ```
 */
export const STATE_NAMES = {
  /** Submitted: resolving argument futures, waiting for `waitFor`, or waiting for a slot. */
  Pending: 'Pending',
  /** Waiting out a retry delay. */
  AwaitingRetry: 'Scheduled',
  /** The body is running. */
  Running: 'Running',
  /** The body is running again after a failure. */
  Retrying: 'Running',
  Completed: 'Completed',
  /** Completed with a value from the cache: no body ran. */
  Cached: 'Completed',
  /** The body threw or its Observable errored. */
  Failed: 'Failed',
  /** The body ran past the task's `timeout`. */
  TimedOut: 'Failed',
  /** The run did not start: an upstream run failed. */
  UpstreamFailed: 'Failed',
  Cancelled: 'Cancelled',
  /** The run did not start: an upstream run was cancelled or crashed. */
  UpstreamCancelled: 'Cancelled',
  /** Something outside the body broke (the engine, a worker process). */
  Crashed: 'Crashed',
} as const satisfies Record<string, StateType>;

/**
 * A state's name.
 *
 * @example
 * ```ts
 * import { STATE_NAMES, type StateName } from 'sluice';
 * const name: StateName = 'TimedOut';
 * console.log(STATE_NAMES[name]); // Failed
 * ```
 */
export type StateName = keyof typeof STATE_NAMES;

/**
 * A run's state: its type, its name, and when it was entered (scheduler time, ms).
 * Terminal states carry the run's value or error.
 *
 * @example
 * ```ts
 * import { isFailed, task } from 'sluice';
 * const slow = task({ name: 'slow', timeout: 10 }, () => new Promise((resolve) => setTimeout(resolve, 100)));
 * const future = slow.submit();
 * await future.wait();
 * const state = future.state;
 * if (isFailed(state)) console.log(state.name, state.error); // TimedOut TaskTimeoutError: ...
 * ```
 */
export type State<R = unknown> =
  | PendingState
  | ScheduledState
  | RunningState
  | CompletedState<R>
  | FailedState
  | CancelledState
  | CrashedState;

interface StateBase {
  /**
   * Scheduler time (ms) when the run entered this state. Transitions are time-stamped while
   * someone listens (the run's `state$`, the flow's `events$`): a clock read per transition is a
   * measurable share of a trivial run's cost. A state read from `future.state` of a run nobody
   * listened to carries the time it was read.
   */
  readonly timestamp: number;
}

/**
 * Submitted, not yet running.
 *
 * @example
 * ```ts
 * import { isPending, task, type PendingState } from 'sluice';
 * const first = task('first', () => new Promise((resolve) => setTimeout(resolve, 10))).submit();
 * const state = task('later', () => 2).waitFor([first]).submit().state;
 * if (isPending(state)) {
 *   const pending: PendingState = state;
 *   console.log(pending.name); // Pending
 * }
 * ```
 */
export interface PendingState extends StateBase {
  readonly type: 'Pending';
  readonly name: 'Pending';
}
/**
 * Waiting out a retry delay.
 *
 * @example
 * ```ts
 * import { task, type ScheduledState } from 'sluice';
 * let calls = 0;
 * const flaky = task({ name: 'flaky', retries: 1, retryDelay: 100 }, () => {
 *   if (++calls === 1) throw new Error('once');
 *   return 'ok';
 * });
 * const future = flaky.submit();
 * const state = future.state;
 * if (state.type === 'Scheduled') {
 *   const scheduled: ScheduledState = state;
 *   console.log(scheduled.name, scheduled.attempt); // AwaitingRetry 2
 * }
 * ```
 */
export interface ScheduledState extends StateBase {
  readonly type: 'Scheduled';
  readonly name: 'AwaitingRetry';
  /** The attempt that will run next (1 is the first). */
  readonly attempt: number;
}
/**
 * The body is running.
 *
 * @example
 * ```ts
 * import { isRunning, task, type RunningState } from 'sluice';
 * const future = task('slow', () => new Promise((resolve) => setTimeout(resolve, 100))).submit();
 * await new Promise((resolve) => setTimeout(resolve, 10));
 * const state = future.state;
 * if (isRunning(state)) {
 *   const running: RunningState = state;
 *   console.log(running.name, running.attempt); // Running 1
 * }
 * ```
 */
export interface RunningState extends StateBase {
  readonly type: 'Running';
  readonly name: 'Running' | 'Retrying';
  /** The attempt that is running (1 is the first). */
  readonly attempt: number;
}
/**
 * The run finished with a value.
 *
 * @example
 * ```ts
 * import { isCompleted, task, type CompletedState } from 'sluice';
 * const future = task('one', () => 1).submit();
 * await future.wait();
 * const state = future.state;
 * if (isCompleted(state)) {
 *   const completed: CompletedState<number> = state;
 *   console.log(completed.value); // 1
 * }
 * ```
 */
export interface CompletedState<R = unknown> extends StateBase {
  readonly type: 'Completed';
  /** `Cached` when the value came from the cache and no body ran. */
  readonly name: 'Completed' | 'Cached';
  readonly value: R;
}
/**
 * The run failed: its body threw, timed out, or an upstream run failed.
 *
 * @example
 * ```ts
 * import { isFailed, task, type FailedState } from 'sluice';
 * const future = task('fail', () => {
 *   throw new Error('no');
 * }).submit();
 * await future.wait();
 * const state = future.state;
 * if (isFailed(state)) {
 *   const failed: FailedState = state;
 *   console.log(failed.name, failed.error); // Failed Error: no
 * }
 * ```
 */
export interface FailedState extends StateBase {
  readonly type: 'Failed';
  readonly name: 'Failed' | 'TimedOut' | 'UpstreamFailed';
  readonly error: unknown;
}
/**
 * The run was cancelled, or did not start because an upstream run was cancelled or crashed.
 *
 * @example
 * ```ts
 * import { isCancelled, task, type CancelledState } from 'sluice';
 * const future = task('slow', () => new Promise((resolve) => setTimeout(resolve, 100))).submit();
 * future.cancel();
 * const state = future.state;
 * if (isCancelled(state)) {
 *   const cancelled: CancelledState = state;
 *   console.log(cancelled.name); // Cancelled
 * }
 * ```
 */
export interface CancelledState extends StateBase {
  readonly type: 'Cancelled';
  readonly name: 'Cancelled' | 'UpstreamCancelled';
  readonly error: unknown;
}
/**
 * Something outside the body broke.
 *
 * @example
 * ```ts
 * import { isCrashed, type CrashedState, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run whose worker thread died under it
 * const state = future.state;
 * if (isCrashed(state)) {
 *   const crashed: CrashedState = state;
 *   console.log(crashed.error); // WorkerCrashedError: ...
 * }
 * ```
 */
export interface CrashedState extends StateBase {
  readonly type: 'Crashed';
  readonly name: 'Crashed';
  readonly error: unknown;
}

/**
 * A state a run never leaves.
 *
 * @example
 * ```ts
 * import { isTerminal, task, type TerminalState } from 'sluice';
 * const future = task('one', () => 1).submit();
 * await future.wait();
 * const state = future.state;
 * if (isTerminal(state)) {
 *   const final: TerminalState<number> = state;
 *   console.log(final.name); // Completed
 * }
 * ```
 */
export type TerminalState<R = unknown> = CompletedState<R> | FailedState | CancelledState | CrashedState;

/**
 * True when the run will not change state again.
 *
 * @example
 * ```ts
 * import { isTerminal, task } from 'sluice';
 * const future = task('one', () => 1).submit();
 * await future.wait();
 * if (isTerminal(future.state)) console.log('done:', future.state.name); // done: Completed
 * ```
 */
export function isTerminal<R>(state: State<R>): state is TerminalState<R> {
  return state.type === 'Completed' || state.type === 'Failed' || state.type === 'Cancelled' || state.type === 'Crashed';
}

/**
 * True for `Pending`.
 *
 * @example
 * ```ts
 * import { isPending, task } from 'sluice';
 * const first = task('first', () => new Promise((resolve) => setTimeout(resolve, 10))).submit();
 * const later = task('later', () => 2).waitFor([first]);
 * console.log(isPending(later.submit().state)); // true: it waits for its upstream
 * ```
 */
export function isPending(state: State): state is PendingState {
  return state.type === 'Pending';
}

/**
 * True for `Running` and `Retrying`.
 *
 * @example
 * ```ts
 * import { isRunning, task } from 'sluice';
 * const future = task('slow', () => new Promise((resolve) => setTimeout(resolve, 100))).submit();
 * await new Promise((resolve) => setTimeout(resolve, 10));
 * console.log(isRunning(future.state)); // true
 * ```
 */
export function isRunning(state: State): state is RunningState {
  return state.type === 'Running';
}

/**
 * True for `Completed`; narrows to a state with a `value`.
 *
 * @example
 * ```ts
 * import { isCompleted, task } from 'sluice';
 * const future = task('one', () => 1).submit();
 * await future.wait();
 * const s = future.state;
 * if (isCompleted(s)) console.log(s.value); // 1
 * ```
 */
export function isCompleted<R>(state: State<R>): state is CompletedState<R> {
  return state.type === 'Completed';
}

/**
 * True for every failed state: `Failed`, `TimedOut`, `UpstreamFailed`.
 *
 * @example
 * ```ts
 * import { isFailed, task } from 'sluice';
 * const future = task('fail', () => {
 *   throw new Error('no');
 * }).submit();
 * await future.wait();
 * const s = future.state;
 * if (isFailed(s)) console.log(s.name, s.error); // Failed Error: no
 * ```
 */
export function isFailed(state: State): state is FailedState {
  return state.type === 'Failed';
}

/**
 * True for `Cancelled` and `UpstreamCancelled`.
 *
 * @example
 * ```ts
 * import { isCancelled, task } from 'sluice';
 * const future = task('slow', () => new Promise((resolve) => setTimeout(resolve, 100))).submit();
 * future.cancel();
 * console.log(isCancelled(future.state)); // true
 * ```
 */
export function isCancelled(state: State): state is CancelledState {
  return state.type === 'Cancelled';
}

/**
 * True for `Crashed`.
 *
 * @example
 * ```ts
 * import { isCrashed, type TaskFuture } from 'sluice';
 * declare const future: TaskFuture<unknown>; // a run on a worker thread that died under it
 * console.log(isCrashed(future.state)); // true
 * ```
 */
export function isCrashed(state: State): state is CrashedState {
  return state.type === 'Crashed';
}
