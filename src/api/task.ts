/**
 * `task()`: wrap a function so it can be called directly, submitted, mapped, and gated.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import type { Mixed, Type } from 'io-ts';
import type { AllowedFailure, Unmapped } from '../core/annotations.js';
import { describeValue, InvalidArgumentError, InvalidTaskOptionsError } from '../core/errors.js';
import { checkOptionKeys, type KeyList } from '../core/option-keys.js';
import type { TaskFuture } from '../core/future.js';
import { TaskFutureList } from './future.js';
import { Run, type RunGroup } from '../engine/run.js';
import type { TaskSpec } from '../core/task-spec.js';
import { Slots } from '../engine/slots.js';
import { trampoline } from '../engine/trampoline.js';
import { unwrapUnmapped } from '../engine/upstream.js';
import { currentScope, flowOf, parentOf } from './flow.js';
import type { FlowRun } from '../engine/flow-run.js';
import { argsAt, hasObjectAt, planMap } from '../engine/map-plan.js';
import { DEFERRED_ARGS } from '../engine/run-record.js';
import { mapStream, type MapStreamOptions, type StreamSource, type TaskStream } from './stream.js';
import { checkConcurrency } from '../runners/concurrent.js';
import { compileRunName, parameterNames } from '../engine/run-names.js';
import { watchMapProgress } from '../observers/progress.js';

/**
 * An argument: the value, a future of it, an upstream whose failure is allowed, or (for an array
 * or object parameter) an array or plain object with futures among its items or values, one
 * level deep.
 *
 * @example
 * ```ts
 * import { flow, task, type Arg } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * await flow({ name: 'demo' }, async () => {
 *   const six: Arg<number> = double.submit(3); // a future stands in for a number
 *   console.log(await double(six)); // 12
 * })();
 * ```
 */
export type Arg<P> = P | TaskFuture<P> | AllowedFailure<P> | WithFutures<P>;

/**
 * An array or object type whose items or values (one level deep) may be futures.
 *
 * @example
 * ```ts
 * import { task, type WithFutures } from 'sluice';
 * const sum = task('sum', (values: readonly number[]) => values.reduce((a, b) => a + b, 0));
 * const values: WithFutures<readonly number[]> = [1, sum.submit([2, 3])];
 * console.log(await sum(values)); // 6
 * ```
 */
export type WithFutures<P> = P extends readonly (infer E)[]
  ? readonly (E | TaskFuture<E>)[]
  : P extends (...args: never[]) => unknown
    ? never
    : P extends object
      ? { readonly [K in keyof P]: P[K] | TaskFuture<P[K]> }
      : never;

/**
 * A task's parameters, each of which may also be given as a future.
 *
 * @example
 * ```ts
 * import { task, type Args } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const args: Args<[number, number]> = [add.submit(1, 2), 4];
 * console.log(await add(...args)); // 7
 * ```
 */
export type Args<A extends readonly unknown[]> = { [K in keyof A]: Arg<A[K]> };

/**
 * A `map` argument: an iterable to map over, or a value (or `unmapped(...)`, of a value or of a
 * future) passed to every run.
 *
 * @example
 * ```ts
 * import { task, unmapped, type MapArg } from 'sluice';
 * const scale = task('scale', (x: number, factor: number) => x * factor);
 * const xs: MapArg<number> = [1, 2, 3];
 * const factor: MapArg<number> = unmapped(10);
 * console.log(await scale.map(xs, factor).result()); // [10, 20, 30]
 * ```
 */
export type MapArg<P> = Arg<P> | Iterable<Arg<P>> | Unmapped<Arg<P>>;

/**
 * A task's parameters as `map` takes them.
 *
 * @example
 * ```ts
 * import { task, type MapArgs } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const args: MapArgs<[number, number]> = [[1, 2, 3], 10];
 * console.log(await add.map(...args).result()); // [11, 12, 13]
 * ```
 */
export type MapArgs<A extends readonly unknown[]> = { [K in keyof A]: MapArg<A[K]> };

