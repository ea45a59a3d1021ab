/**
 * Every error sluice raises is a {@link SluiceError}: it has a `name`, a stable `code` to switch
 * on, and readonly context. Errors are branded with `Symbol.for('sluice.error')` so that
 * {@link isSluiceError} recognises them across duplicate copies of the library.
 *
 * @module
 */

const brand = Symbol.for('sluice.error');

/**
 * The stable codes of sluice's errors.
 *
 * @example
 * ```ts
 * import { isSluiceError, task, type SluiceErrorCode } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const code: SluiceErrorCode = 'MAP_LENGTH_MISMATCH';
 * try {
 *   add.map([1, 2, 3], [1, 2]);
 * } catch (error) {
 *   console.log(isSluiceError(error, code)); // true
 * }
 * ```
 */
export type SluiceErrorCode = keyof SluiceErrorsByCode;

/**
 * The base class of every error sluice raises.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * try {
 *   add.map([1, 2, 3], [1, 2]);
 * } catch (error) {
 *   if (isSluiceError(error)) console.log(error.name, error.code); // MappingLengthMismatchError MAP_LENGTH_MISMATCH
 * }
 * ```
 */
export class SluiceError extends Error {
  /** A stable code: match on it rather than on the message. */
  readonly code: SluiceErrorCode;
  /**
   * False for errors that another attempt cannot fix (a task a worker cannot find, an argument
   * that cannot cross to a thread): the engine does not retry them, whatever `retries` says.
   */
  get retryable(): boolean {
    return true;
  }
  /**
   * True for errors that say what runs the body broke, not the body (its worker thread died, its
   * job stalled out, Redis went away): a run that ends with one ends `Crashed`, not `Failed`.
   */
  get crashed(): boolean {
    return false;
  }
  /** @internal */
  readonly [brand] = true;

  constructor(code: SluiceErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The error class behind each {@link SluiceErrorCode}: what {@link isSluiceError} narrows an
 * error to when given a code.
 *
 * @example
 * ```ts
 * import type { SluiceErrorsByCode } from 'sluice';
 * type Stalled = SluiceErrorsByCode['JOB_STALLED']; // JobStalledError, with its jobId
 * ```
 */
export interface SluiceErrorsByCode {
  readonly INVALID_ARGUMENT: InvalidArgumentError;
  readonly INVALID_TASK_OPTIONS: InvalidTaskOptionsError;
  readonly UNKNOWN_OPTION: UnknownOptionError;
  readonly MAP_NO_ITERABLE: MappingMissingIterableError;
  readonly MAP_LENGTH_MISMATCH: MappingLengthMismatchError;
  readonly UPSTREAM_FAILED: UpstreamFailedError;
  readonly UPSTREAM_CANCELLED: UpstreamCancelledError;
  readonly SELF_DEPENDENCY: SelfDependencyError;
  readonly WAIT_TIMEOUT: WaitTimeoutError;
  readonly TIMED_OUT: TaskTimeoutError;
  readonly RETRIES_EXHAUSTED: RetriesExhaustedError;
  readonly CANCELLED: CancelledError;
  readonly EMPTY_RESULT: EmptyResultError;
  readonly UNOBSERVED_FAILURES: UnobservedFailuresError;
  readonly RUNS_FAILED: FailedRunsError;
  readonly NO_RUN_CONTEXT: NoRunContextError;
  readonly INVALID_PARAMS: InvalidParamsError;
  readonly INVALID_RETURN: InvalidReturnError;
  readonly TASK_RUN_FAILED: TaskRunError;
  readonly STREAM_OVERFLOW: StreamOverflowError;
}

/**
 * Tells whether `error` is an error raised by sluice, optionally with a given code; with a code,
 * it narrows `error` to that code's class (see {@link SluiceErrorsByCode}).
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const flaky = task({ name: 'flaky', retries: 1 }, () => { throw new Error('down'); });
 * const err = await flaky().catch((e: unknown) => e);
 * if (isSluiceError(err, 'RETRIES_EXHAUSTED')) console.log(err.attempts, err.message); // 2 ...
 * ```
 */
export function isSluiceError<C extends SluiceErrorCode>(error: unknown, code: C): error is SluiceErrorsByCode[C];
export function isSluiceError(error: unknown): error is SluiceError;
export function isSluiceError(error: unknown, code?: SluiceErrorCode): error is SluiceError {
  if (typeof error !== 'object' || error === null || !(brand in error)) return false;
  return code === undefined || (error as SluiceError).code === code;
}

/**
 * A function or option was given a value it cannot use (a negative timeout, a task name that is
 * not a string, a `waitFor` that is not a list of futures).
 *
 * @example
 * ```ts
 * import { wait } from 'sluice';
 * await wait([], { timeout: -1 }).catch((e: unknown) => console.log(e)); // InvalidArgumentError
 * ```
 */
export class InvalidArgumentError extends SluiceError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A task was defined with options it cannot use; raised by `task()` itself, before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * task({ name: '' }, () => 1); // throws InvalidTaskOptionsError
 * ```
 */
export class InvalidTaskOptionsError extends SluiceError {
  /** The task's name, as given. */
  readonly taskName: string;
  /** The option that was wrong. */
  readonly option: string;

  constructor(taskName: string, option: string, message: string) {
    super('INVALID_TASK_OPTIONS', `task "${taskName}": option \`${option}\` ${message}`);
    this.taskName = taskName;
    this.option = option;
  }
}

