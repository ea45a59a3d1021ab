/**
 * `task()`: wrap a function so it can be called directly, submitted, mapped, and gated.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError, InvalidTaskOptionsError } from '../core/errors/input.js';
import { checkOptionKeys } from '../core/option-keys.js';
import type { TaskFuture } from '../core/future.js';
import { TaskFutureList } from './future.js';
import { Run, type RunGroup } from '../engine/run.js';
import type { TaskSpec } from '../core/task-spec.js';
import { resolveCache, type CacheOptions } from '../cache/cache-options.js';
import { defaultResultStore } from '../cache/default-store.js';
import { Slots } from '../engine/slots.js';
import { trampoline } from '../core/trampoline.js';
import { unwrapUnmapped } from '../engine/upstream.js';
import { currentScope, flowOf, parentOf } from '../engine/scope.js';
import type { FlowRun } from '../engine/flow-run.js';
import { argsAt, hasObjectAt, planMap } from '../engine/map-plan.js';
import { DEFERRED_ARGS } from '../engine/run-record.js';
import { mapStream, type MapStreamOptions, type StreamSource, type TaskStream } from './stream.js';
import { watchMapProgress } from '../observers/progress.js';
import type { Args, MapArgs, Upstreams } from './args.js';
import { defaultHome } from '../limits/limits.js';
import type { LimitsHome } from '../limits/home.js';
import { tagGateOf, type TagGate } from '../limits/tags.js';
import {
  buildSpec,
  checkCodec,
  RUN_OPTION_KEYS,
  TASK_DEFAULTS,
  TASK_ONLY,
  TASK_OPTION_KEYS,
  type SchemaInput,
  type SchemaOutput,
  type SchemaTaskOptions,
  type TaskOptions,
  type TaskRunOptions,
} from './task-options.js';
import type { StandardSchemaV1 } from '../core/codecs.js';

/** What a body may return when its task has a `returns` schema: the schema's input, or a Promise or Observable of it. */
type BodyValue<RS> = RS extends StandardSchemaV1 ? SchemaBodyValue<NonNullable<RS['~standard']['types']>['input']> : unknown;
type SchemaBodyValue<T> = T | PromiseLike<T> | Observable<T>;

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
  /**
   * A copy of the task with other run settings, as Prefect's `with_options`. A `name` renames the
   * copy: its runs, run names, events and errors use the new name (a worker-thread or BullMQ
   * runner still finds its body in its module by the name it was defined with).
   *
   * @example
   * ```ts
   * import { task } from 'sluice';
   * const fetchPage = task('fetch_page', async (url: string) => url.length);
   * const fetchHome = fetchPage.with({ name: 'fetch_home', retries: 2 });
   * console.log(fetchHome.name); // fetch_home
   * ```
   */
  with(options: TaskRunOptions<A, R> & { readonly name?: string }): Task<A, R>;
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
  /** The task's caching options, if it has any. */
  readonly cache: CacheOptions | undefined;
  /** The gate of the task's tags under each set of limits it met (null: none of its tags is limited there). */
  readonly tagGates: WeakMap<LimitsHome, TagGate | null>;
}

