/**
 * `flow()`: a function whose task runs share a runner, an event stream, and an end: a flow does
 * not settle while runs it started are still going.
 *
 * @module
 */
import type { Tracer } from '@opentelemetry/api';
import type { Observable, SchedulerLike } from 'rxjs';
import { rxjs } from './engine/lazy.js';
import { CancelledError, InvalidArgumentError, UnobservedFailuresError } from './errors.js';
import type { FlowEvent } from './events.js';
import { scopeStorage } from './scope-storage.js';
import { FlowRun } from './engine/flow-run.js';
import { awaitRuns } from './engine/await.js';
import { Run } from './engine/run.js';
import { findUpstreams, substituteUpstreams } from './engine/upstream.js';
import type { TaskFuture } from './future.js';
import { TaskFutureList } from './future.js';
import { ConcurrentTaskRunner } from './runners/concurrent.js';
import type { TaskRunner } from './runners/runner.js';
import { attachObservers } from './observe/attach.js';
import { isLogger, type Logger } from './observe/logger.js';
import { FlowInWorkerImportError } from './runners/worker-threads/errors.js';
import { taskModuleImport } from './runners/wire/task-module-import.js';
import type { RecordSink } from './observe/record.js';

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
export interface FlowOptions {
  /** The flow's name, used in events and errors. */
  readonly name: string;
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
  /** Aborting this signal cancels every run of the flow; the flow then rejects. */
  readonly signal?: AbortSignal;
  /**
   * Records every event of each run of the flow: a file path (written as JSON lines, one per
   * event, complete when the flow settles; `sluice timeline` draws it) or a function called with
   * each event. The format is {@link RecordedEvent}, version {@link RECORD_FORMAT_VERSION}.
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
   * A live progress bar on stderr for the flow's runs (done, failed, running, total, rate, ETA),
   * shown once the flow has run for half a second; task output printed meanwhile goes above it.
   * `true` forces it: where stderr is not a terminal (or `TERM=dumb`), that is a plain line every
   * 10 s and one at the end. See the README's "Progress".
   *
   * @defaultValue `true` when stderr is a terminal, `TERM` is not `dumb` and `CI` is unset (or
   * empty, `0` or `false`), else `false`
   */
  readonly progress?: boolean;
  /**
   * The OpenTelemetry tracer for the flow's spans: a span per flow run, a child span per task run
   * (see the README's "Tracing"). Given, it is used whether or not an SDK is registered globally.
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
 * What a flow resolves to: a returned future or list is replaced by its value(s), and so are
 * futures one level inside a returned array or plain object.
 *
 * @example
 * ```ts
 * import { flow, task, type FlowResult } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const body = () => ({ a: double.submit(1), b: 'plain' });
 * const out: FlowResult<ReturnType<typeof body>> = await flow({ name: 'demo' }, body)();
 * console.log(out); // { a: 2, b: 'plain' }: futures are resolved
 * ```
 */
export type FlowResult<R> =
  R extends TaskFutureList<infer T>
    ? T[]
    : R extends TaskFuture<infer T>
      ? T
      : R extends readonly unknown[]
        ? { -readonly [K in keyof R]: FutureValue<R[K]> }
        : R extends object
          ? [Extract<R[keyof R], TaskFuture<unknown>>] extends [never]
            ? R
            : { [K in keyof R]: FutureValue<R[K]> }
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
  /** Cancels every run of the flow that has not finished. */
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
}

let ambient: FlowRun | undefined;

/**
 * Where a `submit`, `map` or direct call belongs: the run whose body is executing (its flow, and
 * it as the parent), or the flow whose body is, or the default flow outside any. Returned as is,
 * not as a `{ flow, parent }` pair: a submit loop would allocate one per call. @internal
 */