/**
 * `task()`, `task.with()` or `flow()` was given an option it does not have: a typo, a name from
 * Prefect, or an option sluice has no counterpart for. Unknown options are rejected rather than
 * ignored, so a misspelt `retries` does not silently mean no retries. The message names the
 * option and, when there is one, the nearest known option (`suggestion`).
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const options = { name: 'fetch', retires: 3 }; // a typo; a literal would not compile
 * try {
 *   task(options, (url: string) => url);
 * } catch (error) {
 *   if (isSluiceError(error, 'UNKNOWN_OPTION')) console.log(error.option, error.suggestion); // retires retries
 * }
 * ```
 */
export class UnknownOptionError extends SluiceError {
  /** Whether the options were a task's or a flow's. */
  readonly kind: 'task' | 'flow';
  /** The task's or flow's name. */
  readonly ownerName: string;
  /** The option that is not known, as given. */
  readonly option: string;
  /** The known option it most likely meant, if any. */
  readonly suggestion: string | undefined;

  constructor(kind: 'task' | 'flow', ownerName: string, option: string, suggestion: string | undefined, hint: string) {
    super('UNKNOWN_OPTION', `${kind} "${ownerName}": unknown option \`${option}\`; ${hint}`);
    this.kind = kind;
    this.ownerName = ownerName;
    this.option = option;
    this.suggestion = suggestion;
  }
}

/**
 * `map` was called without any argument to map over. Raised before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * add.map(1, 2); // throws MappingMissingIterableError
 * ```
 */
export class MappingMissingIterableError extends SluiceError {
  readonly taskName: string;

  constructor(taskName: string, described: readonly string[]) {
    super(
      'MAP_NO_ITERABLE',
      `task "${taskName}": map needs at least one iterable argument to map over, got none. ` +
        `Arguments: ${described.length === 0 ? '(none)' : described.join(', ')}. ` +
        'Pass an array, a Set or another iterable; strings, byte arrays and plain objects are broadcast, not mapped.',
    );
    this.taskName = taskName;
  }
}

/**
 * The iterable arguments of a `map` have different lengths. Raised before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * add.map([1, 2, 3], [1, 2]); // throws MappingLengthMismatchError
 * ```
 */
export class MappingLengthMismatchError extends SluiceError {
  readonly taskName: string;
  /** The length of each mapped argument, by argument position. */
  readonly lengths: Readonly<Record<number, number>>;

  constructor(taskName: string, lengths: Readonly<Record<number, number>>) {
    const listed = Object.entries(lengths)
      .map(([index, length]) => `argument ${index}: ${length}`)
      .join(', ');
    super(
      'MAP_LENGTH_MISMATCH',
      `task "${taskName}": map's iterable arguments must all have the same length; got lengths ${listed}. ` +
        'Wrap an argument in unmapped(...) to pass it whole to every run.',
    );
    this.taskName = taskName;
    this.lengths = lengths;
  }
}

