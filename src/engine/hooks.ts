/**
 * Calls state hooks in the process that owns the flow: each hook's error (or time-out) is
 * reported, never raised, and the flow does not settle before its hooks have finished or run past
 * its `hookTimeout`.
 *
 * @module
 * @internal
 */
import type { Unsubscribable } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import { describeError } from '../core/errors/base.js';
import { HookTimeoutError } from '../core/errors/run.js';
import type { HookName, HookResult } from '../core/hooks.js';
import { scopeStorage } from '../core/scope-storage.js';
import type { FlowRun } from './flow-run.js';

/** The run a task hook is about; undefined for a flow's own hooks. @internal */
export interface HookedRunIds {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
}

/**
 * Calls each hook of `list` with `info` and `state`, in order. A hook that returns a Promise or an
 * Observable keeps the flow from settling until it ends or `flow.hookTimeout` passes (on the
 * flow's scheduler). @internal
 */
export function callHooks(
  flow: FlowRun,
  name: HookName,
  list: readonly ((info: never, state: never) => HookResult)[],
  info: unknown,
  state: unknown,
  run: HookedRunIds | undefined,
): void {
  for (let i = 0; i < list.length; i++) {
    const hook = list[i] as (info: unknown, state: unknown) => HookResult;
    const label = hook.name !== '' ? hook.name : list.length === 1 ? name : `${name}[${i}]`;
    let out: HookResult;
    try {
      // In the flow's scope, never a run's (an Observable body's end would otherwise carry its
      // run's): a task a hook submits is the flow's, and getRunContext() is for bodies only.
      out = scopeStorage.run(flow, hook, info, state);
    } catch (error) {
      reportHook(flow, name, label, run, error, false);
      continue;
    }
    if (typeof out !== 'object' || out === null) continue;
    if (typeof (out as PromiseLike<unknown>).then === 'function') {
      const waiting = waitForHook(flow, name, label, run);
      try {
        (out as PromiseLike<unknown>).then(
          () => {
            waiting.done(undefined);
          },
          (error: unknown) => {
            waiting.done({ error });
          },
        );
      } catch (error) {
        waiting.done({ error });
      }
    } else if (rxjs().isObservable(out)) {
      const waiting = waitForHook(flow, name, label, run);
      const subscription = out.subscribe({
        error: (error: unknown) => {
          waiting.done({ error });
        },
        complete: () => {
          waiting.done(undefined);
        },
      });
      // An Observable that ended synchronously has nothing left to stop.
      if (!waiting.finished) waiting.subscription = subscription;
    }
  }
}

/** One hook call the flow waits for. */
interface Waiting {
  finished: boolean;
  subscription: Unsubscribable | undefined;
  done(failure: { error: unknown } | undefined): void;
}

function waitForHook(flow: FlowRun, name: HookName, label: string, run: HookedRunIds | undefined): Waiting {
  flow.hookStarted();
  const timeout = flow.hookTimeout;
  let timer: Unsubscribable | undefined;
  const waiting: Waiting = {
    finished: false,
    subscription: undefined,
    done(failure) {
      if (waiting.finished) return;
      waiting.finished = true;
      timer?.unsubscribe();
      waiting.subscription?.unsubscribe();
      if (failure !== undefined) reportHook(flow, name, label, run, failure.error, failure.error instanceof HookTimeoutError);
      flow.hookFinished();
    },
  };
  if (timeout !== Number.POSITIVE_INFINITY) {
    timer = flow.scheduler.schedule(() => {
      waiting.done({ error: new HookTimeoutError(label === name ? name : `${name} "${label}"`, subjectOf(flow, run), timeout) });
    }, timeout);
  }
  return waiting;
}

function subjectOf(flow: FlowRun, run: HookedRunIds | undefined): string {
  return run === undefined ? `flow "${flow.name}"` : `task run "${run.runName}" (task "${run.taskName}")`;
}

/** A hook failed: a `hook-failed` event and a line in the flow's log, naming the hook and the run. */
function reportHook(flow: FlowRun, name: HookName, label: string, run: HookedRunIds | undefined, error: unknown, timedOut: boolean): void {
  const hook = label === name ? name : `${name} "${label}"`;
  const message = timedOut ? describeError(error) : `hook ${hook} of ${subjectOf(flow, run)} threw: ${describeError(error)}`;
  if (flow.hasListeners) {
    flow.emit({
      type: 'hook-failed',
      timestamp: flow.scheduler.now(),
      flowRunId: flow.id,
      flowName: flow.name,
      hook: name,
      hookFunction: label,
      run: run === undefined ? undefined : { runId: run.runId, runName: run.runName, taskName: run.taskName },
      timedOut,
      error,
      message,
    });
  }
  const fields = { flowName: flow.name, flowRunId: flow.id, hook: name, ...(run === undefined ? {} : { runId: run.runId, runName: run.runName, taskName: run.taskName }) };
  const logger = flow.logger;
  if (logger === undefined) console.error(`[${flow.name}${run === undefined ? '' : ` / ${run.runName}`}] ${message}`);
  else logger.error(fields, message);
}
