import type { SchedulerLike, Unsubscribable } from 'rxjs';
import { describeValue, InvalidArgumentError } from '../errors.js';
import { currentRun, type Run } from './run.js';

/** @internal */
export interface AwaitOptions {
  /** Give up after this many ms (scheduler time); `undefined` waits for ever. */
  readonly timeout: number | undefined;
  readonly scheduler: SchedulerLike;
  /** Finish as soon as one run ends in a state other than `Completed`. */
  readonly stopOnFailure: boolean;
  /** Called once per distinct run as it finishes: first those already finished, in input order. */
  readonly onEach?: (run: Run<unknown>) => void;
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
export function awaitRuns(
  runs: readonly Run<unknown>[],
  options: AwaitOptions,
  done: (timedOut: boolean, failed: Run<unknown> | undefined) => void,
): () => void {
  const { onEach, stopOnFailure } = options;
  const unfinished = new Set<Run<unknown>>();
  const seen = new Set<Run<unknown>>();
  for (const run of runs) {
    if (seen.has(run)) continue;
    seen.add(run);
    if (!run.isTerminal) {
      unfinished.add(run);
      continue;
    }
    onEach?.(run);
    if (stopOnFailure && run.peekState().type !== 'Completed') {
      done(false, run);
      return noop;
    }
  }
  if (unfinished.size === 0) {
    done(false, undefined);
    return noop;
  }
  const waiter = currentRun();
  waiter?.beginWait();
  let finished = false;
  let timer: Unsubscribable | undefined;
  const finish = (timedOut: boolean, failed: Run<unknown> | undefined): void => {
    if (finished) return;
    finished = true;
    timer?.unsubscribe();
    for (const run of unfinished) run.offTerminal(listener);
    if (waiter === undefined) done(timedOut, failed);
    else
      waiter.endWait(() => {
        done(timedOut, failed);
      });
  };
  const listener = (run: Run<unknown>): void => {
    if (finished) return;
    unfinished.delete(run);
    onEach?.(run);
    if (stopOnFailure && run.peekState().type !== 'Completed') finish(false, run);
    else if (unfinished.size === 0) finish(false, undefined);
  };
  for (const run of unfinished) run.onTerminal(listener);
  const timeout = options.timeout;
  if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY && !finished) {
    timer = options.scheduler.schedule(() => {
      finish(true, undefined);
    }, timeout);
  }
  return () => {
    if (finished) return;
    finished = true;
    timer?.unsubscribe();
    for (const run of unfinished) run.offTerminal(listener);
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