/**
 * What a run that did not start because of another run says about that other run.
 *
 * @example
 * ```ts
 * import { flow, task, UpstreamError, type UpstreamRunInfo } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const double = task('double', (x: number) => 2 * x);
 * await flow({ name: 'demo' }, async () => {
 *   const err = await double.submit(fail.submit()).result().catch((e: unknown) => e);
 *   if (err instanceof UpstreamError) {
 *     const upstream: UpstreamRunInfo = err;
 *     console.log(upstream.upstreamRunName); // fail-0
 *   }
 * })();
 * ```
 */
export interface UpstreamRunInfo {
  /** The upstream run's id. */
  readonly upstreamRunId: string;
  /** The upstream run's name. */
  readonly upstreamRunName: string;
  /** The upstream run's task. */
  readonly upstreamTaskName: string;
}

/**
 * The shared shape of {@link UpstreamFailedError} and {@link UpstreamCancelledError}: a run that
 * did not start because of a run it depends on, named with its id and task, its error the `cause`.
 *
 * @example
 * ```ts
 * import { flow, task, UpstreamError } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const double = task('double', (x: number) => 2 * x);
 * await flow({ name: 'demo' }, async () => {
 *   const err = await double.submit(fail.submit()).result().catch((e: unknown) => e);
 *   if (err instanceof UpstreamError) console.log(err.upstreamTaskName, err.cause); // fail Error: no
 * })();
 * ```
 */
export abstract class UpstreamError extends SluiceError implements UpstreamRunInfo {
  readonly taskName: string;
  readonly runName: string;
  readonly upstreamRunId: string;
  readonly upstreamRunName: string;
  readonly upstreamTaskName: string;

  /** `what`: what happened upstream, as in "upstream run ... failed". */
  protected constructor(
    code: 'UPSTREAM_FAILED' | 'UPSTREAM_CANCELLED',
    what: string,
    run: { readonly taskName: string; readonly name: string },
    upstream: UpstreamRunInfo,
    cause: unknown,
  ) {
    super(
      code,
      `task run "${run.name}" (task "${run.taskName}") did not run: upstream run "${upstream.upstreamRunName}" ` +
        `(task "${upstream.upstreamTaskName}", id ${upstream.upstreamRunId}) ${what}: ${describeError(cause)}`,
      { cause },
    );
    this.taskName = run.taskName;
    this.runName = run.name;
    this.upstreamRunId = upstream.upstreamRunId;
    this.upstreamRunName = upstream.upstreamRunName;
    this.upstreamTaskName = upstream.upstreamTaskName;
  }
}

/**
 * A run did not start because a run it depends on (an argument future or a `waitFor` future)
 * failed. The upstream's error is the `cause`.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const double = task('double', (x: number) => 2 * x);
 * await flow({ name: 'demo' }, async () => {
 *   const err = await double.submit(fail.submit()).result().catch((e: unknown) => e);
 *   if (isSluiceError(err, 'UPSTREAM_FAILED')) console.log(err.upstreamRunName, err.cause); // fail-0 Error: no
 * })();
 * ```
 */
export class UpstreamFailedError extends UpstreamError {
  constructor(run: { readonly taskName: string; readonly name: string }, upstream: UpstreamRunInfo, cause: unknown) {
    super('UPSTREAM_FAILED', 'failed', run, upstream, cause);
  }
}

/**
 * A run did not start because a run it depends on was cancelled or crashed.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const slow = task('slow', () => new Promise<number>((resolve) => setTimeout(() => resolve(1), 1000)));
 * const double = task('double', (x: number) => 2 * x);
 * await flow({ name: 'demo' }, async () => {
 *   const up = slow.submit();
 *   up.cancel();
 *   const err = await double.submit(up).result().catch((e: unknown) => e);
 *   if (isSluiceError(err, 'UPSTREAM_CANCELLED')) console.log(err.message);
 * })();
 * ```
 */
export class UpstreamCancelledError extends UpstreamError {
  constructor(run: { readonly taskName: string; readonly name: string }, upstream: UpstreamRunInfo, cause: unknown) {
    super('UPSTREAM_CANCELLED', 'was cancelled', run, upstream, cause);
  }
}