/**
 * What `waitFor` takes: futures, or upstreams whose failure is allowed.
 *
 * @example
 * ```ts
 * import { allowFailure, task, type Upstreams } from 'sluice';
 * const setup = task('setup', () => 'ready');
 * const optional = task('optional', (): string => {
 *   throw new Error('skipped');
 * });
 * const after: Upstreams = [setup.submit(), allowFailure(optional.submit())];
 * console.log(await task('report', () => 'done').waitFor(after)()); // done
 * ```
 */
export type Upstreams = Iterable<TaskFuture<unknown> | AllowedFailure<unknown>>;

/**
 * A task function: returns a value, a Promise, or an Observable (whose last value is the result).
 *
 * @example
 * ```ts
 * import { task, type TaskFunction } from 'sluice';
 * const slowDouble: TaskFunction<[number], number> = async (x) => 2 * x;
 * const double = task('double', slowDouble);
 * ```
 */
export type TaskFunction<A extends unknown[], R> = (...args: A) => R | PromiseLike<R> | Observable<R>;

/**
 * The parameters of a task function as its task takes them. `task()` reads the function's type
 * whole (not its parameters and result separately) so that a parameter with a default value,
 * `(x: number, y = 10)`, keeps its type; a parameter without a type is taken as `unknown`.
 *
 * @example
 * ```ts
 * import type { TaskFunctionArgs } from 'sluice';
 * const add = (x: number, y = 10) => x + y;
 * const args: TaskFunctionArgs<typeof add> = [1]; // [x: number, y?: number]
 * ```
 */
export type TaskFunctionArgs<F> = F extends (...args: infer A) => unknown ? { [K in keyof A]: [A[K]] extends [never] ? unknown : A[K] } : never;

/**
 * The value of a task function: what its Promise resolves to or its Observable last emits, else
 * what it returns.
 *
 * @example
 * ```ts
 * import type { TaskFunctionValue } from 'sluice';
 * const fetchText = async (url: string) => (await fetch(url)).text();
 * const text: TaskFunctionValue<typeof fetchText> = '<html></html>'; // string
 * ```
 */
export type TaskFunctionValue<F> = F extends (...args: never) => infer T ? (T extends Observable<infer U> ? U : Awaited<T>) : never;

/**
 * Delay before retry number `retry` (1 is the first retry), in ms.
 *
 * @example
 * ```ts
 * import { task, type RetryDelay } from 'sluice';
 * const backoff: RetryDelay = (retry) => 100 * 2 ** (retry - 1); // 100, 200, 400 ms
 * const flaky = task({ name: 'flaky', retries: 3, retryDelay: backoff }, () => Math.random());
 * ```
 */
export type RetryDelay = number | readonly number[] | ((retry: number, error: unknown) => number);

/**
 * Run settings of a task, given to `task()` or, per call, to `task.with()`.
 * Every time is in milliseconds.
 *
 * @example
 * ```ts
 * import { task, type TaskRunOptions } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const patient: TaskRunOptions<[number, number]> = { retries: 3, timeout: 1000 };
 * console.log(await add.with(patient)(1, 2)); // 3
 * ```
 */
