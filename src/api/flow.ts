/**
 * `flow()`: a function whose task runs share a runner, an event stream, and an end: a flow does
 * not settle while runs it started are still going.
 *
 * @module
 */
import type { Tracer } from '@opentelemetry/api';
import type { Observable, SchedulerLike } from 'rxjs';
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
import type { TaskFuture } from '../core/future.js';
import type { Opaque, Quoted } from '../core/annotations.js';
import { TaskFutureList } from './future.js';
import { ConcurrentTaskRunner } from '../runners/concurrent.js';
import type { TaskRunner } from '../runners/runner.js';
import { attachObservers } from '../observers/attach.js';
import { isLogger, type Logger } from '../core/logger.js';
import { capturePrints } from '../core/log-prints.js';
import { FlowInWorkerImportError } from '../runners/remote/errors.js';
import { taskModuleImport } from '../runners/remote/task-module-import.js';
import type { RecordSink } from '../observers/record.js';
import { checkOptionKeys, type KeyList } from '../core/option-keys.js';
import { homeOf, type Limits } from '../limits/limits.js';
import { compileHooks, type FlowHook, type FlowHookOptions, type HookedFlowRun, type HookLists, type OneOrMany } from '../core/hooks.js';
import type { CompletedState, State } from '../core/states.js';
import { callHooks } from '../engine/hooks.js';
import { compileRunName, parameterNames } from '../engine/run-names.js';
import { CACHE_OPTION_KEYS, checkCacheOptions, mergeCacheOptions, type CacheOptions } from '../cache/cache-options.js';
import type { Decoder, Mixed, Type } from 'io-ts';
import { checkParams, checkSchemaParams, isStandardSchema, type SchemaCheck, type StandardSchemaV1 } from '../core/codecs.js';
import { InvalidFlowParamsError } from '../core/errors/codec.js';
import type { SchemaInput, SchemaOutput } from './task-options.js';

/**
 * Options of {@link flow}.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, type FlowOptions } from 'sluice';
 * const options: FlowOptions = { name: 'nightly', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 4 }), onExit: 'cancel' };
 * const nightly = flow(options, async () => 'done');
 * console.log(await nightly()); // done
 * ```
 */