export function currentScope(): FlowRun | Run<unknown> {
  const scope = scopeStorage.getStore();
  // By class: another copy of sluice's scope, or a remote run's, is not this engine's.
  if (scope instanceof Run) {
    const run = scope as Run<unknown>;
    if (!run.flow.closed) return run;
  } else if (scope instanceof FlowRun && !scope.closed) {
    return scope;
  }
  // Outside any flow (an extension: Prefect raises here) runs go to a default unbounded runner.
  ambient ??= new FlowRun('(no flow)', new ConcurrentTaskRunner(), rxjs().asyncScheduler, false);
  return ambient;
}

/** The flow of a {@link currentScope}. @internal */
export function flowOf(scope: FlowRun | Run<unknown>): FlowRun {
  return scope.kind === 'run' ? scope.flow : scope;
}

/** The parent run of a {@link currentScope}: the run whose body is executing, if any. @internal */
export function parentOf(scope: FlowRun | Run<unknown>): Run<unknown> | undefined {
  return scope.kind === 'run' ? scope : undefined;
}

/** Replaces futures in a flow's return value by their values (one level deep, like arguments). */
function resolveReturn(value: unknown, done: (error: unknown, result?: unknown) => void): void {
  // Callbacks, not Promises: a flow whose body is synchronous ends in the same virtual frame.
  if (value instanceof TaskFutureList) {
    const runs = [...(value as TaskFutureList<unknown>)] as Run<unknown>[];
    for (const run of runs) run.markObserved();
    awaitRuns(runs, { timeout: undefined, scheduler: rxjs().asyncScheduler, stopOnFailure: true }, (_t, failed) => {
      if (failed !== undefined) done(failed.failureError() ?? new Error('flow result failed'));
      else done(undefined, runs.map((run) => run.outcomeValue()));
    });
    return;
  }
  const upstreams = findUpstreams([value], undefined, undefined);
  if (upstreams === undefined) {
    done(undefined, value);
    return;
  }
  const runs = upstreams.map((up) => up.run);
  for (const run of runs) run.markObserved();
  awaitRuns(runs, { timeout: undefined, scheduler: rxjs().asyncScheduler, stopOnFailure: true }, (_t, failed) => {
    if (failed !== undefined) done(failed.failureError() ?? new Error('flow result failed'));
    else done(undefined, substituteUpstreams([value], upstreams)[0]);
  });
}