export interface TaskRunOptions<A extends unknown[]> {
  /**
   * The run name: a function of the arguments, or a template such as
   * `"train on {dataset.name} with {config.name}"` naming the function's parameters (or their
   * positions, `{0.name}`). It sees resolved values, not futures.
   *
   * @defaultValue `<task name>-<n>`, counting from 0 in each flow run
   */
  readonly taskRunName?: string | ((...args: A) => string);
  /**
   * How many times a failed attempt is tried again. Time-outs count as failures.
   *
   * @defaultValue 0
   */
  readonly retries?: number;
  /**
   * The delay before each retry, in ms: one number, a list per retry (the last value repeats when
   * retries outrun it), or a function of the retry number (1 is the first) and the error.
   *
   * @defaultValue 0
   */
  readonly retryDelay?: RetryDelay;
  /**
   * Random jitter on each retry delay: the delay is multiplied by a factor drawn from
   * `[1 - j, 1 + j]`. Must be from 0 to 1.
   *
   * @defaultValue 0
   */
  readonly retryJitterFactor?: number;
  /**
   * Decides whether an error is worth a retry.
   *
   * @defaultValue every error is retried while retries remain
   */
  readonly retryCondition?: (error: unknown) => boolean;
  /**
   * Per-attempt time-out in ms: the attempt's signal aborts, an Observable body is unsubscribed,
   * and the run fails `TimedOut` at the deadline even if the body ignores its signal.
   *
   * @defaultValue no time-out
   */
  readonly timeout?: number;
  /**
   * The random source for jitter, returning numbers in [0, 1). Inject one in tests.
   *
   * @defaultValue `Math.random`
   */
  readonly random?: () => number;
  /**
   * At most this many runs of this task run at once in a flow run, on top of the runner's own
   * limit, across `submit`, `map` and the copies made by `waitFor` or `with` (a `with` that sets
   * its own `maxConcurrency` starts a separate limit). Runs waiting for one of these slots hold no
   * runner slot.
   *
   * @defaultValue `Infinity`
   */
  readonly maxConcurrency?: number;
  /**
   * A live progress bar on stderr for each `map` of this task (labelled with the task's name):
   * done, failed, running and total, rate and ETA, shown once the map has run for half a second.
   * When stderr is not a terminal, a plain line every 10 s instead. `submit`, `mapStream` and
   * direct calls show none. Usually set per call: `task.with({ progress: true }).map(items)`.
   *
   * @defaultValue `false`
   */
  readonly progress?: boolean;
}

/**
 * The options of `task()`: a name, optional io-ts codecs, and the run settings.
 *
 * @example
 * ```ts
 * import { task, type TaskOptions } from 'sluice';
 * const options: TaskOptions<[string], string> = { name: 'fetch_page', retries: 2, retryDelay: [100, 1000], timeout: 5000 };
 * const fetchPage = task(options, async (url: string) => (await fetch(url)).text());
 * ```
 */
export interface TaskOptions<A extends unknown[], R = unknown> extends TaskRunOptions<A> {
  /**
   * The task's name, used in run names, events and errors (and by worker-thread and BullMQ
   * runners to find the task in its module).
   *
   * @defaultValue the function's own name (`fn.name`); an anonymous function needs one
   */
  readonly name?: string;
  /**
   * An io-ts codec for the argument tuple (`t.tuple([...])`). Arguments are checked after futures
   * resolve and before the run takes a slot; a misfit fails the run with an `InvalidParamsError`
   * (code `INVALID_PARAMS`) that names each argument, and the body never runs.
   *
   * @defaultValue no check
   */
  readonly params?: Type<A, unknown, unknown>;
  /**
   * An io-ts codec for the body's value: a misfit fails the run with an `InvalidReturnError`
   * (code `INVALID_RETURN`), not retried.
   *
   * @defaultValue no check
   */
  readonly returns?: Type<R, unknown, unknown>;
  /**
   * The URL of the module that defines the task (`import.meta.url`), for runners that run bodies
   * in other threads or processes: they import this module there and find the task by name.
   *
   * @defaultValue undefined (the task runs only on in-process runners)
   */
  readonly module?: string;
}

/**
 * The defaults of {@link TaskRunOptions}.
 *
 * @example
 * ```ts
 * import { TASK_DEFAULTS } from 'sluice';
 * console.log(TASK_DEFAULTS.retries); // 0
 * ```
 */
export const TASK_DEFAULTS = {
  /** Runs are named `<task name>-<n>`, counting from 0 in each flow run. */
  taskRunName: undefined,
  /** No retries. */
  retries: 0,
  /** Retry at once. */
  retryDelay: 0,
  /** No jitter. */
  retryJitterFactor: 0,
  /** Every error is retried while retries remain. */
  retryCondition: undefined,
  /** No time-out. */
  timeout: undefined,
  /** Jitter draws from `Math.random`. */
  random: Math.random,
  /** No limit of the task's own: only the runner's. */
  maxConcurrency: Number.POSITIVE_INFINITY,
  /** No progress bar for a map. */
  progress: false,
  // Every run option has its entry here: the unknown-option check reads its keys from this object.
} as const satisfies { readonly [K in keyof TaskRunOptions<unknown[]>]-?: unknown };

