/**
 * `flow()`: a function whose task runs share a runner, an event stream, and an end: a flow does
 * not settle while runs it started are still going.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import { describeValue, isSluiceError } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { CancelledError } from '../core/errors/cancelled.js';
import { FailedRunsError, FlowTimeoutError, UnobservedFailuresError, type UnobservedFailure } from '../core/errors/flow.js';
import type { FlowEvent } from '../core/events.js';
import { scopeStorage } from '../core/scope-storage.js';
import { FlowRun, type FlowParent, type TrackedRun } from '../engine/flow-run.js';
import { parentScope } from '../engine/scope.js';
import { awaitRuns } from '../engine/await.js';
import { Run } from '../engine/run.js';
import { findUpstreams, substituteUpstreams } from '../engine/upstream.js';
import { TaskFutureList } from './future.js';
import { ConcurrentTaskRunner } from '../runners/concurrent.js';
import { attachObservers } from '../observers/attach.js';
import { capturePrints } from '../core/log-prints.js';
import { FlowInWorkerImportError } from '../runners/remote/errors.js';
import { taskModuleImport } from '../runners/remote/task-module-import.js';
import { homeOf } from '../limits/limits.js';
import { compileHooks, type FlowHook, type HookedFlowRun, type HookLists, type OneOrMany } from '../core/hooks.js';
import type { CompletedState, State } from '../core/states.js';
import { callHooks } from '../engine/hooks.js';
import { checkCacheOptions, mergeCacheOptions } from '../cache/cache-options.js';
import type { Type } from 'io-ts';
import { type StandardSchemaV1 } from '../core/codecs.js';
import { InvalidFlowParamsError } from '../core/errors/codec.js';
import type { SchemaInput, SchemaOutput } from './task-options.js';
import { checkFlowOptions, compileFlowRunName, compileParams, type FlowCall, type FlowOptions } from './flow-options.js';
import type { FlowResult } from './flow-result.js';

/**
 * A running flow: its id, its events, and its result. Returned by {@link Flow.start}.
 *
 * @example
 * ```ts
 * import { flow, type FlowRunHandle } from 'sluice';
 * const handle: FlowRunHandle<string> = flow({ name: 'demo' }, async () => 'done').start();
 * handle.events$.subscribe((event) => console.log(event.type));
 * console.log(handle.id, await handle.result());
 * ```
 */
export interface FlowRunHandle<R> {
  readonly id: string;
  readonly name: string;
  /** Every flow and run event, from `flow-started` to `flow-finished`, then completes. */
  readonly events$: Observable<FlowEvent>;
  /** The flow's result, once every run it started has finished. */
  result(): Promise<FlowResult<R>>;
  /**
   * Cancels the flow run: every run and subflow that has not finished is cancelled, and
   * `result()` rejects with a `CancelledError` whose `cause` is `reason`.
   */
  cancel(reason?: string): void;
}

/**
 * A flow: call it to run it; `start` to run it with a handle on its events.
 *
 * @example
 * ```ts
 * import { flow, task, type Flow } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const pipeline: Flow<[number[]], number[]> = flow({ name: 'pipeline' }, (xs: number[]) => double.map(xs).result());
 * console.log(await pipeline([1, 2])); // [2, 4]
 * ```
 */
export interface Flow<A extends unknown[], R> {
  (...args: A): Promise<FlowResult<R>>;
  readonly name: string;
  /**
   * Runs the flow and returns a handle at once. The body starts on the flow's scheduler (not
   * synchronously), so a subscriber to `events$` added right away sees every event.
   */
  start(...args: A): FlowRunHandle<R>;
  /**
   * A copy of the flow with other options, for one call or many: `signal` is added to the
   * flow's own (aborting either cancels the call), the others replace the flow's. A `name`
   * renames the copy: its events, handle and errors use the new name.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const mirror = flow({ name: 'mirror' }, async (url: string) => url);
   * // The time-out starts with this call, not when the module loaded.
   * console.log(await mirror.with({ signal: AbortSignal.timeout(60_000) })('https://example.com/'));
   * ```
   */
  with(options: Partial<Omit<FlowOptions, 'params'>>): Flow<A, R>;
}

