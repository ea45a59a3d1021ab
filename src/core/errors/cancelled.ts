/**
 * The error of a cancelled run or flow.
 *
 * @module
 */
import { SluiceError } from './base.js';

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

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly CANCELLED: CancelledError;
  }
}