/** The options `with()` takes: every run option. */
const RUN_OPTION_KEYS: readonly string[] = Object.keys(TASK_DEFAULTS);

/** The options `task()` takes: the run options and the task's definition. */
const TASK_OPTION_KEYS: readonly string[] = [
  ...RUN_OPTION_KEYS,
  ...Object.keys({ name: true, params: true, returns: true, module: true } satisfies KeyList<Omit<TaskOptions<unknown[]>, keyof TaskRunOptions<unknown[]>>>),
];

/** What `with()` says of an option that only `task()` takes. */
const TASK_ONLY: Readonly<Record<string, string>> = Object.fromEntries(
  TASK_OPTION_KEYS.filter((key) => !RUN_OPTION_KEYS.includes(key)).map((key) => [key, `\`${key}\` is set by task(), not with()`]),
);

/**
 * A task: call it directly, `submit` it, `map` it, gate it with `waitFor`, configure a copy with
 * `with`. Made by {@link task}.
 *
 * @example
 * ```ts
 * import { task, type Task } from 'sluice';
 * const double: Task<[number], number> = task('double', (x: number) => 2 * x);
 * console.log(await double(21)); // 42
 * ```
 */
export interface Task<A extends unknown[], R> {
  /**
   * Runs the task now, in the caller, and resolves to its value. It takes no runner slot (a
   * direct call inside a task body runs in that body's slot) but is a tracked run of the flow.
   * Future arguments are resolved first.
   */
  (...args: Args<A>): Promise<R>;
  /** The task's name. */
  readonly name: string;
  /**
   * Submits a run to the current flow's runner (or the default runner) and returns its future at
   * once. The run starts right after the caller's synchronous code, never inside `submit`.
   */
  submit(...args: Args<A>): TaskFuture<R>;
  /**
   * Starts one run per item of the iterable arguments (non-iterables, strings, byte arrays, plain
   * objects and `unmapped(...)` values go whole to every run). Throws before anything runs if no
   * argument is iterable or their lengths differ. The runs start after the caller's synchronous
   * code, as submitted ones do.
   */
  map(...args: MapArgs<A>): TaskFutureList<R>;
  /**
   * Maps the task over a source of any length (an Iterable, an AsyncIterable or an Observable),
   * each item as the run's one argument, with at most `maxConcurrency` runs unfinished. Iterables
   * are pulled only when a slot frees; an Observable's items wait in a bounded buffer. Results
   * come in input order (or as they finish, with `ordered: false`) as an Observable that is also
   * an AsyncIterable. Cold: nothing runs until it is subscribed or iterated; unsubscribing (or
   * leaving the loop) cancels the unfinished runs. A failed run ends the stream with its error.
   * Only for a task that can be called with one argument: for another, `source` is `never`.
   */
  mapStream(source: [A[0]] extends A ? StreamSource<A[0]> : never, options?: MapStreamOptions): TaskStream<R>;
  /**
   * A cold Observable of one run, the RxJS way: each subscription submits a new run, which emits
   * its value and completes (or errors); unsubscribing before it finishes cancels the run.
   */
  observe(...args: Args<A>): Observable<R>;
  /** A copy of the task whose runs start only after every given future has finished. */
  waitFor(upstreams: Upstreams): Task<A, R>;
  /** A copy of the task with other run settings, as Prefect's `with_options`. */
  with(options: TaskRunOptions<A>): Task<A, R>;
}

/**
 * The key under which a task function carries its definition (`fn`, `params`, `returns`,
 * `module`): read by worker-thread runners, which import a task's module and run its body there.
 *
 * @internal
 */
export const TASK_SPEC: unique symbol = Symbol.for('sluice.task.spec') as never;