/**
 * A run was given, as an argument or in `waitFor`, a future that can only finish after the run
 * itself (its own future, or that of a run it was started from). Waiting would never end.
 *
 * @example
 * ```ts
 * import { isSluiceError, type TaskFuture } from 'sluice';
 * declare const child: TaskFuture<number>; // a run that was given the future of the run that submitted it
 * const err = await child.result().catch((e: unknown) => e);
 * if (isSluiceError(err, 'SELF_DEPENDENCY')) console.log(err.message);
 * ```
 */
export class SelfDependencyError extends SluiceError {
  readonly taskName: string;
  readonly runName: string;

  constructor(run: { readonly taskName: string; readonly name: string }, where: string, upstreamRunName: string) {
    super(
      'SELF_DEPENDENCY',
      `task run "${run.name}" (task "${run.taskName}") depends on run "${upstreamRunName}" through ${where}, ` +
        'but that run cannot finish before this one: it is the run itself or the run that started it. Refusing to deadlock.',
    );
    this.taskName = run.taskName;
    this.runName = run.name;
  }
}

/**
 * Waiting for a run's result took longer than the `timeout` given to `result()` or `asCompleted()`.
 * Distinct from a task's own time-out: the run itself goes on.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const slow = task('slow', () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 100)));
 * const future = slow.submit();
 * const err = await future.result({ timeout: 10 }).catch((e: unknown) => e);
 * if (isSluiceError(err, 'WAIT_TIMEOUT')) console.log(err.message); // the run goes on
 * console.log(await future.result()); // done
 * ```
 */
export class WaitTimeoutError extends SluiceError {
  constructor(message: string) {
    super('WAIT_TIMEOUT', message);
  }
}

/**
 * What was cancelled: a task run (its task and run names), or a whole flow run (its name, id,
 * and how many of its runs ended cancelled).
 *
 * @example
 * ```ts
 * import type { CancelledTarget } from 'sluice';
 * const target: CancelledTarget = { flowName: 'nightly', flowRunId: 'a1b2c3d4-0', cancelledRuns: 3 };
 * ```
 */
export type CancelledTarget =
  | { readonly taskName: string; readonly name: string }
  | { readonly flowName: string; readonly flowRunId: string; readonly cancelledRuns: number };

/**
 * A run, or a whole flow, was cancelled: by `future.cancel()`, a list's `cancel()`, or its flow
 * (a flow that failed, was cancelled through its `signal`, its handle or its parent, or ended
 * with `onExit: 'cancel'`).
 *
 * A cancelled flow rejects with one `CancelledError` that names the flow (`flowName`,
 * `flowRunId`), says how many of its runs were cancelled (`cancelledRuns`), and carries the
 * user's abort reason (the signal's `reason`, or what was given to `cancel(reason)`) as `cause`.
 * For a cancelled task run, `taskName` and `runName` name the run.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const slow = task('slow', () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 100)));
 * const future = slow.submit();
 * future.cancel();
 * const err = await future.result().catch((e: unknown) => e);
 * console.log(isSluiceError(err, 'CANCELLED')); // true
 * ```
 *
 * @example A cancelled flow
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const slow = task('slow', (n: number) => new Promise((resolve) => setTimeout(() => resolve(n), 1000)));
 * const controller = new AbortController();
 * const pending = flow({ name: 'nightly' }, () => slow.map([1, 2, 3])).with({ signal: controller.signal })();
 * controller.abort('user pressed stop');
 * const err = await pending.catch((e: unknown) => e);
 * if (isSluiceError(err, 'CANCELLED')) console.log(err.flowName, err.cancelledRuns, err.cause); // nightly 3 user pressed stop
 * ```
 */
export class CancelledError extends SluiceError {
  /** The cancelled run's task; undefined when a whole flow was cancelled. */
  readonly taskName: string | undefined;
  /** The cancelled run's name; undefined when a whole flow was cancelled. */
  readonly runName: string | undefined;
  /** The cancelled flow's name; undefined when a single run was cancelled. */
  readonly flowName: string | undefined;
  /** The cancelled flow run's id; undefined when a single run was cancelled. */
  readonly flowRunId: string | undefined;
  /** How many runs of the cancelled flow ended cancelled; undefined when a single run was cancelled. */
  readonly cancelledRuns: number | undefined;

