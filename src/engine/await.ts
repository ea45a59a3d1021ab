import type { SchedulerLike, Unsubscribable } from 'rxjs';
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { currentRun, type RunRecord } from './run-record.js';

/** @internal */
export interface AwaitOptions {
  /** Give up after this many ms (scheduler time); `undefined` waits for ever. */
  readonly timeout: number | undefined;
  readonly scheduler: SchedulerLike;
  /** Finish as soon as one run ends in a state other than `Completed`. */
  readonly stopOnFailure: boolean;
  /** Called once per distinct run as it finishes: first those already finished, in input order. */
  readonly onEach?: (run: RunRecord<unknown>) => void;
}

/**
 * The one place that waits on runs, for every Promise and iterator edge (`result`, `wait`,
 * `asCompleted`, lists). When the caller is a task body, its slot is lent out for the duration of
 * the wait, so a parent waiting on its children never starves them (prefect#17060).
 *
 * `done(timedOut, failed)` is called exactly once, unless the returned function is called first
 * (the caller stopped waiting).
 *
 * @internal
 */
let awaitSeq = 0;

/**
 * `awaitRuns` for one run, without a timer: the common `future.result()` outside a task body
 * costs one closure.
 *
 * @internal
 */
export function awaitOne(run: RunRecord<unknown>, options: AwaitOptions, done: (timedOut: boolean, failed: RunRecord<unknown> | undefined) => void): void {
  if (run.isTerminal) {
    done(false, undefined);
    return;
  }
  if (options.timeout === undefined && currentRun() === undefined) {
    run.onTerminal(() => {
      done(false, undefined);
    });
    return;
  }
  awaitRuns([run], options, done);
}

export function awaitRuns(
  runs: readonly RunRecord<unknown>[],
  options: AwaitOptions,
  done: (timedOut: boolean, failed: RunRecord<unknown> | undefined) => void,
): () => void {
  const { onEach, stopOnFailure } = options;
  // Distinct runs are told apart by stamping them with this call's number: no Set per wait.
  const mark = ++awaitSeq;
  const pending: RunRecord<unknown>[] = [];
  const finishedAlready: RunRecord<unknown>[] = [];
  for (const run of runs) {
    if (run.awaitMark === mark) continue;
    run.awaitMark = mark;
    if (run.isTerminal) finishedAlready.push(run);
    else pending.push(run);
  }
  // Callbacks run after the stamping loop, so one that waits on the same runs cannot disturb it.
  for (const run of finishedAlready) {
    onEach?.(run);
    if (stopOnFailure && !run.isCompleted) {
      done(false, run);
      return noop;
    }
  }
  if (pending.length === 0) {
    done(false, undefined);
    return noop;
  }
  let unfinished = pending.length;
  const waiter = currentRun();
  waiter?.beginWait();
  let finished = false;
  let timer: Unsubscribable | undefined;
  const detach = (): void => {
    finished = true;
    timer?.unsubscribe();
    for (const run of pending) if (!run.isTerminal) run.offTerminal(listener);
  };
  const finish = (timedOut: boolean, failed: RunRecord<unknown> | undefined): void => {
    if (finished) return;
    detach();
    if (waiter === undefined) done(timedOut, failed);
    else
      waiter.endWait(() => {
        done(timedOut, failed);
      });
  };
  const listener = (run: RunRecord<unknown>): void => {
    if (finished) return;
    unfinished--;
    onEach?.(run);
    if (stopOnFailure && !run.isCompleted) finish(false, run);
    else if (unfinished === 0) finish(false, undefined);
  };
  for (const run of pending) run.onTerminal(listener);
  const timeout = options.timeout;
  if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY && !finished) {
    timer = options.scheduler.schedule(() => {
      finish(true, undefined);
    }, timeout);
  }
  return () => {
    if (finished) return;
    detach();
    waiter?.endWait(noop);
  };
}

function noop(): void {
  // nothing to undo
}

/** Returns an error when `timeout` is not undefined or a non-negative number of ms. @internal */
export function checkTimeout(timeout: unknown, where: string): InvalidArgumentError | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout === 'number' && timeout >= 0) return undefined;
  return new InvalidArgumentError(
    `${where}: \`timeout\` must be a non-negative number of ms, got ${describeValue(timeout)}`,
  );
}