export interface FlowOptions extends CacheOptions, FlowHookOptions {
  /** The flow's name, used in events and errors. */
  readonly name: string;
  /**
   * The name of each run of the flow, as Prefect's `flow_run_name`: a template such as
   * `'sync-{day}'` naming the flow function's parameters (or their positions, `{0}`, and paths
   * into them, `{config.name}`), or a function of the flow's arguments. It is rendered when the
   * run starts, and carried as `flowRunName` by its `flow-started` and `flow-finished` events and
   * recording. A template naming no parameter throws an `InvalidArgumentError` when the flow is
   * defined; a function that throws fails the run before its function is called.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const sync = flow({ name: 'sync', flowRunName: 'sync-{day}' }, async (day: string) => day.length);
   * const handle = sync.start('monday');
   * handle.events$.subscribe((event) => {
   *   if (event.type === 'flow-started') console.log(event.flowRunName); // sync-monday
   * });
   * await handle.result();
   * ```
   *
   * @defaultValue none: events carry no `flowRunName`
   */
  readonly flowRunName?: string | ((...args: never[]) => string);
  /**
   * Checks the flow's arguments when it is called, before anything runs, as Prefect validates a
   * flow's parameters: an io-ts codec for the argument tuple (`t.tuple([...])`) or a Standard
   * Schema of it (zod's `z.tuple([...])`, valibot's `v.tuple([...])`, ArkType). A misfit fails
   * the flow run before its function is called (no run starts, `onRunning` hooks are not called,
   * `onFailure` hooks are) with an {@link InvalidFlowParamsError} (code `INVALID_FLOW_PARAMS`)
   * that names each argument; it is not retried. A schema's output is what the function gets,
   * and what `flowRunName` is rendered from. It must validate synchronously. Set by `flow()`, not
   * `with()`. With a schema, the function's parameters are typed from its output and the flow's
   * from its input.
   *
   * @example
   * ```ts
   * import { z } from 'zod';
   * import { flow } from 'sluice';
   * const Day = z.string().date().transform((s) => new Date(s));
   * const report = flow({ name: 'report', params: z.tuple([Day, z.number().int().positive()]) }, (day, top) =>
   *   `${day.toISOString().slice(0, 10)}: top ${top}`,
   * );
   * console.log(await report('2026-12-06', 3)); // 2026-12-06: top 3
   * await report('2026-12-06', -1).catch((e: Error) => console.log(e.message)); // flow "report" (flow run …): invalid arguments: argument 1: Number must be greater than 0
   * ```
   *
   * @defaultValue no check
   */
  readonly params?: Decoder<unknown, unknown[]> | StandardSchemaV1<unknown, unknown[]>;
  /**
   * How many times a failed flow run runs its function again, as Prefect's flow `retries`. A run
   * fails when its function throws or rejects, or its runs failed as the flow reports them
   * (`RUNS_FAILED`, `UNOBSERVED_FAILURES`); every attempt is the same flow run (one id, one event
   * stream, one `flow-finished`), waits for the previous attempt's runs to end first, and starts
   * its runs afresh (they are named on from the last attempt's). A cancelled or timed-out flow
   * run is not retried. With no retry left, the flow rejects with the last attempt's error.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * let calls = 0;
   * const flaky = flow({ name: 'flaky', retries: 2, retryDelay: 10 }, () => {
   *   if (++calls < 3) throw new Error('down');
   *   return calls;
   * });
   * console.log(await flaky()); // 3
   * ```
   *
   * @defaultValue 0
   */
  readonly retries?: number;
  /**
   * The delay (ms) before each retry of the flow: one number, or a list (the n-th retry waits the
   * n-th delay; the last repeats). Waited on the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * let calls = 0;
   * // Waits 100 ms before the first retry, 1 s before the second and each after it.
   * const sync = flow({ name: 'sync', retries: 3, retryDelay: [100, 1000] }, () => {
   *   if (++calls < 2) throw new Error('busy');
   *   return calls;
   * });
   * console.log(await sync()); // 2
   * ```
   *
   * @defaultValue 0
   */
  readonly retryDelay?: number | readonly number[];
  /**
   * The time limit (ms) of each attempt of the flow, from its function's call to its runs' end.
   * Past it, the flow's unfinished runs and subflows are cancelled (they end `Cancelled`) and,
   * once its function has returned, the flow rejects with a {@link FlowTimeoutError} that gives
   * the limit; it is not retried. The time goes by on the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow, isSluiceError, task } from 'sluice';
   * const hang = task('hang', () => new Promise<number>(() => {}));
   * const nightly = flow({ name: 'nightly', timeout: 50 }, () => hang.submit());
   * const err = await nightly().catch((e: unknown) => e);
   * console.log(isSluiceError(err, 'FLOW_TIMED_OUT')); // true
   * ```
   *
   * @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * Where the flow's task runs run.
   *
   * @defaultValue a new `ConcurrentTaskRunner()` per flow run (no limit)
   */
  readonly taskRunner?: TaskRunner;
  /**
   * The scheduler for every delay and time-stamp in the flow (retry delays, time-outs, waits).
   * Pass a `TestScheduler` to run the flow in virtual time.
   *
   * @defaultValue `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike;
  /**
   * What happens to runs still going when the flow's function returns: `'wait'` for them, or
   * `'cancel'` them. A flow whose function throws always cancels what is left.
   *
   * @defaultValue `'wait'`
   */
  readonly onExit?: 'wait' | 'cancel';
  /**
   * Aborting this signal cancels the flow: every unfinished run and subflow is cancelled, and
   * the flow rejects with a `CancelledError` whose `cause` is the signal's `reason`. A flow
   * called with a signal that has already fired starts nothing and rejects at once. Given here,
   * the signal covers every call of the flow; for one call, use `myFlow.with({ signal })(...args)`.
   *
   * @defaultValue no signal
   */
  readonly signal?: AbortSignal;
  /**
   * Records every event of each run of the flow: a file path (written as JSON lines, one per
   * event, complete when the flow settles; `sluice timeline` draws it) or a function called with
   * each event. Runs in one process that record to one path share the file, each line whole: the
   * first starts it afresh, the others append. `{flowRunId}` in the path gives each run a file
   * of its own. The format is {@link RecordedEvent}, version {@link RECORD_FORMAT_VERSION}.
   *
   * @defaultValue no recording
   */
  readonly record?: RecordSink;
  /**
   * Where task bodies' `getRunContext().logger` writes: a logger with pino's methods (`info`,
   * `warn`, `error`, `debug`, and `child` when it has one), with the flow's and run's names bound
   * to every line.
   *
   * @defaultValue the console, as `12:00:01.123 INFO  [flow / run] message`
   */
  readonly logger?: Logger;
  /**
   * Sends what the flow's function and its tasks' bodies print with `console.log` and
   * `console.info` to the flow's `logger` (or the console's, tagged), at `info`, as Prefect's
   * `log_prints`: a body's line carries its run's fields, as `getRunContext().logger`'s do, and a
   * line of the function (or of a hook) the flow's. A task's own `logPrints` wins over the flow's
   * (`false` opts out); subflows take their parent's unless given their own. Prints are told apart
   * by async context, so concurrent bodies never take each other's. Bodies on worker threads and
   * `sluice worker` processes print as they are, where they run (see "Logging" in
   * docs/observability.md).
   *
   * @example
   * ```ts
   * import { flow, task } from 'sluice';
   * const load = task('load', () => {
   *   console.log('loading'); // 12:00:01.123 INFO  [etl / load-0] loading
   *   return 120;
   * });
   * const etl = flow({ name: 'etl', logPrints: true }, async () => {
   *   const rows = await load();
   *   console.info('%d rows', rows); // 12:00:01.124 INFO  [etl] 120 rows
   *   return rows;
   * });
   * await etl();
   * ```
   *
   * @defaultValue the parent flow's, else `false`
   */
  readonly logPrints?: boolean;
  /**
   * A live progress bar on stderr for the flow's runs (done, failed, running, total, rate, ETA),
   * shown once the flow has run for half a second; task output printed meanwhile goes above it.
   * `true` forces it: where stderr is not a terminal (or `TERM=dumb`), that is a plain line every
   * 10 s and one at the end. See "Progress" in docs/observability.md.
   *
   * @defaultValue `true` when stderr is a terminal, `TERM` is not `dumb` and `CI` is unset (or
   * empty, `0` or `false`), else `false`
   */
  readonly progress?: boolean;
  /**
   * The OpenTelemetry tracer for the flow's spans: a span per flow run, a child span per task run
   * (see "Tracing" in docs/observability.md). Given, it is used whether or not an SDK is registered globally.
   *
   * @example
   * ```ts
   * import { trace } from '@opentelemetry/api';
   * import { flow } from 'sluice';
   * const etl = flow({ name: 'etl', tracer: trace.getTracer('my-app') }, async () => 1);
   * ```
   *
   * @defaultValue the registered SDK's tracer (`trace.getTracer('sluice')`); when no SDK is
   * registered, no spans and no cost
   */
  readonly tracer?: Tracer;
  /**
   * Shared limits, made by `concurrencyLimits()`: its concurrency limits gate the runs of tasks
   * with `tags` of the same names, and `concurrency()`/`rateLimit()` in its bodies use them.
   * Subflows use their parent's unless given their own. Flows given the same object share its counts.
   *
   * @defaultValue the parent flow's, else the process's default (`setDefaultLimits`), else none
   */
  readonly limits?: Limits;
  /**
   * How long (ms) the flow waits for each call of a state hook (its own, or its tasks') that
   * returns a Promise or an Observable. One past it is reported as a hook that threw is (a
   * `hook-failed` event, a line in the log, a `HookTimeoutError`), and the flow settles without
   * it. `Infinity` waits as long as it takes. Delays go through the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const notify = () => new Promise<void>(() => {}); // a webhook that never answers
   * const etl = flow({ name: 'etl', hookTimeout: 2000, onCompletion: notify }, () => 1);
   * console.log(await etl()); // 1, two seconds later; the hook is reported as timed out
   * ```
   *
   * @defaultValue `DEFAULT_HOOK_TIMEOUT` (30 s)
   */
  readonly hookTimeout?: number;
}