  constructor(target: CancelledTarget, reason: string, options?: { readonly cause?: unknown }) {
    if ('cancelledRuns' in target) {
      const n = target.cancelledRuns;
      super('CANCELLED', `flow "${target.flowName}" (flow run ${target.flowRunId}) was cancelled: ${reason}; ${n} run${n === 1 ? ' was' : 's were'} cancelled`, options);
      this.taskName = undefined;
      this.runName = undefined;
      this.flowName = target.flowName;
      this.flowRunId = target.flowRunId;
      this.cancelledRuns = n;
    } else {
      super('CANCELLED', `task run "${target.name}" (task "${target.taskName}") was cancelled: ${reason}`, options);
      this.taskName = target.taskName;
      this.runName = target.name;
      this.flowName = undefined;
      this.flowRunId = undefined;
      this.cancelledRuns = undefined;
    }
  }
}

/**
 * A task body returned an Observable that completed without emitting a value.
 *
 * @example
 * ```ts
 * import { EMPTY } from 'rxjs';
 * import { task } from 'sluice';
 * const nothing = task('nothing', () => EMPTY);
 * await nothing().catch((e: unknown) => console.log(e)); // EmptyResultError
 * ```
 */
export class EmptyResultError extends SluiceError {
  readonly taskName: string;

  constructor(taskName: string, runName: string) {
    super(
      'EMPTY_RESULT',
      `task run "${runName}" (task "${taskName}") returned an Observable that completed without a value; ` +
        'a task body must emit at least one value (its last value is the result).',
    );
    this.taskName = taskName;
  }
}

/**
 * One failed run that nothing looked at, as listed by {@link UnobservedFailuresError}.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task, type UnobservedFailure } from 'sluice';
 * const fail = task('fail', () => {
 *   throw new Error('no');
 * });
 * const err = await flow({ name: 'careless' }, () => {
 *   fail.submit();
 * })().catch((e: unknown) => e);
 * if (isSluiceError(err, 'UNOBSERVED_FAILURES')) {
 *   const first: UnobservedFailure | undefined = err.failures[0];
 *   console.log(first?.runName, first?.error); // fail-0 Error: no
 * }
 * ```
 */
export interface UnobservedFailure {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  readonly error: unknown;
}

/**
 * A flow finished, but some runs it started failed and the flow's code never looked at them (no
 * `result()`, no state check, no downstream that allowed the failure). The flow rejects with this
 * error instead of reporting success.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const fail = task('fail', () => {
 *   throw new Error('no');
 * });
 * const careless = flow({ name: 'careless' }, () => {
 *   fail.submit(); // never looked at
 * });
 * const err = await careless().catch((e: unknown) => e);
 * if (isSluiceError(err, 'UNOBSERVED_FAILURES')) for (const f of err.failures) console.log(f.runName); // fail-0
 * ```
 */
export class UnobservedFailuresError extends SluiceError {
  readonly flowName: string;
  readonly failures: readonly UnobservedFailure[];

  constructor(flowName: string, failures: readonly UnobservedFailure[]) {
    const { shown, more } = listFailures(failures);
    super(
      'UNOBSERVED_FAILURES',
      `flow "${flowName}": ${failures.length} task run${failures.length === 1 ? '' : 's'} failed and nothing looked at ` +
        `${failures.length === 1 ? 'it' : 'them'}: ${shown}${more}`,
      { cause: failures[0]?.error },
    );
    this.flowName = flowName;
    this.failures = failures;
  }
}

/**
 * A flow returned several futures (a list, or an array or object holding futures) and some of
 * their runs did not complete. The error lists every one of them by name, with its error, as
 * Prefect reports "2/3 states failed"; `cause` is the first one's error.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const fail = task('fail', (n: number): number => {
 *   throw new Error(`no ${n}`);
 * });
 * const ok = task('ok', () => 1);
 * const err = await flow({ name: 'batch' }, () => [fail.submit(1), fail.submit(2), ok.submit()])().catch((e: unknown) => e);
 * if (isSluiceError(err, 'RUNS_FAILED')) {
 *   console.log(err.message); // flow "batch": 2 of 3 returned runs did not complete: "fail-0" ...
 *   for (const f of err.failures) console.log(f.runName, f.error); // fail-0 Error: no 1, fail-1 Error: no 2
 * }
 * ```
 */
