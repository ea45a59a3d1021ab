/**
 * Future lists (what `map` returns) and the functions that wait on many futures.
 *
 * @module
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { WaitTimeoutError } from '../core/errors/upstream.js';
import type { ResultOptions, TaskFuture } from '../core/future.js';
import { awaitRuns, checkTimeout } from '../engine/await.js';
import { Run } from '../engine/run.js';
import { toAsyncIterable } from '../engine/async-iterable.js';

function toRuns(futures: Iterable<TaskFuture<unknown>>, where: string): Run<unknown>[] | InvalidArgumentError {
  if (futures === null || typeof futures !== 'object' || !(Symbol.iterator in futures)) {
    return new InvalidArgumentError(`${where}: expected an iterable of futures, got ${describeValue(futures)}`);
  }
  const runs: Run<unknown>[] = [];
  let i = 0;
  for (const future of futures) {
    if (!(future instanceof Run)) {
      return new InvalidArgumentError(`${where}: element ${i} is not a TaskFuture, got ${describeValue(future)}`);
    }
    runs.push(future as Run<unknown>);
    i++;
  }
  return runs;
}

function schedulerOf(runs: readonly Run<unknown>[], given: SchedulerLike | undefined): SchedulerLike {
  return given ?? runs[0]?.flow.scheduler ?? rxjs().asyncScheduler;
}

/**
 * Options of {@link TaskFutureList.result}.
 *
 * @example
 * ```ts
 * import { task, type ListResultOptions } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const options: ListResultOptions = { timeout: 1000 };
 * console.log(await double.map([1, 2]).result(options)); // [2, 4]
 * ```
 */
export type ListResultOptions = ResultOptions;

/**
 * The futures of a `map`, in input order. It is an array (index it, spread it, iterate it), with
 * methods that act on every run at once.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const futures = double.map([1, 2, 3]);
 * console.log(futures.length);          // 3
 * console.log(await futures.result());  // [2, 4, 6]
 * ```
 */
export class TaskFutureList<R> extends Array<TaskFuture<R>> {
  /** Array methods such as `filter` and `map` return plain arrays, not lists. @internal */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /**
   * Waits for every run and returns their values in input order. Rejects with the first failure
   * by completion time (it does not wait for the rest); with `raiseOnFailure: false`, failed
   * runs' errors take their place instead. With `timeout`, rejects with a `WaitTimeoutError`.
   */
  result(options: ListResultOptions & { readonly raiseOnFailure: false }): Promise<unknown[]>;
  result(options?: ListResultOptions): Promise<R[]>;
  result(options: ListResultOptions = {}): Promise<unknown[]> {
    const runs = this as unknown as Run<R>[];
    const timeout = options.timeout;
    const problem = checkTimeout(timeout, 'TaskFutureList.result()');
    if (problem !== undefined) return Promise.reject(problem);
    const raise = options.raiseOnFailure !== false;
    for (const run of runs) run.markObserved();
    return new Promise((resolve, reject) => {
      awaitRuns(
        runs as Run<unknown>[],
        { timeout, scheduler: schedulerOf(runs as Run<unknown>[], undefined), stopOnFailure: raise },
        (timedOut, failed) => {
          if (timedOut) {
            const unfinished = runs.filter((run) => !run.isTerminal).length;
            reject(
              new WaitTimeoutError(
                `timed out waiting for all futures to complete within ${timeout}ms (${unfinished} of ${runs.length} unfinished)`,
              ),
            );
          } else if (failed !== undefined) {
            reject(failed.failureError());
          } else {
            resolve(runs.map((run) => run.outcomeValue()));
          }
        },
      );
    });
  }

  /** Waits until every run has finished, however each ended. On time-out it resolves all the same. */
  wait(timeout?: number): Promise<void> {
    const problem = checkTimeout(timeout, 'TaskFutureList.wait()');
    if (problem !== undefined) return Promise.reject(problem);
    const runs = this as unknown as Run<unknown>[];
    return new Promise((resolve) => {
      awaitRuns(runs, { timeout, scheduler: schedulerOf(runs, undefined), stopOnFailure: false }, () => {
        resolve();
      });
    });
  }

  /** Cancels every run that has not finished; returns how many this call cancelled. */
  cancel(reason?: string): number {
    let count = 0;
    for (const future of this) if (future.cancel(reason)) count++;
    return count;
  }

  /**
   * Emits each run's value as it completes (completion order; already finished runs first, in
   * input order), then completes; errors with the first failure.
   */
  get values$(): Observable<R> {
    return new (rxjs().Observable)<R>((subscriber) => {
      const runs = this as unknown as Run<R>[];
      for (const run of runs) run.markObserved();
      return awaitRuns(
        runs as Run<unknown>[],
        {
          timeout: undefined,
          scheduler: schedulerOf(runs as Run<unknown>[], undefined),
          stopOnFailure: true,
          onEach: (run) => {
            if (run.isCompleted) subscriber.next(run.outcomeValue() as R);
          },
        },
        (_timedOut, failed) => {
          if (failed !== undefined) subscriber.error(failed.failureError());
          else subscriber.complete();
        },
      );
    });
  }