interface TaskConfig {
  readonly spec: TaskSpec;
  readonly waitFor: readonly unknown[] | undefined;
  readonly maxConcurrency: number;
  /** Each `map` shows a progress bar. */
  readonly progress: boolean;
  /**
   * The task's own limiter in each flow run. Copies made by `waitFor` or by `with` without a new
   * `maxConcurrency` share it, so a copy never escapes the limit.
   */
  readonly limits: WeakMap<FlowRun, Slots>;
}

function fail(name: string, option: string, message: string): never {
  throw new InvalidTaskOptionsError(name, option, message);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && !Number.isNaN(value);
}

function normaliseDelay(name: string, delay: unknown): TaskSpec['retryDelay'] {
  if (isNonNegative(delay)) return () => delay;
  if (Array.isArray(delay)) {
    const list: unknown[] = delay;
    if (list.length === 0 || !list.every(isNonNegative)) {
      fail(name, 'retryDelay', `must be a non-empty list of non-negative numbers (ms), got [${list.map(String).join(', ')}]`);
    }
    const delays = list;
    // When retries outrun the list, the last delay repeats (as in Prefect).
    return (retry) => delays[Math.min(retry, delays.length) - 1] as number;
  }
  if (typeof delay === 'function') {
    const fn = delay as (retry: number, error: unknown) => unknown;
    return (retry, error) => {
      const value = fn(retry, error);
      if (!isNonNegative(value)) {
        throw new InvalidTaskOptionsError(name, 'retryDelay', `returned ${String(value)} for retry ${retry}; it must return a non-negative number (ms)`);
      }
      return value;
    };
  }
  return fail(name, 'retryDelay', `must be a number, a list of numbers, or a function, got ${String(delay)} (${typeof delay})`);
}

function checkCodec(name: string, option: string, codec: unknown): Mixed | undefined {
  if (codec === undefined) return undefined;
  const candidate: { readonly is?: unknown; readonly decode?: unknown } | null = typeof codec === 'object' ? codec : null;
  if (candidate === null || typeof candidate.is !== 'function' || typeof candidate.decode !== 'function') {
    fail(name, option, `must be an io-ts codec (with \`is\` and \`decode\`), got ${describeValue(codec)}`);
  }
  return codec as Mixed;
}

function buildSpec(
  name: string,
  fn: TaskSpec['fn'],
  options: TaskRunOptions<unknown[]>,
  base: TaskSpec | undefined,
  codecs: { readonly params: Mixed | undefined; readonly returns: Mixed | undefined; readonly module?: string | undefined } = {
    params: base?.params,
    returns: base?.returns,
  },
): { spec: TaskSpec; maxConcurrency: number | undefined; progress: boolean | undefined } {
  if (typeof fn !== 'function') fail(name, 'fn', `must be a function, got ${String(fn)} (${typeof fn})`);
  const retries = options.retries ?? base?.retries ?? TASK_DEFAULTS.retries;
  if (!Number.isInteger(retries) || retries < 0) fail(name, 'retries', `must be a non-negative integer, got ${String(retries)}`);
  const jitter = options.retryJitterFactor ?? base?.retryJitterFactor ?? TASK_DEFAULTS.retryJitterFactor;
  if (!isNonNegative(jitter) || jitter > 1) fail(name, 'retryJitterFactor', `must be a number from 0 to 1, got ${String(jitter)}`);
  const timeout = 'timeout' in options ? options.timeout : base?.timeout;
  if (timeout !== undefined && (!isNonNegative(timeout) || timeout === 0)) {
    fail(name, 'timeout', `must be a positive number of ms, got ${String(timeout)}`);
  }
  const random = options.random ?? base?.random ?? TASK_DEFAULTS.random;
  if (typeof random !== 'function') fail(name, 'random', `must be a function returning numbers in [0, 1), got ${typeof random}`);
  const condition = options.retryCondition ?? base?.retryCondition;
  if (condition !== undefined && typeof condition !== 'function') {
    fail(name, 'retryCondition', `must be a function of the error, got ${typeof condition}`);
  }
  let taskRunName = base?.taskRunName;
  const given = options.taskRunName;
  if (typeof given === 'string') {
    const compiled = compileRunName(given, parameterNames(fn));
    if (typeof compiled === 'string') fail(name, 'taskRunName', compiled);
    taskRunName = compiled;
  } else if (typeof given === 'function') {
    taskRunName = given;
  } else if (given !== undefined) {
    fail(name, 'taskRunName', `must be a template string or a function of the arguments, got ${typeof given}`);
  }
  const maxConcurrency = options.maxConcurrency;
  if (maxConcurrency !== undefined) {
    try {
      checkConcurrency(maxConcurrency, `task "${name}"`);
    } catch {
      fail(name, 'maxConcurrency', `must be an integer from 1 and up or Infinity, got ${String(maxConcurrency)}`);
    }
  }
  const progress = options.progress;
  if (progress !== undefined && typeof progress !== 'boolean') fail(name, 'progress', `must be true or false, got ${describeValue(progress)}`);
  const retryDelay = options.retryDelay === undefined && base !== undefined ? base.retryDelay : normaliseDelay(name, options.retryDelay ?? TASK_DEFAULTS.retryDelay);
  return {
    spec: {
      name,
      fn,
      taskRunName,
      retries,
      retryDelay,
      retryJitterFactor: jitter,
      retryCondition: condition,
      timeout,
      random,
      ...codecs,
      module: base?.module ?? codecs.module,
    },
    maxConcurrency,
    progress,
  };
}