/** The delay (ms) before retry `retry` of a flow (1 for the first): the list's last repeats. */
function flowRetryDelay(delay: number | readonly number[] | undefined, retry: number): number {
  if (delay === undefined) return 0;
  if (typeof delay === 'number') return delay;
  return delay[Math.min(retry, delay.length) - 1] ?? 0;
}

/** A failed run as a flow's failure errors list it. */
function failureOf(run: TrackedRun): UnobservedFailure {
  return { runId: run.id, runName: run.name, taskName: run.taskName, error: run.failureError() };
}

/** The runs that did not complete, each once, in the order given. */
function failuresAmong(runs: readonly Run<unknown>[]): Run<unknown>[] {
  const seen = new Set<Run<unknown>>();
  const failed: Run<unknown>[] = [];
  for (const run of runs) {
    if (run.isCompleted || seen.has(run)) continue;
    seen.add(run);
    failed.push(run);
  }
  return failed;
}

/** Replaces futures in a flow's return value by their values (at any depth, like arguments). */
function resolveReturn(flowName: string, value: unknown, done: (error: unknown, result?: unknown) => void): void {
  // Callbacks, not Promises: a flow whose body is synchronous ends in the same virtual frame.
  if (value instanceof Run) {
    // One future: the flow fails as its run did, with its error.
    const run = value as Run<unknown>;
    run.markObserved();
    awaitRuns([run], { timeout: undefined, scheduler: rxjs().asyncScheduler, stopOnFailure: false }, () => {
      if (run.isCompleted) done(undefined, run.outcomeValue());
      else done(run.failureError() ?? new Error(`flow "${flowName}": its result failed`));
    });
    return;
  }
  let runs: Run<unknown>[];
  let substitute: () => unknown;
  if (value instanceof TaskFutureList) {
    runs = [...(value as TaskFutureList<unknown>)] as Run<unknown>[];
    substitute = () => runs.map((run) => run.outcomeValue());
  } else {
    const upstreams = findUpstreams([value], undefined, undefined);
    if (upstreams === undefined) {
      done(undefined, value);
      return;
    }
    runs = upstreams.map((up) => up.run as Run<unknown>);
    substitute = () => substituteUpstreams([value], upstreams)[0];
  }
  for (const run of runs) run.markObserved();
  // Every returned run is waited for, so a failure report names all of them, not the first.
  awaitRuns(runs, { timeout: undefined, scheduler: rxjs().asyncScheduler, stopOnFailure: false }, () => {
    const failed = failuresAmong(runs);
    if (failed.length === 0) {
      done(undefined, substitute());
      return;
    }
    const distinct = new Set(runs).size;
    done(
      new FailedRunsError(
        flowName,
        distinct,
        failed.map(failureOf),
      ),
    );
  });
}

/** The flow run as its hooks see it. */
function hookedFlowRun(flowRun: FlowRun): HookedFlowRun {
  return { id: flowRun.id, name: flowRun.name, parameters: flowRun.parameters, parentFlowRunId: flowRun.parent?.flow.id };
}

/** The hooks a flow run's end calls, and the state they are given; undefined when it has none for it. */
function flowHookFor(
  flowRun: FlowRun,
  hooks: HookLists,
  error: unknown,
  value: unknown,
  timestamp: number,
): { readonly name: 'onCompletion' | 'onFailure' | 'onCancellation' | 'onCrashed'; readonly list: NonNullable<HookLists['onCompletion']>; readonly state: State } | undefined {
  let name: 'onCompletion' | 'onFailure' | 'onCancellation' | 'onCrashed';
  let state: State;
  if (flowRun.cancellation !== undefined && !flowRun.timedOut) {
    name = 'onCancellation';
    state = { type: 'Cancelled', name: 'Cancelled', error, timestamp };
  } else if (error === undefined) {
    name = 'onCompletion';
    state = { type: 'Completed', name: 'Completed', value, timestamp };
  } else if (isSluiceError(error) && error.crashed) {
    // What runs the bodies broke (a worker thread died, Redis went away), not the flow's code.
    name = 'onCrashed';
    state = { type: 'Crashed', name: 'Crashed', error, timestamp };
  } else {
    name = 'onFailure';
    state = { type: 'Failed', name: 'Failed', error, timestamp };
  }
  const list = hooks[name];
  return list === undefined ? undefined : { name, list, state };
}