function runFlow<A extends unknown[], R>(options: Required<Pick<FlowOptions, 'name'>> & FlowOptions, fn: (...args: A) => R | PromiseLike<R>, args: A, flowRun: FlowRun): Promise<FlowResult<R>> {
  const scheduler = flowRun.scheduler;
  return new Promise<FlowResult<R>>((resolve, reject) => {
    if (flowRun.hasListeners) {
      flowRun.emit({ type: 'flow-started', timestamp: scheduler.now(), flowRunId: flowRun.id, flowName: flowRun.name });
    }
    const runner = flowRun.runner;
    runner.open?.();
    const settle = (error: unknown, value: unknown): void => {
      if (flowRun.hasListeners) {
        flowRun.emit({
          type: 'flow-finished',
          timestamp: scheduler.now(),
          flowRunId: flowRun.id,
          flowName: flowRun.name,
          outcome: error === undefined ? 'Completed' : 'Failed',
          error,
        });
      }
      flowRun.completeEvents();
      if (error === undefined) resolve(value as FlowResult<R>);
      else reject(error);
    };
    const finish = (error: unknown, value?: unknown): void => {
      flowRun.close();
      if (runner.close === undefined) {
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
    const signal = options.signal;
    const onAbort = (): void => {
      flowRun.cancelAll(`flow "${flowRun.name}" was aborted`);
    };
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const afterBody = (bodyError: { error: unknown } | undefined, value: unknown): void => {
      if (bodyError !== undefined) flowRun.cancelAll(`flow "${flowRun.name}" failed`);
      else if (options.onExit === 'cancel') flowRun.cancelAll(`flow "${flowRun.name}" returned (onExit: 'cancel')`);
      flowRun.whenIdle(() => {
        signal?.removeEventListener('abort', onAbort);
        if (bodyError !== undefined) {
          finish(bodyError.error ?? new Error(`flow "${flowRun.name}" failed`));
          return;
        }
        if (signal?.aborted === true) {
          finish(signal.reason ?? new CancelledError({ taskName: flowRun.name, name: flowRun.name }, 'the flow was aborted'));
          return;
        }
        resolveReturn(value, (error, result) => {
          if (error !== undefined) {
            finish(error);
            return;
          }
          const unobserved = flowRun.unobservedFailures();
          if (unobserved.length > 0) {
            finish(
              new UnobservedFailuresError(
                flowRun.name,
                unobserved.map((run) => ({ runId: run.id, runName: run.name, taskName: run.taskName, error: run.failureError() })),
              ),
            );
          } else {
            finish(undefined, result);
          }
        });
      });
    };
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
export function flow<A extends unknown[], R>(nameOrOptions: string | FlowOptions, fn: (...args: A) => R | PromiseLike<R>): Flow<A, Awaited<R>> {
  const options: FlowOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  if (options === null || typeof options !== 'object' || typeof options.name !== 'string' || options.name.trim() === '') {
    throw new InvalidArgumentError(`flow(): the name must be a non-empty string, got ${String((options as FlowOptions | null)?.name)}`);
  }
  if (typeof fn !== 'function') throw new InvalidArgumentError(`flow "${options.name}": expected a function, got ${typeof fn}`);
  if (options.record !== undefined && typeof options.record !== 'function' && (typeof options.record !== 'string' || options.record === '')) {
    throw new InvalidArgumentError(`flow "${options.name}": \`record\` must be a file path or a function, got ${String(options.record)}`);
  }
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`logger\` must have info, warn, error and debug methods (pino's interface)`);
  }
  if (options.onExit !== undefined && options.onExit !== 'wait' && options.onExit !== 'cancel') {
    throw new InvalidArgumentError(`flow "${options.name}": \`onExit\` must be 'wait' or 'cancel', got ${String(options.onExit)}`);
  }
  if (options.progress !== undefined && typeof options.progress !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`progress\` must be true or false, got ${String(options.progress)}`);
  }
  if (options.tracer !== undefined && typeof (options.tracer as Partial<Tracer> | null)?.startSpan !== 'function') {
    throw new InvalidArgumentError(`flow "${options.name}": \`tracer\` must be an OpenTelemetry Tracer (with startSpan)`);
  }
  const name = options.name;
  const newFlowRun = (): FlowRun => newFlowRunFor(options);
  const call = (...args: A): Promise<FlowResult<Awaited<R>>> => {
    refuseInWorkerImport(name);
    let flowRun: FlowRun;
    try {
      flowRun = newFlowRun();
    } catch (error) {
      // A recording file that cannot be opened, say: the call's failure, not a throw.
      return Promise.reject(error);
    }
    return runFlow({ ...options, name }, fn as (...a: A) => Awaited<R>, args, flowRun);
  };
  const start = (...args: A): FlowRunHandle<Awaited<R>> => {
    refuseInWorkerImport(name);
    return startFlowRun({ ...options, name }, fn as (...a: A) => Awaited<R>, args, newFlowRun());
  };
  return Object.defineProperties(call, { name: { value: name }, start: { value: start } }) as unknown as Flow<A, Awaited<R>>;
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
  options: Required<Pick<FlowOptions, 'name'>> & FlowOptions,
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
    cancel: (reason = 'cancel() was called') => {
      flowRun.cancelAll(reason);
    },
  };
}

/** A new flow run for these options, with the consumers they ask for subscribed to its events. @internal */
export function newFlowRunFor(options: FlowOptions): FlowRun {
  const flowRun = new FlowRun(options.name, options.taskRunner ?? new ConcurrentTaskRunner(), options.scheduler ?? rxjs().asyncScheduler, true);
  flowRun.logger = options.logger;
  attachObservers(flowRun, options);
  return flowRun;
}