export class FailedRunsError extends SluiceError {
  readonly flowName: string;
  /** How many runs the flow returned. */
  readonly returned: number;
  /** Every returned run that did not complete, in the order they were returned. */
  readonly failures: readonly UnobservedFailure[];

  constructor(flowName: string, returned: number, failures: readonly UnobservedFailure[]) {
    const { shown, more } = listFailures(failures);
    super('RUNS_FAILED', `flow "${flowName}": ${failures.length} of ${returned} returned runs did not complete: ${shown}${more}`, {
      cause: failures[0]?.error,
    });
    this.flowName = flowName;
    this.returned = returned;
    this.failures = failures;
  }
}

/** The first ten failures of a list, one clause each, and how many more there were. */
function listFailures(failures: readonly UnobservedFailure[]): { shown: string; more: string } {
  const shown = failures
    .slice(0, 10)
    .map((f) => `"${f.runName}" (task "${f.taskName}"): ${describeError(f.error)}`)
    .join('; ');
  return { shown, more: failures.length > 10 ? `; and ${failures.length - 10} more` : '' };
}

/** @internal Describes a thrown value in one line for a message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-Error value thrown: ${String(error)}`;
  } catch {
    return 'non-Error value thrown';
  }
}

/**
 * A run's attempt ran longer than its task's `timeout`. The run ends `TimedOut` (a failed state)
 * unless retries remain: time-outs are retried like failures.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const slow = task({ name: 'slow', timeout: 10 }, () => new Promise(() => {}));
 * const err = await slow().catch((e: unknown) => e);
 * console.log(isSluiceError(err, 'TIMED_OUT')); // true
 * ```
 */
export class TaskTimeoutError extends SluiceError {
  readonly taskName: string;
  readonly runName: string;
  /** The limit, in ms. */
  readonly timeout: number;

  constructor(run: { readonly taskName: string; readonly name: string }, timeout: number) {
    super('TIMED_OUT', `task run "${run.name}" (task "${run.taskName}") exceeded its timeout of ${timeout}ms`);
    this.taskName = run.taskName;
    this.runName = run.name;
    this.timeout = timeout;
  }
}

/**
 * A run with `retries` failed on every attempt. The last attempt's error is the `cause`.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const flaky = task({ name: 'flaky', retries: 2 }, () => { throw new Error('down'); });
 * const err = await flaky().catch((e: unknown) => e);
 * if (isSluiceError(err, 'RETRIES_EXHAUSTED')) console.log(err.attempts, err.cause); // 3, Error: down
 * ```
 */
export class RetriesExhaustedError extends SluiceError {
  readonly taskName: string;
  readonly runName: string;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(run: { readonly taskName: string; readonly name: string }, attempts: number, cause: unknown) {
    super(
      'RETRIES_EXHAUSTED',
      `task run "${run.name}" (task "${run.taskName}") failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describeError(cause)}`,
      { cause },
    );
    this.taskName = run.taskName;
    this.runName = run.name;
    this.attempts = attempts;
  }
}

/**
 * `getRunContext()` was called outside a task body.
 *
 * @example
 * ```ts
 * import { getRunContext } from 'sluice';
 * try { getRunContext(); } catch (e) { console.log(e); } // NoRunContextError
 * ```
 */
export class NoRunContextError extends SluiceError {
  constructor() {
    super('NO_RUN_CONTEXT', 'getRunContext() was called outside a task body; it is only available while a task run is executing');
  }
}

/** @internal Describes any value in a few words for a message: `3 (number)`, `[object Promise] (object)`. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `array of ${value.length}` : String(value);
  } catch {
    text = 'an unprintable value';
  }
  return `${text} (${value === null ? 'null' : typeof value})`;
}

/**
 * The shared shape of {@link InvalidParamsError} and {@link InvalidReturnError}: what a codec found wrong.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { CodecMismatchError, task } from 'sluice';
 * const length = task({ name: 'length', params: t.tuple([t.string]) }, (text: string) => text.length);
 * const untyped = length as unknown as (value: unknown) => Promise<number>; // as data from outside would arrive
 * const err = await untyped(1).catch((e: unknown) => e);
 * if (err instanceof CodecMismatchError) for (const problem of err.problems) console.log(problem);
 * ```
 */
