/**
 * The errors of a task run: its attempt timed out, its retries ran out, its body returned nothing,
 * it ended other than `Completed` (for `either()`), or its context was asked for outside it.
 *
 * @module
 */
import { describeError, SluiceError } from './base.js';

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
 * `getRunContext()` was called outside a task body, or `getRunLogger()` outside a task body, a
 * flow's function and a state hook.
 *
 * @example
 * ```ts
 * import { getRunContext } from 'sluice';
 * try { getRunContext(); } catch (e) { console.log(e); } // NoRunContextError
 * ```
 */
export class NoRunContextError extends SluiceError {
  constructor(call: 'getRunContext' | 'getRunLogger' = 'getRunContext') {
    super(
      'NO_RUN_CONTEXT',
      call === 'getRunContext'
        ? 'getRunContext() was called outside a task body; it is only available while a task run is executing'
        : "getRunLogger() was called outside a task body, a flow's function and a state hook; it is only available while one of them is executing",
    );
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
/**
 * A state hook's Promise or Observable ran past its flow's `hookTimeout`: reported (in a
 * `hook-failed` event and the flow's log) as a hook that threw would be; the flow stops waiting
 * for it and settles. It never changes a run's or a flow's outcome.
 *
 * @example
 * ```ts
 * import { flow, type FlowEvent } from 'sluice';
 * const slow = flow({ name: 'slow', hookTimeout: 10, onCompletion: () => new Promise((r) => setTimeout(r, 1000)) }, async () => 1);
 * const handle = slow.start();
 * handle.events$.subscribe((e: FlowEvent) => {
 *   if (e.type === 'hook-failed') console.log(e.error); // HookTimeoutError: hook onCompletion of flow "slow" ...
 * });
 * console.log(await handle.result()); // 1
 * ```
 */
export class HookTimeoutError extends SluiceError {
  /** The hook option, as `onCompletion`. */
  readonly hook: string;
  /** What the hook was called for, as `task run "work-0" (task "work")` or `flow "etl"`. */
  readonly subject: string;
  /** The limit, in ms. */
  readonly timeout: number;

  constructor(hook: string, subject: string, timeout: number) {
    super('HOOK_TIMED_OUT', `hook ${hook} of ${subject} did not finish within its flow's hookTimeout of ${timeout}ms`);
    this.hook = hook;
    this.subject = subject;
    this.timeout = timeout;
  }
}

declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly TIMED_OUT: TaskTimeoutError;
    readonly RETRIES_EXHAUSTED: RetriesExhaustedError;
    readonly EMPTY_RESULT: EmptyResultError;
    readonly TASK_RUN_FAILED: TaskRunError;
    readonly NO_RUN_CONTEXT: NoRunContextError;
    readonly HOOK_TIMED_OUT: HookTimeoutError;
  }
}