/**
 * A future's value type; anything else as it is.
 *
 * @example
 * ```ts
 * import { task, type FutureValue, type TaskFuture } from 'sluice';
 * const future: TaskFuture<number> = task('one', () => 1).submit();
 * const value: FutureValue<typeof future> = await future.result(); // number
 * ```
 */
export type FutureValue<T> = T extends TaskFuture<infer U> ? U : T;

/**
 * Whether a type holds a future (or a `quote`/`opaque` wrapper) within a few levels of arrays,
 * objects, Maps and Sets. The depth is bounded so the compiler never recurses for ever.
 *
 * @internal
 */
type HoldsFuture<R, D extends readonly unknown[] = []> = D['length'] extends 6
  ? false
  : R extends TaskFuture<unknown> | Quoted<unknown> | Opaque<unknown>
    ? true
    : R extends ReadonlyMap<unknown, infer V>
      ? HoldsFuture<V, [...D, 0]>
      : R extends ReadonlySet<infer E>
        ? HoldsFuture<E, [...D, 0]>
        : R extends readonly (infer E)[]
          ? HoldsFuture<E, [...D, 0]>
          : R extends (...args: never[]) => unknown
            ? false
            : R extends object
              ? true extends HoldsFuture<R[keyof R], [...D, 0]>
                ? true
                : false
              : false;