export abstract class CodecMismatchError extends SluiceError {
  readonly taskName: string;
  /** One line per problem. */
  readonly problems: readonly string[];

  protected constructor(code: 'INVALID_PARAMS' | 'INVALID_RETURN', what: string, taskName: string, problems: readonly string[]) {
    super(code, `task "${taskName}": ${what}: ${problems.join('; ')}`);
    this.taskName = taskName;
    this.problems = problems;
  }
}

/**
 * A task's arguments did not fit its `params` codec; the run did not start. The message lists
 * every problem, naming the argument (`argument 1`, `argument 0.name`) and what was expected.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { task } from 'sluice';
 * const add = task({ name: 'add', params: t.tuple([t.number, t.number]) }, (x: number, y: number) => x + y);
 * await add(1, 'two' as never).catch((e: unknown) => console.log((e as Error).message));
 * // task "add": invalid arguments: argument 1: expected number, got "two"
 * ```
 */
export class InvalidParamsError extends CodecMismatchError {
  constructor(taskName: string, problems: readonly string[]) {
    super('INVALID_PARAMS', 'invalid arguments', taskName, problems);
  }
}

/**
 * A task body returned a value that does not fit the task's `returns` codec. The run fails (it is
 * not retried: the same body would return the same kind of value).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { task } from 'sluice';
 * const count = task({ name: 'count', returns: t.number }, () => 'three' as unknown as number);
 * await count().catch((e: unknown) => console.log((e as Error).message));
 * // task "count": invalid return value: expected number, got "three"
 * ```
 */
export class InvalidReturnError extends CodecMismatchError {
  constructor(taskName: string, problems: readonly string[]) {
    super('INVALID_RETURN', 'invalid return value', taskName, problems);
  }
}

/**
 * What a run that did not complete ended as, for `either()`: the `Left` of its `Either`.
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/lib/Either.js';
 * import { task } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const outcome = await fail.submit().either();
 * if (isLeft(outcome)) console.log(outcome.left.stateName, outcome.left.cause); // Failed Error: no
 * ```
 */
export class TaskRunError extends SluiceError {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  /** The name of the run's terminal state: `Failed`, `TimedOut`, `UpstreamFailed`, `Cancelled`, ... */
  readonly stateName: string;

  constructor(run: { readonly id: string; readonly name: string; readonly taskName: string }, stateName: string, cause: unknown) {
    super('TASK_RUN_FAILED', `task run "${run.name}" (task "${run.taskName}") ended ${stateName}: ${describeError(cause)}`, { cause });
    this.runId = run.id;
    this.runName = run.name;
    this.taskName = run.taskName;
    this.stateName = stateName;
  }
}

/**
 * An Observable source pushed more items into `mapStream` than its `bufferSize` holds while
 * every slot was busy (an Observable cannot be asked to wait). Raise `bufferSize`, pick another
 * `overflow` policy, or pass an iterable, which is pulled only when a slot frees.
 *
 * @example
 * ```ts
 * import { range } from 'rxjs';
 * import { task } from 'sluice';
 * const work = task('work', async (x: number) => x);
 * work.mapStream(range(0, 1e6), { bufferSize: 100 }).subscribe({ error: (e: unknown) => console.log(e) });
 * ```
 */
export class StreamOverflowError extends SluiceError {
  readonly taskName: string;
  readonly bufferSize: number;

  constructor(taskName: string, bufferSize: number) {
    super(
      'STREAM_OVERFLOW',
      `task "${taskName}": mapStream's Observable source overflowed its buffer of ${bufferSize} items while every slot was busy; ` +
        "raise `bufferSize`, choose `overflow: 'drop-newest'` or `'drop-oldest'`, or pass an iterable (pulled only when a slot frees)",
    );
    this.taskName = taskName;
    this.bufferSize = bufferSize;
  }
}