/** The per-flow-run limit of a configured task, shared by every run it starts in that flow run. */
function limiterFor(limits: WeakMap<FlowRun, Slots>, flowRun: FlowRun, max: number): Slots | undefined {
  if (max === Number.POSITIVE_INFINITY) return undefined;
  let slots = limits.get(flowRun);
  if (slots === undefined) {
    slots = new Slots(max);
    limits.set(flowRun, slots);
  }
  return slots;
}

function makeTask<A extends unknown[], R>(config: TaskConfig): Task<A, R> {
  const { spec, limits } = config;

  const call = (...args: unknown[]): Promise<R> => {
    const scope = currentScope();
    const flow = flowOf(scope);
    const parent = parentOf(scope);
    const group: RunGroup = { spec, flow, parent, argIndices: undefined, waitFor: config.waitFor, mapSlots: undefined, direct: true };
    const run = new Run<R>(group, unwrapUnmapped(args));
    run.markObserved();
    const settled = new Promise<R>((resolve, reject) => {
      run.onTerminal(() => {
        const state = run.peekState();
        if (state.type === 'Completed') resolve(state.value);
        else reject(run.failureError());
      });
    });
    trampoline(() => {
      run.start();
    });
    return settled;
  };

  // A submit loop in one flow (or one parent body) reuses the same group. Held weakly: its runs
  // hold it while they matter, and a task must not keep a finished flow (or a parent run and its
  // value) alive until its next submit.
  let lastGroup: WeakRef<RunGroup> | undefined;
  const submit = (...args: unknown[]): TaskFuture<R> => {
    const scope = currentScope();
    const flow = flowOf(scope);
    const parent = parentOf(scope);
    let group = lastGroup?.deref();
    if (group?.flow !== flow || group.parent !== parent) {
      group = {
        spec,
        flow,
        parent,
        argIndices: undefined,
        waitFor: config.waitFor,
        mapSlots: limiterFor(limits, flow, config.maxConcurrency),
        direct: false,
      };
      lastGroup = new WeakRef(group);
    }
    const run = new Run<R>(group, unwrapUnmapped(args));
    flow.startSoon(run);
    return run;
  };

  const map = (...args: unknown[]): TaskFutureList<R> => {
    const plan = planMap(spec.name, args);
    const scope = currentScope();
    const flow = flowOf(scope);
    const parent = parentOf(scope);
    const firstName = flow.reserveNames(spec.name, plan.length);
    // Runs that need their arguments only when their body starts are made without them (the
    // plan's columns, the input arrays, stay referenced by the group instead).
    const deferrable =
      spec.taskRunName === undefined &&
      spec.params === undefined &&
      flow.runner.checkArgs === undefined &&
      config.waitFor === undefined &&
      plan.scan.every((j) => plan.columns[j] !== undefined);
    const group: RunGroup = {
      spec,
      flow,
      parent,
      argIndices: plan.scan,
      waitFor: config.waitFor,
      mapSlots: limiterFor(limits, flow, config.maxConcurrency),
      direct: false,
      argsOf: deferrable ? (nameIndex) => argsAt(plan, nameIndex - firstName) : undefined,
    };
    const list = new TaskFutureList<R>();
    // Subscribed before the first run exists, so the bar sees every state of every run.
    const watch = config.progress && plan.length > 0 ? watchMapProgress(flow, spec.name, plan.length) : undefined;
    // Runs start after the caller's synchronous code, as submitted ones do. Slots are granted on
    // the trampoline, so synchronous bodies still hand their slot on in a loop, not by recursion.
    for (let i = 0; i < plan.length; i++) {
      const run = new Run<R>(group, deferrable && !hasObjectAt(plan, i) ? DEFERRED_ARGS : argsAt(plan, i), firstName + i);
      list.push(run);
      if (watch !== undefined) watch(run.id);
      flow.startSoon(run);
    }
    return list;
  };

  const stream = (source: StreamSource<unknown>, options: MapStreamOptions = {}): TaskStream<R> =>
    mapStream<R>(
      () => {
        const scope = currentScope();
        const flow = flowOf(scope);
        const parent = parentOf(scope);
        return {
          spec,
          flow,
          parent,
          argIndices: [0],
          waitFor: config.waitFor,
          mapSlots: limiterFor(limits, flow, config.maxConcurrency),
          direct: false,
        };
      },
      spec.name,
      source,
      options,
    );

  const observe = (...args: unknown[]): Observable<R> =>
    new (rxjs().Observable)<R>((subscriber) => {
      const run = submit(...args);
      const subscription = run.result$.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        run.cancel('its Observable was unsubscribed');
      };
    });

  const waitFor = (upstreams: Upstreams): Task<A, R> => {
    if (upstreams === null || typeof upstreams !== 'object' || !(Symbol.iterator in upstreams)) {
      throw new InvalidArgumentError(`task "${spec.name}": waitFor takes a list of futures, got ${describeValue(upstreams)}`);
    }
    const list = Array.from(upstreams);
    list.forEach((entry, i) => {
      if (!(entry instanceof Run) && !(typeof entry === 'object' && 'future' in entry && entry.future instanceof Run)) {
        throw new InvalidArgumentError(
          `task "${spec.name}": waitFor element ${i} is not a TaskFuture or allowFailure(future), got ${describeValue(entry)}`,
        );
      }
    });
    return makeTask<A, R>({ ...config, waitFor: [...(config.waitFor ?? []), ...list] });
  };

  const withOptions = (options: TaskRunOptions<A>): Task<A, R> => {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`task "${spec.name}": with() takes an options object, got ${describeValue(options)}`);
    }
    checkOptionKeys('task', spec.name, options, RUN_OPTION_KEYS, TASK_ONLY);
    const built = buildSpec(spec.name, spec.fn, options as TaskRunOptions<unknown[]>, spec);
    const ownLimit = built.maxConcurrency !== undefined;
    return makeTask<A, R>({
      spec: built.spec,
      waitFor: config.waitFor,
      maxConcurrency: built.maxConcurrency ?? config.maxConcurrency,
      progress: built.progress ?? config.progress,
      limits: ownLimit ? new WeakMap<FlowRun, Slots>() : limits,
    });
  };

  return Object.defineProperties(call, {
    name: { value: spec.name },
    // How a worker thread finds the body (and codecs) of a task it imported by module and name,
    // without the engine: a well-known symbol, so any copy of sluice can read it.
    [TASK_SPEC]: { value: spec },
    submit: { value: submit },
    observe: { value: observe },
    mapStream: { value: stream },
    map: { value: map },
    waitFor: { value: waitFor },
    with: { value: withOptions },
  }) as unknown as Task<A, R>;
}