/**
 * What a flow resolves to: a returned future or list is replaced by its value(s), and so are
 * futures at any depth inside returned arrays, plain objects, Maps and Sets; `quote(x)` is `x`.
 * A type with no future in it is kept as it is.
 *
 * @example
 * ```ts
 * import { flow, task, type FlowResult } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const body = () => ({ a: double.submit(1), deep: { b: [double.submit(2)] }, c: 'plain' });
 * const out: FlowResult<ReturnType<typeof body>> = await flow({ name: 'demo' }, body)();
 * console.log(out); // { a: 2, deep: { b: [4] }, c: 'plain' }: futures are resolved
 * ```
 */
export type FlowResult<R> =
  R extends TaskFutureList<infer T>
    ? T[]
    : R extends TaskFuture<infer T>
      ? T
      : R extends readonly unknown[]
        ? { -readonly [K in keyof R]: FlowResult<R[K]> }
        : R extends object
          ? true extends HoldsFuture<R>
            ? R extends Quoted<infer T>
              ? T
              : R extends Opaque<infer T>
                ? T
                : R extends ReadonlyMap<infer K, infer V>
                  ? Map<K, FlowResult<V>>
                  : R extends ReadonlySet<infer E>
                    ? Set<FlowResult<E>>
                    : { [K in keyof R]: FlowResult<R[K]> }
            : R
          : R;

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