function runFlow<A extends unknown[], R>(options: FlowCall, fn: (...args: A) => R | PromiseLike<R>, given: A, flowRun: FlowRun): Promise<FlowResult<R>> {
  const scheduler = flowRun.scheduler;
  const parent = flowRun.parent;
  return new Promise<FlowResult<R>>((resolve, reject) => {
    let startError: { error: unknown } | undefined;
    let args = given;
    if (options.checkArgs !== undefined) {
      const checked = options.checkArgs(given);
      if (checked.ok) {
        // The function, its run name and its hooks see the schema's output.
        args = checked.value as A;
        flowRun.parameters = args;
      } else {
        startError = { error: new InvalidFlowParamsError({ flowName: flowRun.name, flowRunId: flowRun.id }, checked.problems) };
      }
    }
    if (options.renderRunName !== undefined && startError === undefined) {
      try {
        flowRun.runName = options.renderRunName(...args);
      } catch (error) {
        startError = { error };
      }
    }
    const runName = flowRun.runName === undefined ? {} : { flowRunName: flowRun.runName };
    if (flowRun.hasListeners) {
      flowRun.emit({
        type: 'flow-started',
        timestamp: scheduler.now(),
        flowRunId: flowRun.id,
        flowName: flowRun.name,
        ...runName,
        ...(parent === undefined ? {} : { parentFlowRunId: parent.flow.id, parentRunId: parent.run?.id }),
      });
    }
    // A subflow is a run of its parent's: the parent waits for it, and cancels it with itself.
    parent?.flow.childStarted(flowRun);
    const runner = flowRun.runner;
    let opened = false;
    const stops: (() => void)[] = [];
    // Checked by flow() and with(): compiled here only into lists.
    const hooks = compileHooks(options, undefined, () => undefined as never);
    const settle = (error: unknown, value: unknown): void => {
      const hook = hooks === undefined ? undefined : flowHookFor(flowRun, hooks, error, value, scheduler.now());
      if (hook === undefined) {
        end(error, value);
        return;
      }
      callHooks(flowRun, hook.name, hook.list, hookedFlowRun(flowRun), hook.state, undefined);
      // The flow settles once its hooks have (or ran past its hookTimeout).
      flowRun.whenIdle(() => {
        end(error, value);
      });
    };
    const end = (error: unknown, value: unknown): void => {
      const cancelled = flowRun.cancellation !== undefined && !flowRun.timedOut;
      if (flowRun.hasListeners) {
        flowRun.emit({
          type: 'flow-finished',
          timestamp: scheduler.now(),
          flowRunId: flowRun.id,
          flowName: flowRun.name,
          ...runName,
          ...(flowRun.attempt > 1 ? { attempts: flowRun.attempt } : {}),
          outcome: cancelled ? 'Cancelled' : error === undefined ? 'Completed' : 'Failed',
          error,
        });
      }
      flowRun.completeEvents();
      if (error === undefined) resolve(value as FlowResult<R>);
      else reject(error);
      parent?.flow.childSettled(flowRun);
    };
    const finish = (bodyError: unknown, value?: unknown): void => {
      flowRun.close();
      for (const stop of stops.splice(0)) stop();
      const cancellation = flowRun.cancellation;
      // One error for one cause: whatever the function threw on the way (a cancelled run's
      // error, say), a cancelled flow rejects with its own cancellation.
      const error =
        cancellation === undefined
          ? bodyError
          : flowRun.timedOut
            ? new FlowTimeoutError({ flowName: flowRun.name, flowRunId: flowRun.id, attempt: flowRun.attempt, cancelledRuns: flowRun.cancelledRuns }, options.timeout ?? 0)
            : new CancelledError(
              { flowName: flowRun.name, flowRunId: flowRun.id, cancelledRuns: flowRun.cancelledRuns },
              cancellation.reason,
              cancellation.cause === undefined ? undefined : { cause: cancellation.cause },
            );
      if (!opened || runner.close === undefined) {
        settle(error, value);
        return;
      }
      // The flow settles once its runner has let go (a worker pool closed, so the process may
      // exit); a failure to let go is not the flow's failure.
      const closed = (): void => {
        settle(error, value);
      };
      runner.close().then(closed, closed);
    };
    // What cancels this call: its signals, the task run that called it, its parent flow.
    for (const signal of options.signals ?? []) {
      if (signal.aborted) {
        flowRun.cancel({ reason: 'its signal was aborted', cause: signal.reason });
        break;
      }
      const onAbort = (): void => {
        flowRun.cancel({ reason: 'its signal was aborted', cause: signal.reason });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stops.push(() => {
        signal.removeEventListener('abort', onAbort);
      });
    }
    const parentRun = parent?.run;
    if (parentRun !== undefined && flowRun.cancellation === undefined) {
      const signal = parentRun.signal;
      const onAbort = (): void => {
        flowRun.cancel({ reason: `the task run "${parentRun.name}" that called it was stopped`, cause: signal.reason });
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        stops.push(() => {
          signal.removeEventListener('abort', onAbort);
        });
      }
    }
    const parentCancellation = parent?.flow.cancellation;
    if (parentCancellation !== undefined) {
      flowRun.cancel({ reason: `its parent flow "${parent?.flow.name ?? ''}" was cancelled`, cause: parentCancellation.cause });
    }
    if (flowRun.cancellation !== undefined) {
      // Cancelled before it began: nothing starts, not even the runner.
      finish(undefined);
      return;
    }
    if (startError !== undefined) {
      // Its arguments did not fit, or its name could not be rendered: it fails before its function is called.
      finish(startError.error);
      return;
    }
    opened = true;
    runner.open?.();
    const onRunning = hooks?.onRunning;
    const retries = options.retries ?? 0;
    const timeout = options.timeout;
    let attemptTimer: { unsubscribe(): void } | undefined;
    const stopTimer = (): void => {
      attemptTimer?.unsubscribe();
      attemptTimer = undefined;
    };
    stops.push(stopTimer);
    // An attempt failed: run the function again after the delay while retries remain, else fail.
    // A cancelled (or timed-out) flow run is not retried.
    const attemptFailed = (error: unknown): void => {
      stopTimer();
      const attempt = flowRun.attempt;
      if (flowRun.cancellation !== undefined || attempt > retries) {
        finish(error);
        return;
      }
      const wait = scheduler.schedule(() => {
        flowRun.onCancel = undefined;
        flowRun.nextAttempt();
        runAttempt();
      }, flowRetryDelay(options.retryDelay, attempt));
      flowRun.onCancel = () => {
        wait.unsubscribe();
        finish(undefined);
      };
    };
    const afterBody = (bodyError: { error: unknown } | undefined, value: unknown): void => {
      if (bodyError !== undefined) flowRun.cancelAll(`flow "${flowRun.name}" failed`);
      else if (options.onExit === 'cancel') flowRun.cancelAll(`flow "${flowRun.name}" returned (onExit: 'cancel')`);
      flowRun.whenIdle(() => {
        if (bodyError !== undefined) {
          attemptFailed(bodyError.error ?? new Error(`flow "${flowRun.name}" failed`));
          return;
        }
        if (flowRun.cancellation !== undefined) {
          finish(undefined);
          return;
        }
        resolveReturn(flowRun.name, value, (error, result) => {
          if (error !== undefined) {
            attemptFailed(error);
            return;
          }
          const unobserved = flowRun.unobservedFailures();
          if (unobserved.length > 0) {
            attemptFailed(
              new UnobservedFailuresError(
                flowRun.name,
                unobserved.map(failureOf),
              ),
            );
          } else {
            finish(undefined, result);
          }
        });
      });
    };
    const runAttempt = (): void => {
      // As a task's: on every attempt (Prefect 3.5+).
      if (onRunning !== undefined) {
        callHooks(flowRun, 'onRunning', onRunning, hookedFlowRun(flowRun), { type: 'Running', name: flowRun.attempt === 1 ? 'Running' : 'Retrying', attempt: flowRun.attempt, timestamp: scheduler.now() }, undefined);
      }
      if (timeout !== undefined) {
        attemptTimer = scheduler.schedule(() => {
          attemptTimer = undefined;
          if (flowRun.cancellation !== undefined) return;
          flowRun.timedOut = true;
          flowRun.cancel({ reason: `it ran past its timeout of ${timeout}ms`, cause: undefined });
        }, timeout);
      }
      let out: R | PromiseLike<R>;
      try {
        out = scopeStorage.run(flowRun, () => fn(...args));
      } catch (error) {
        afterBody({ error }, undefined);
        return;
      }
      if (typeof out === 'object' && out !== null && typeof (out as PromiseLike<R>).then === 'function') {
        (out as PromiseLike<R>).then(
          (value) => {
            afterBody(undefined, value);
          },
          (error: unknown) => {
            afterBody({ error }, undefined);
          },
        );
      } else {
        afterBody(undefined, out);
      }
    };
    runAttempt();
  });
}

/**
 * Defines a flow. Calling it runs `fn` with task runs going to the flow's runner, waits for every
 * run it started (Prefect does not), and resolves to `fn`'s value (futures in it are replaced by
 * their values). It rejects with `fn`'s error, or with an `UnobservedFailuresError` when runs
 * failed and the flow's code never looked at them. Called or started by a module that a worker
 * thread or `sluice worker` is importing, it throws a {@link FlowInWorkerImportError} (guard the
 * call with {@link isMainModule}).
 *
 * @typeParam S - a Standard Schema given as `params`: the flow is called with its input
 * @typeParam F - the flow function, when `params` is a Standard Schema: it gets the schema's output
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, task } from 'sluice';
 *
 * const addTogether = task('add_together', (x: number, y: number) => x + y);
 * const sumIt = flow(
 *   { name: 'sum_it', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 2 }) },
 *   (numbers: number[], staticValue: number) => addTogether.map(numbers, staticValue).result(),
 * );
 * console.log(await sumIt([1, 2, 3], 5)); // [6, 7, 8]
 * ```
 */
export function flow<S extends StandardSchemaV1<unknown, unknown[]>, F extends (...args: SchemaOutput<S>) => unknown>(
  options: Omit<FlowOptions, 'params' | 'onCompletion'> & { readonly params: S } & TypedCompletion<Awaited<ReturnType<NoInfer<F>>>>,
  fn: F,
): Flow<SchemaInput<S>, Awaited<ReturnType<F>>>;
export function flow<A extends unknown[], R>(
  options: Omit<FlowOptions, 'params' | 'onCompletion'> & { readonly params: Type<A, unknown, unknown> } & TypedCompletion<Awaited<NoInfer<R>>>,
  fn: (...args: A) => R | PromiseLike<R>,
): Flow<A, Awaited<R>>;
export function flow<A extends unknown[], R>(
  nameOrOptions: string | (Omit<FlowOptions, 'onCompletion'> & TypedCompletion<Awaited<NoInfer<R>>>),
  fn: (...args: A) => R | PromiseLike<R>,
): Flow<A, Awaited<R>>;
export function flow(nameOrOptions: string | FlowOptions, fn: (...args: unknown[]) => unknown): Flow<unknown[], unknown> {
  const options: FlowOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  if (options === null || typeof options !== 'object' || typeof options.name !== 'string' || options.name.trim() === '') {
    throw new InvalidArgumentError(`flow(): the name must be a non-empty string, got ${String((options as FlowOptions | null)?.name)}`);
  }
  if (typeof fn !== 'function') throw new InvalidArgumentError(`flow "${options.name}": expected a function, got ${typeof fn}`);
  checkFlowOptions(options);
  return makeFlow(
    {
      ...options,
      renderRunName: compileFlowRunName(options, fn),
      checkArgs: compileParams(options.name, options.params),
      signals: options.signal === undefined ? [] : [options.signal],
    },
    fn,
  );
}

/**
 * A flow's `onCompletion` hooks, typed by what the flow resolves to (`state.value`).
 *
 * @internal
 */
type TypedCompletion<R> = { readonly onCompletion?: OneOrMany<FlowHook<CompletedState<FlowResult<R>>>> };

function makeFlow<A extends unknown[], R>(options: FlowCall, fn: (...args: A) => R): Flow<A, R> {
  const call = (...args: A): Promise<FlowResult<R>> => {
    refuseInWorkerImport(options.name);
    let flowRun: FlowRun;
    try {
      flowRun = newFlowRunFor(options, parentScope());
      flowRun.parameters = args;
    } catch (error) {
      // A recording file that cannot be opened, say: the call's failure, not a throw.
      return Promise.reject(error);
    }
    return runFlow(options, fn, args, flowRun);
  };
  const start = (...args: A): FlowRunHandle<R> => {
    refuseInWorkerImport(options.name);
    const flowRun = newFlowRunFor(options, parentScope());
    flowRun.parameters = args;
    return startFlowRun(options, fn, args, flowRun);
  };
  const withOptions = (more: Partial<Omit<FlowOptions, 'params'>>): Flow<A, R> => {
    if (more === null || typeof more !== 'object') {
      throw new InvalidArgumentError(`flow "${options.name}": with() takes an options object, got ${describeValue(more)}`);
    }
    const name = more.name ?? options.name;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new InvalidArgumentError(`flow "${options.name}": with(): the name must be a non-empty string, got ${describeValue(name)}`);
    }
    if ((more as Partial<FlowOptions>).params !== undefined) {
      throw new InvalidArgumentError(`flow "${options.name}": \`params\` is set by flow(), not with()`);
    }
    checkFlowOptions({ ...more, name });
    const renderRunName = more.flowRunName === undefined ? options.renderRunName : compileFlowRunName({ ...more, name }, fn);
    const { signal, ...rest } = more;
    return makeFlow({ ...options, ...rest, name, renderRunName, signals: signal === undefined ? options.signals : [...(options.signals ?? []), signal] }, fn);
  };
  return Object.defineProperties(call, {
    name: { value: options.name },
    start: { value: start },
    with: { value: withOptions },
  }) as unknown as Flow<A, R>;
}