/** What the task's tags ask of the limits in force in `flow` (its own, else the process's default). */
function tagGateIn(config: TaskConfig, flow: FlowRun): TagGate | undefined {
  const home = flow.limits ?? defaultHome();
  if (home === undefined) return undefined;
  let gate = config.tagGates.get(home);
  if (gate === undefined) {
    gate = tagGateOf(config.spec.tags, home) ?? null;
    config.tagGates.set(home, gate);
  }
  return gate ?? undefined;
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

/** How the runs of one call differ: a direct call, or which arguments to scan, or deferred arguments. */
interface GroupShape {
  readonly direct: boolean;
  readonly argIndices?: readonly number[] | undefined;
  readonly argsOf?: ((nameIndex: number) => unknown[]) | undefined;
}

/** What the runs of one call (a direct call, a `submit`, a `map`, a stream) share, in `scope`. */
function groupIn(config: TaskConfig, scope: FlowRun | Run<unknown>, shape: GroupShape): RunGroup {
  const flow = flowOf(scope);
  return {
    spec: config.spec,
    flow,
    parent: parentOf(scope),
    argIndices: shape.argIndices,
    waitFor: config.waitFor,
    cache: config.cache === undefined && flow.cache === undefined ? undefined : resolveCache(config.cache, flow.cache, defaultResultStore),
    // A direct call takes no slot of its own: it runs in its caller's.
    mapSlots: shape.direct ? undefined : limiterFor(config.limits, flow, config.maxConcurrency),
    direct: shape.direct,
    argsOf: shape.argsOf,
    tagGate: config.spec.tags.length === 0 ? undefined : tagGateIn(config, flow),
  };
}

const DIRECT: GroupShape = { direct: true };
const SUBMITTED: GroupShape = { direct: false };
const STREAMED: GroupShape = { direct: false, argIndices: [0] };

function makeTask<A extends unknown[], R>(config: TaskConfig): Task<A, R> {
  const { spec } = config;

  const call = (...args: unknown[]): Promise<R> => {
    const run = new Run<R>(groupIn(config, currentScope(), DIRECT), unwrapUnmapped(args));
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
      group = groupIn(config, scope, SUBMITTED);
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
    const firstName = flow.reserveNames(spec.name, plan.length);
    // Runs that need their arguments only when their body starts are made without them (the
    // plan's columns, the input arrays, stay referenced by the group instead).
    const deferrable =
      spec.taskRunName === undefined &&
      spec.params === undefined &&
      spec.paramsSchema === undefined &&
      flow.runner.checkArgs === undefined &&
      config.waitFor === undefined &&
      plan.scan.every((j) => plan.columns[j] !== undefined);
    const group = groupIn(config, scope, {
      direct: false,
      argIndices: plan.scan,
      argsOf: deferrable ? (nameIndex) => argsAt(plan, nameIndex - firstName) : undefined,
    });
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
      () => groupIn(config, currentScope(), STREAMED),
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

  const withOptions = (options: TaskRunOptions<A, R> & { readonly name?: string }): Task<A, R> => {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`task "${spec.name}": with() takes an options object, got ${describeValue(options)}`);
    }
    const { name: rename, ...runOptions } = options;
    checkOptionKeys('task', spec.name, runOptions, RUN_OPTION_KEYS, TASK_ONLY);
    if (rename !== undefined && (typeof rename !== 'string' || rename.trim() === '')) {
      throw new InvalidTaskOptionsError(spec.name, 'name', `must be a non-empty string, got ${describeValue(rename)}`);
    }
    const built = buildSpec(rename ?? spec.name, spec.fn, runOptions as TaskRunOptions<unknown[]>, spec, config.cache);
    const ownLimit = built.maxConcurrency !== undefined;
    return makeTask<A, R>({
      spec: built.spec,
      waitFor: config.waitFor,
      maxConcurrency: built.maxConcurrency ?? config.maxConcurrency,
      progress: built.progress ?? config.progress,
      limits: ownLimit ? new WeakMap<FlowRun, Slots>() : config.limits,
      cache: built.cache,
      tagGates: built.spec.tags === spec.tags ? config.tagGates : new WeakMap(),
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
export function task<
  S extends StandardSchemaV1<unknown, unknown[]>,
  F extends (...args: SchemaOutput<S>) => BodyValue<RS>,
  RS extends StandardSchemaV1 | undefined = undefined,
>(options: SchemaTaskOptions<S, RS>, fn: F): Task<SchemaInput<S>, RS extends StandardSchemaV1 ? NonNullable<RS['~standard']['types']>['output'] : TaskFunctionValue<F>>;
export function task<RS extends StandardSchemaV1, F extends (...args: never) => BodyValue<RS>>(
  options: Omit<TaskOptions<TaskFunctionArgs<NoInfer<F>>>, 'returns'> & { readonly returns: RS },
  fn: F,
): Task<TaskFunctionArgs<F>, NonNullable<RS['~standard']['types']>['output']>;
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
    params: undefined,
    returns: undefined,
    ...checkCodec(name, 'params', options.params),
    ...checkCodec(name, 'returns', options.returns),
    module: options.module,
  };
  const built = buildSpec(name, fn as TaskSpec['fn'], options, undefined, undefined, codecs);
  return makeTask<unknown[], unknown>({
    spec: built.spec,
    waitFor: undefined,
    maxConcurrency: built.maxConcurrency ?? TASK_DEFAULTS.maxConcurrency,
    progress: built.progress ?? TASK_DEFAULTS.progress,
    limits: new WeakMap<FlowRun, Slots>(),
    cache: built.cache,
    tagGates: new WeakMap(),
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