/**
 * Wraps a function as a task. The function may return a value, a Promise, or an Observable (its
 * last value is the result). Its body receives only its own arguments; `getRunContext()` gives it
 * the run's name, attempt, and `AbortSignal`. Without a name (`task(fn)`, or options without
 * `name`) the task takes the function's own name, as Prefect does; an anonymous function must be
 * given one. An option `task()` does not know throws an `UnknownOptionError` that names the
 * nearest known one.
 *
 * @typeParam F - the task function: the task's parameters and value are read from its type
 *
 * @example
 * ```ts
 * import { flow, task, wait } from 'sluice';
 *
 * const stopAtFloor = task('stop_at_floor', async (floor: number) => {
 *   console.log(`elevator moving to floor ${floor}`);
 *   await new Promise((r) => setTimeout(r, floor * 10));
 *   console.log(`elevator stops on floor ${floor}`);
 * });
 *
 * const elevator = flow('elevator', async () => {
 *   await wait(stopAtFloor.map([3, 2, 1]));
 * });
 * await elevator();
 *
 * // Named after its function, as in Prefect:
 * const shout = task(function shout(word: string) {
 *   return word.toUpperCase();
 * });
 * console.log(shout.name); // shout
 * ```
 */
export function task<F extends (...args: never) => unknown>(fn: F): Task<TaskFunctionArgs<F>, TaskFunctionValue<F>>;
export function task<F extends (...args: never) => unknown>(name: string, fn: F): Task<TaskFunctionArgs<F>, TaskFunctionValue<F>>;
export function task<F extends (...args: never) => unknown>(
  options: TaskOptions<TaskFunctionArgs<NoInfer<F>>, TaskFunctionValue<NoInfer<F>>>,
  fn: F,
): Task<TaskFunctionArgs<F>, TaskFunctionValue<F>>;
export function task(first: string | TaskOptions<unknown[]> | TaskSpec['fn'], second?: TaskSpec['fn']): Task<unknown[], unknown> {
  // `task(fn)`: the function alone, named by its own name.
  const alone = typeof first === 'function' && second === undefined;
  const fn = alone ? first : second;
  const options: TaskOptions<unknown[]> = alone ? {} : typeof first === 'string' ? { name: first } : (first as TaskOptions<unknown[]>);
  if (options === null || typeof options !== 'object') {
    throw new InvalidTaskOptionsError(String(options), 'name', 'task() takes a name, an options object or a named function first');
  }
  const name = taskName(options.name, fn);
  checkOptionKeys('task', name, options, TASK_OPTION_KEYS);
  if (options.module !== undefined && typeof options.module !== 'string') {
    throw new InvalidTaskOptionsError(name, 'module', `must be a module URL string such as import.meta.url, got ${describeValue(options.module)}`);
  }
  const codecs = {
    params: checkCodec(name, 'params', options.params),
    returns: checkCodec(name, 'returns', options.returns),
    module: options.module,
  };
  const built = buildSpec(name, fn as TaskSpec['fn'], options, undefined, codecs);
  return makeTask<unknown[], unknown>({
    spec: built.spec,
    waitFor: undefined,
    maxConcurrency: built.maxConcurrency ?? TASK_DEFAULTS.maxConcurrency,
    progress: built.progress ?? TASK_DEFAULTS.progress,
    limits: new WeakMap<FlowRun, Slots>(),
  });
}

/** The given name, else the function's own (as Prefect names a task after its function). */
function taskName(given: unknown, fn: unknown): string {
  if (given === undefined) {
    const own: unknown = typeof fn === 'function' ? fn.name : undefined;
    if (typeof own === 'string' && own !== '') return own;
    throw new InvalidTaskOptionsError(
      '(anonymous)',
      'name',
      "is missing and the function has no name of its own: write task('name', fn) or task({ name: 'name', ... }, fn), or pass a named function",
    );
  }
  if (typeof given !== 'string' || given.trim() === '') {
    throw new InvalidTaskOptionsError(typeof given === 'string' ? given : describeValue(given), 'name', `must be a non-empty string, got ${describeValue(given)}`);
  }
  return given;
}