/** What a flow is called with: its options, and every signal that cancels this call. @internal */
export interface FlowCall extends FlowOptions {
  readonly name: string;
  /** `flowRunName`, compiled against the flow function's parameters. */
  readonly renderRunName?: ((...args: unknown[]) => string) | undefined;
  /** The flow's own `signal` and those added by `with`: any of them cancels the call. */
  readonly signals?: readonly AbortSignal[] | undefined;
  /** `params`, compiled: the arguments the function gets, or the problems. */
  readonly checkArgs?: ((args: readonly unknown[]) => SchemaCheck) | undefined;
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

/** A flow's `params` as a check of its arguments; throws an `InvalidArgumentError` for a bad one. */
function compileParams(flowName: string, params: unknown): ((args: readonly unknown[]) => SchemaCheck) | undefined {
  if (params === undefined) return undefined;
  // A Standard Schema first: a library could give its schemas an `is` and a `decode` too.
  if (isStandardSchema(params)) return (args) => checkSchemaParams(params, args);
  const candidate: { readonly is?: unknown; readonly decode?: unknown } | null = typeof params === 'object' ? params : null;
  if (candidate === null || typeof candidate.is !== 'function' || typeof candidate.decode !== 'function') {
    throw new InvalidArgumentError(
      `flow "${flowName}": \`params\` must be an io-ts codec (with \`is\` and \`decode\`) or a Standard Schema (zod, valibot, ArkType: with \`~standard\`) of the argument list, got ${describeValue(params)}`,
    );
  }
  const codec = params as Mixed;
  return (args) => {
    const problems = checkParams(codec, args);
    return problems.length === 0 ? { ok: true, value: args } : { ok: false, problems };
  };
}

/**
 * A flow's `onCompletion` hooks, typed by what the flow resolves to (`state.value`).
 *
 * @internal
 */
type TypedCompletion<R> = { readonly onCompletion?: OneOrMany<FlowHook<CompletedState<FlowResult<R>>>> };

/** A flow's `flowRunName` as a function of its arguments; throws an `InvalidArgumentError` for a bad one. */
function compileFlowRunName(options: Partial<FlowOptions> & { readonly name: string }, fn: (...args: never[]) => unknown): ((...args: unknown[]) => string) | undefined {
  const given: unknown = options.flowRunName;
  if (given === undefined) return undefined;
  if (typeof given === 'function') return given as (...args: unknown[]) => string;
  if (typeof given !== 'string') {
    throw new InvalidArgumentError(`flow "${options.name}": \`flowRunName\` must be a template string or a function of the arguments, got ${describeValue(given)}`);
  }
  const compiled = compileRunName(given, parameterNames(fn), 'flow');
  if (typeof compiled === 'string') throw new InvalidArgumentError(`flow "${options.name}": \`flowRunName\` ${compiled}`);
  return compiled;
}

/** The options of `flow()`: typed as a list of `FlowOptions`' keys, so a new option cannot be left out. */
const FLOW_OPTION_KEYS: readonly string[] = [
  ...Object.keys({
  name: true,
  flowRunName: true,
  params: true,
  retries: true,
  retryDelay: true,
  timeout: true,
  taskRunner: true,
  scheduler: true,
  onExit: true,
  signal: true,
  record: true,
  logger: true,
  logPrints: true,
  progress: true,
  tracer: true,
  limits: true,
  hookTimeout: true,
  onRunning: true,
  onCompletion: true,
  onFailure: true,
  onCancellation: true,
  onCrashed: true,
  } satisfies KeyList<Omit<FlowOptions, keyof CacheOptions>>),
  // Caching: defaults for the flow's tasks that set none.
  ...CACHE_OPTION_KEYS,
];

/**
 * Checks the options of `flow()` and `flow.with()`; throws an `InvalidArgumentError` naming the
 * option, or an `UnknownOptionError` for one flows do not have.
 */
function checkFlowOptions(options: Partial<FlowOptions> & { readonly name: string }): void {
  checkOptionKeys('flow', options.name, options, FLOW_OPTION_KEYS);
  if (options.record !== undefined && typeof options.record !== 'function' && (typeof options.record !== 'string' || options.record === '')) {
    throw new InvalidArgumentError(`flow "${options.name}": \`record\` must be a file path or a function, got ${String(options.record)}`);
  }
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`logger\` must have info, warn, error and debug methods (pino's interface)`);
  }
  if (options.onExit !== undefined && options.onExit !== 'wait' && options.onExit !== 'cancel') {
    throw new InvalidArgumentError(`flow "${options.name}": \`onExit\` must be 'wait' or 'cancel', got ${String(options.onExit)}`);
  }
  if (options.logPrints !== undefined && typeof options.logPrints !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`logPrints\` must be true or false, got ${describeValue(options.logPrints)}`);
  }
  if (options.progress !== undefined && typeof options.progress !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`progress\` must be true or false, got ${String(options.progress)}`);
  }
  if (options.tracer !== undefined && typeof (options.tracer as Partial<Tracer> | null)?.startSpan !== 'function') {
    throw new InvalidArgumentError(`flow "${options.name}": \`tracer\` must be an OpenTelemetry Tracer (with startSpan)`);
  }
  checkCacheOptions(options, (option, message) => {
    throw new InvalidArgumentError(`flow "${options.name}": \`${option}\` ${message}`);
  });
  if (options.limits !== undefined && homeOf(options.limits) === undefined) {
    throw new InvalidArgumentError(`flow "${options.name}": \`limits\` must be made by concurrencyLimits(), got ${describeValue(options.limits)}`);
  }
  const hookTimeout: unknown = options.hookTimeout;
  if (hookTimeout !== undefined && (typeof hookTimeout !== 'number' || Number.isNaN(hookTimeout) || hookTimeout < 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`hookTimeout\` must be a number of ms from 0 and up (or Infinity), got ${describeValue(hookTimeout)}`);
  }
  compileHooks(options, undefined, (option, message) => {
    throw new InvalidArgumentError(`flow "${options.name}": \`${option}\` ${message}`);
  });
  const retries: unknown = options.retries;
  if (retries !== undefined && (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`retries\` must be a non-negative integer, got ${describeValue(retries)}`);
  }
  const retryDelay: unknown = options.retryDelay;
  const isDelay = (d: unknown): boolean => typeof d === 'number' && Number.isFinite(d) && d >= 0;
  if (retryDelay !== undefined && !isDelay(retryDelay) && !(Array.isArray(retryDelay) && retryDelay.length > 0 && retryDelay.every(isDelay))) {
    throw new InvalidArgumentError(`flow "${options.name}": \`retryDelay\` must be a number of ms from 0 up, or a non-empty list of them, got ${describeValue(retryDelay)}`);
  }
  const timeout: unknown = options.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`timeout\` must be a positive number of ms, got ${describeValue(timeout)}`);
  }
  const signal: unknown = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`signal\` must be an AbortSignal, got ${describeValue(signal)}`);
  }
}

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