  /** Emits every value in input order, as one array, once all runs completed; errors on the first failure. */
  get result$(): Observable<R[]> {
    return new (rxjs().Observable)<R[]>((subscriber) => {
      const runs = this as unknown as Run<R>[];
      for (const run of runs) run.markObserved();
      return awaitRuns(
        runs as Run<unknown>[],
        { timeout: undefined, scheduler: schedulerOf(runs as Run<unknown>[], undefined), stopOnFailure: true },
        (_timedOut, failed) => {
          if (failed !== undefined) {
            subscriber.error(failed.failureError());
          } else {
            subscriber.next(runs.map((run) => run.outcomeValue() as R));
            subscriber.complete();
          }
        },
      );
    });
  }
}

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts
 * import { task, wait, type WaitOptions } from 'sluice';
 * const slow = task('slow', () => new Promise<void>((resolve) => setTimeout(resolve, 100)));
 * const options: WaitOptions = { timeout: 10 };
 * const { done, notDone } = await wait([slow.submit()], options);
 * console.log(done.size, notDone.size); // 0 1
 * ```
 */
export interface WaitOptions {
  /**
   * Stop waiting after this many ms and report what finished by then. Never rejects on time-out.
   *
   * @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * The scheduler that measures the time-out.
   *
   * @defaultValue the first future's flow scheduler, else `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * What {@link wait} returns: the futures that finished and those that did not, as Sets in completion order.
 *
 * @example
 * ```ts
 * import { task, wait, type DoneAndNotDone } from 'sluice';
 * const one = task('one', () => 1);
 * const { done }: DoneAndNotDone<number> = await wait([one.submit(), one.submit()]);
 * for (const future of done) console.log(future.name, await future.result());
 * ```
 */
export interface DoneAndNotDone<R> {
  readonly done: Set<TaskFuture<R>>;
  readonly notDone: Set<TaskFuture<R>>;
}

/**
 * Waits for futures to finish, however they end (failed and cancelled runs count as done). With a
 * `timeout`, returns what finished by then and never rejects. `done` lists futures in completion
 * order (those already finished first, in input order), without duplicates.
 *
 * @example
 * ```ts
 * import { task, wait } from 'sluice';
 * const cool = task('cool_task', () => 'sup');
 * const futures = Array.from({ length: 10 }, () => cool.submit());
 * const { done, notDone } = await wait(futures);
 * console.log(done.size, notDone.size); // 10 0
 * ```
 */
export function wait<R>(futures: Iterable<TaskFuture<R>>, options: WaitOptions = {}): Promise<DoneAndNotDone<R>> {
  const runs = toRuns(futures, 'wait()');
  if (runs instanceof InvalidArgumentError) return Promise.reject(runs);
  const problem = checkTimeout(options.timeout, 'wait()');
  if (problem !== undefined) return Promise.reject(problem);
  const done = new Set<TaskFuture<R>>();
  return new Promise((resolve) => {
    awaitRuns(
      runs,
      {
        timeout: options.timeout,
        scheduler: schedulerOf(runs, options.scheduler),
        stopOnFailure: false,
        onEach: (run) => done.add(run as unknown as TaskFuture<R>),
      },
      () => {
        const notDone = new Set<TaskFuture<R>>();
        for (const run of runs) if (!done.has(run as TaskFuture<R>)) notDone.add(run as TaskFuture<R>);
        resolve({ done, notDone });
      },
    );
  });
}

/**
 * Options of {@link asCompleted}.
 *
 * @example
 * ```ts
 * import { asCompleted, task, type AsCompletedOptions } from 'sluice';
 * const one = task('one', () => 1);
 * const options: AsCompletedOptions = { timeout: 1000 };
 * for await (const future of asCompleted([one.submit(), one.submit()], options)) console.log(future.name);
 * ```
 */
export type AsCompletedOptions = WaitOptions;

/**
 * Futures as they finish: an Observable and an AsyncIterable at once.
 *
 * @example
 * ```ts
 * import { asCompleted, task, type CompletionStream } from 'sluice';
 * const one = task('one', () => 1);
 * const stream: CompletionStream<number> = asCompleted([one.submit(), one.submit()]);
 * stream.subscribe((future) => console.log(future.name)); // also an AsyncIterable
 * ```
 */
export type CompletionStream<R> = Observable<TaskFuture<R>> & AsyncIterable<TaskFuture<R>>;

/**
 * Yields futures as they finish: those already finished first (in input order), then in
 * completion order, each once. With a `timeout`, errors with a `WaitTimeoutError` saying how many
 * were unfinished. Use it with `for await`, or subscribe to it.
 *
 * @example
 * ```ts
 * import { asCompleted, task } from 'sluice';
 * const sleep = task('sleep', (ms: number) => new Promise<number>((r) => setTimeout(() => r(ms), ms)));
 * for await (const future of asCompleted(sleep.map([30, 10, 20]))) {
 *   console.log(await future.result()); // 10, 20, 30
 * }
 * ```
 */
export function asCompleted<R>(futures: Iterable<TaskFuture<R>>, options: AsCompletedOptions = {}): CompletionStream<R> {
  const stream = new (rxjs().Observable)<TaskFuture<R>>((subscriber) => {
    const runs = toRuns(futures, 'asCompleted()');
    if (runs instanceof InvalidArgumentError) {
      subscriber.error(runs);
      return undefined;
    }
    const problem = checkTimeout(options.timeout, 'asCompleted()');
    if (problem !== undefined) {
      subscriber.error(problem);
      return undefined;
    }
    let delivered = 0;
    return awaitRuns(
      runs,
      {
        timeout: options.timeout,
        scheduler: schedulerOf(runs, options.scheduler),
        stopOnFailure: false,
        onEach: (run) => {
          delivered++;
          subscriber.next(run as unknown as TaskFuture<R>);
        },
      },
      (timedOut) => {
        if (timedOut) {
          const total = new Set(runs).size;
          subscriber.error(new WaitTimeoutError(`${total - delivered} (of ${total}) futures unfinished`));
        } else {
          subscriber.complete();
        }
      },
    );
  });
  return Object.assign(stream, {
    [Symbol.asyncIterator]: () => toAsyncIterable(stream)[Symbol.asyncIterator](),
  });
}
