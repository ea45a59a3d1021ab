/**
 * The errors of waiting on other runs: a run whose upstream failed or was cancelled, a run that
 * would wait on itself, a wait for a result that took too long.
 *
 * @module
 */
import { describeError, SluiceError } from './base.js';

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

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly UPSTREAM_FAILED: UpstreamFailedError;
    readonly UPSTREAM_CANCELLED: UpstreamCancelledError;
    readonly SELF_DEPENDENCY: SelfDependencyError;
    readonly WAIT_TIMEOUT: WaitTimeoutError;
  }
}