/**
 * Throws when a sluice worker is importing the module that starts this flow: at the top level of a
 * task module, the flow would run again in every worker thread, each with a pool of its own. A
 * throw, not a rejected promise: the module's import then fails however the call's promise is
 * used (awaited, `.then`, `.catch`, or not at all), and the worker reports it once.
 */
function refuseInWorkerImport(name: string): void {
  const importing = taskModuleImport();
  if (importing === undefined) return;
  importing.flows.push(name);
  throw new FlowInWorkerImportError(name, importing.importer, importing.module);
}

/**
 * Starts a flow run on its scheduler and returns its handle. With `recordEvents`, every event is
 * kept for subscribers that come later (`sluice/testing` uses it).
 *
 * @internal
 */
export function startFlowRun<A extends unknown[], R>(
  options: FlowCall,
  fn: (...args: A) => R | PromiseLike<R>,
  args: A,
  flowRun: FlowRun,
  recordEvents = false,
): FlowRunHandle<R> {
  if (recordEvents) flowRun.recordEvents();
  let settle: { resolve: (v: FlowResult<R>) => void; reject: (e: unknown) => void } | undefined;
  const result = new Promise<FlowResult<R>>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Unhandled until someone asks for it: the caller may only want the events.
  result.catch(() => undefined);
  flowRun.scheduler.schedule(() => {
    void runFlow(options, fn, args, flowRun).then(settle?.resolve, settle?.reject);
  });
  return {
    id: flowRun.id,
    name: options.name,
    events$: flowRun.events$,
    result: () => result,
    cancel: (reason?: string) => {
      flowRun.cancel({ reason: reason ?? 'cancel() was called', cause: reason });
    },
  };
}

/** A new flow run for these options, with the consumers they ask for subscribed to its events. @internal */
export function newFlowRunFor(options: FlowOptions, parent?: FlowParent): FlowRun {
  const flowRun = new FlowRun(options.name, options.taskRunner ?? new ConcurrentTaskRunner(), options.scheduler ?? rxjs().asyncScheduler, true, parent);
  flowRun.logger = options.logger;
  if (options.logPrints !== undefined) flowRun.logPrints = options.logPrints;
  if (flowRun.logPrints) capturePrints();
  if (options.hookTimeout !== undefined) flowRun.hookTimeout = options.hookTimeout;
  if (options.limits !== undefined) flowRun.limits = homeOf(options.limits);
  const cache = checkCacheOptions(options, () => undefined as never);
  if (cache !== undefined) flowRun.cache = mergeCacheOptions(flowRun.cache, cache);
  attachObservers(flowRun, options);
  return flowRun;
}
