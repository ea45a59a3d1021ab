/**
 * A task's options: their types, their defaults, and the one step that checks them and compiles
 * them into the engine's task spec.
 *
 * @module
 */
import type { Mixed, Type } from 'io-ts';
import { NOT_A_CHECKER, readChecker, type StandardSchemaV1 } from '../core/codecs.js';
import { describeValue } from '../core/errors/base.js';
import { InvalidTaskOptionsError } from '../core/errors/input.js';
import { type KeyList } from '../core/option-keys.js';
import type { TaskSpec } from '../core/task-spec.js';
import { compileRunName, parameterNames } from '../engine/run-names.js';
import { checkConcurrency } from '../core/option-checks.js';
import { compileHooks, type TaskHookOptions } from '../core/hooks.js';
import { capturePrints } from '../core/log-prints.js';
import { CACHE_DEFAULTS, checkCacheOptions, mergeCacheOptions, type CacheOptions } from '../cache/cache-options.js';

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
 * Run settings of a task, given to `task()` or, per call, to `task.with()`: `A` is the task's
 * arguments, `R` its value (for the `onCompletion` hook). Every time is in milliseconds. A hook
 * option given to `with()` replaces the task's hooks of that option.
 *
 * @example
 * ```ts
 * import { task, type TaskRunOptions } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const patient: TaskRunOptions<[number, number]> = { retries: 3, timeout: 1000 };
 * console.log(await add.with(patient)(1, 2)); // 3
 * ```
 */
export interface TaskRunOptions<A extends unknown[], R = unknown> extends CacheOptions, TaskHookOptions<R> {
  /**
   * The run name: a function of the arguments, or a template such as
   * `"train on {dataset.name} with {config.name}"` naming the function's parameters (or their
   * positions, `{0.name}`). It sees resolved values, not futures.
   *
   * @defaultValue `<task name>-<n>`, counting from 0 in each flow run (`TASK_DEFAULTS.taskRunName`)
   */
  readonly taskRunName?: string | ((...args: A) => string);
  /**
   * How many times a failed attempt is tried again. Time-outs count as failures.
   *
   * @defaultValue 0 (`TASK_DEFAULTS.retries`)
   */
  readonly retries?: number;
  /**
   * The delay before each retry, in ms: one number, a list per retry (the last value repeats when
   * retries outrun it), or a function of the retry number (1 is the first) and the error.
   *
   * @defaultValue 0 (`TASK_DEFAULTS.retryDelay`)
   */
  readonly retryDelay?: RetryDelay;
  /**
   * Random jitter on each retry delay: the delay is multiplied by a factor drawn from
   * `[1 - j, 1 + j]`. Must be from 0 to 1.
   *
   * @defaultValue 0 (`TASK_DEFAULTS.retryJitterFactor`)
   */
  readonly retryJitterFactor?: number;
  /**
   * Decides whether an error is worth a retry.
   *
   * @defaultValue every error is retried while retries remain (`TASK_DEFAULTS.retryCondition`)
   */
  readonly retryCondition?: (error: unknown) => boolean;
  /**
   * Per-attempt time-out in ms: the attempt's signal aborts, an Observable body is unsubscribed,
   * and the run fails `TimedOut` at the deadline even if the body ignores its signal.
   *
   * @defaultValue no time-out (`TASK_DEFAULTS.timeout`)
   */
  readonly timeout?: number;
  /**
   * The random source for jitter, returning numbers in [0, 1). Inject one in tests.
   *
   * @defaultValue `Math.random` (`TASK_DEFAULTS.random`)
   */
  readonly random?: () => number;
  /**
   * At most this many runs of this task run at once in a flow run, on top of the runner's own
   * limit, across `submit`, `map` and the copies made by `waitFor` or `with` (a `with` that sets
   * its own `maxConcurrency` starts a separate limit). Runs waiting for one of these slots hold no
   * runner slot.
   *
   * @defaultValue `Infinity` (`TASK_DEFAULTS.maxConcurrency`)
   */
  readonly maxConcurrency?: number;
  /**
   * A live progress bar on stderr for each `map` of this task (labelled with the task's name):
   * done, failed, running and total, rate and ETA, shown once the map has run for half a second.
   * When stderr is not a terminal, a plain line every 10 s instead. `submit`, `mapStream` and
   * direct calls show none. Usually set per call: `task.with({ progress: true }).map(items)`.
   *
   * @defaultValue `false` (`TASK_DEFAULTS.progress`)
   */
  readonly progress?: boolean;
  /**
   * Tags, as in Prefect: a run may start only when every one of its tags that has a concurrency
   * limit in the flow's `limits` has a free slot (all at once, after its `waitFor` and cache
   * look-up, before the runner's slot: a run waiting for a tag holds no runner slot), and holds
   * them until it ends. A tag with no limit does not gate. Tags also show in run events and
   * recordings. `with({ tags })` adds to the task's tags.
   *
   * @defaultValue no tags (`TASK_DEFAULTS.tags`)
   */
  readonly tags?: readonly string[];
  /**
   * Sends what the body prints with `console.log` and `console.info` to the run's logger (the
   * one `getRunContext().logger` gives), at `info` with the run's fields, as Prefect's
   * `log_prints`: `util.format` of the arguments, as the console would print them. A print is the
   * body's when it is made in the body's async context, so concurrent bodies never take each
   * other's, and a callback the body started (a timer, a promise) still counts after the body
   * ended. Unset, the task takes its flow's `logPrints`; `false` opts out of the flow's. Bodies
   * on worker threads and `sluice worker` processes print as they are, where they run.
   *
   * @example
   * ```ts
   * import { flow, task } from 'sluice';
   * const load = task({ name: 'load', logPrints: true }, (rows: number) => {
   *   console.log('loaded %d rows', rows); // 12:00:01.123 INFO  [etl / load-0] loaded 120 rows
   *   return rows;
   * });
   * const quiet = load.with({ logPrints: false }); // prints to the console as it is
   * console.log(await flow('etl', () => load(120))()); // 120
   * ```
   *
   * @defaultValue the flow's `logPrints` (`TASK_DEFAULTS.logPrints`)
   */
  readonly logPrints?: boolean;
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
export interface TaskOptions<A extends unknown[], R = unknown> extends TaskRunOptions<A, R> {
  /**
   * The task's name, used in run names, events and errors (and by worker-thread and BullMQ
   * runners to find the task in its module).
   *
   * @defaultValue the function's own name (`fn.name`); an anonymous function needs one
   */
  readonly name?: string;
  /**
   * An io-ts codec for the argument tuple (`t.tuple([...])`), or a Standard Schema validator of
   * it (zod's `z.tuple([...])`, valibot's `v.tuple([...])`, ArkType). Arguments are checked after
   * futures resolve and before the run takes a slot; a misfit fails the run with an
   * `InvalidParamsError` (code `INVALID_PARAMS`) that names each argument, and the body never
   * runs. A schema's output is what the body gets (so a transforming schema, such as
   * `z.coerce.date()`, hands the body a `Date`); it must validate synchronously.
   *
   * @defaultValue no check
   */
  readonly params?: Type<A, unknown, unknown> | StandardSchemaV1<unknown, A>;
  /**
   * An io-ts codec for the body's value, or a Standard Schema validator of it: a misfit fails the
   * run with an `InvalidReturnError` (code `INVALID_RETURN`), not retried. A schema's output is
   * the run's value.
   *
   * @defaultValue no check
   */
  readonly returns?: Type<R, unknown, unknown> | StandardSchemaV1<unknown, R>;
  /**
   * The URL of the module that defines the task (`import.meta.url`), for runners that run bodies
   * in other threads or processes: they import this module there and find the task by name.
   *
   * @defaultValue undefined (the task runs only on in-process runners)
   */
  readonly module?: string;
}

/**
 * The argument tuple a Standard Schema takes (its input type): what callers pass to the task.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import type { SchemaInput } from 'sluice';
 * const Params = z.tuple([z.string()]);
 * const args: SchemaInput<typeof Params> = ['Ada'];
 * ```
 */
export type SchemaInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'] extends infer I extends unknown[] ? I : never;

/**
 * The argument tuple a Standard Schema gives (its output type): what the task's body receives.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import type { SchemaOutput } from 'sluice';
 * const Params = z.tuple([z.coerce.date()]);
 * const args: SchemaOutput<typeof Params> = [new Date()];
 * ```
 */
export type SchemaOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/**
 * The options of `task()` when `params` is a Standard Schema (zod, valibot, ArkType): the body's
 * parameters are typed from the schema's output and the task's from its input; a `returns`
 * schema, if any, types the task's value by its output.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { task, type SchemaTaskOptions } from 'sluice';
 * const Params = z.tuple([z.object({ name: z.string() })]);
 * const options: SchemaTaskOptions<typeof Params, undefined> = { name: 'greet', params: Params };
 * const greet = task(options, (user) => `hello ${user.name}`);
 * console.log(await greet({ name: 'Ada' })); // hello Ada
 * ```
 */
export interface SchemaTaskOptions<S extends StandardSchemaV1<unknown, unknown[]>, RS extends StandardSchemaV1 | undefined>
  extends TaskRunOptions<SchemaInput<S>> {
  /** As in {@link TaskOptions.name}. */
  readonly name?: string;
  /** The Standard Schema of the argument tuple: see {@link TaskOptions.params}. */
  readonly params: S;
  /** A Standard Schema (or io-ts codec) of the body's value: see {@link TaskOptions.returns}. */
  readonly returns?: RS;
  /** As in {@link TaskOptions.module}. */
  readonly module?: string;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

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
  /** No tags. */
  tags: NO_TAGS,
  /** Prints go to the run's logger when its flow's `logPrints` is on. */
  logPrints: undefined,
  /** No caching (see `CACHE_DEFAULTS`). */
  ...CACHE_DEFAULTS,
  /** No hook as each attempt starts. */
  onRunning: undefined,
  /** No hook when a run completes. */
  onCompletion: undefined,
  /** No hook when a run fails. */
  onFailure: undefined,
  /** No hook when a run is cancelled. */
  onCancellation: undefined,
  /** No hook when a run crashes. */
  onCrashed: undefined,
  // Every run option has its entry here: the unknown-option check reads its keys from this object.
} as const satisfies { readonly [K in keyof TaskRunOptions<unknown[]>]-?: unknown };

/** The options `with()` takes: every run option. @internal */
export const RUN_OPTION_KEYS: readonly string[] = Object.keys(TASK_DEFAULTS);

/** The options `task()` takes: the run options and the task's definition. @internal */
export const TASK_OPTION_KEYS: readonly string[] = [
  ...RUN_OPTION_KEYS,
  ...Object.keys({ name: true, params: true, returns: true, module: true } satisfies KeyList<Omit<TaskOptions<unknown[]>, keyof TaskRunOptions<unknown[]>>>),
];

/** What `with()` says of an option that only `task()` takes. @internal */
export const TASK_ONLY: Readonly<Record<string, string>> = Object.fromEntries(
  TASK_OPTION_KEYS.filter((key) => !RUN_OPTION_KEYS.includes(key) && key !== 'name').map((key) => [key, `\`${key}\` is set by task(), not with()`]),
);

function fail(name: string, option: string, message: string): never {
  throw new InvalidTaskOptionsError(name, option, message);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && !Number.isNaN(value);
}

/** The base's tags and the given ones, each once, frozen (one array shared by every run). */
function mergeTags(name: string, given: unknown, base: readonly string[]): readonly string[] {
  if (given === undefined) return base;
  if (!Array.isArray(given) || !given.every((tag) => typeof tag === 'string' && tag !== '')) {
    fail(name, 'tags', `must be a list of non-empty strings, got ${describeValue(given)}`);
  }
  const tags = [...new Set([...base, ...(given as string[])])];
  return tags.length === base.length ? base : Object.freeze(tags);
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

/** A task's checks as the spec holds them: an io-ts codec, or a Standard Schema, or neither. @internal */
export interface TaskChecks {
  readonly params: Mixed | undefined;
  readonly returns: Mixed | undefined;
  readonly paramsSchema?: StandardSchemaV1 | undefined;
  readonly returnsSchema?: StandardSchemaV1 | undefined;
  readonly module?: string | undefined;
}

/** Checks that a `params` or `returns` option is an io-ts codec or a Standard Schema. @internal */
export function checkCodec(name: string, option: 'params' | 'returns', codec: unknown): Partial<TaskChecks> {
  if (codec === undefined) return {};
  const checker = readChecker(codec);
  if (checker === undefined) fail(name, option, `${NOT_A_CHECKER}, got ${describeValue(codec)}`);
  if ('schema' in checker) return option === 'params' ? { paramsSchema: checker.schema } : { returnsSchema: checker.schema };
  return { [option]: checker.codec };
}

/**
 * Compiles a task's options (over a base task's, for `with`) into the engine's spec: each option
 * checked once, each default taken from {@link TASK_DEFAULTS}. @internal
 */
export function buildSpec(
  name: string,
  fn: TaskSpec['fn'],
  options: TaskRunOptions<unknown[]>,
  base: TaskSpec | undefined,
  baseCache: CacheOptions | undefined,
  codecs: TaskChecks = {
    params: base?.params,
    returns: base?.returns,
    paramsSchema: base?.paramsSchema,
    returnsSchema: base?.returnsSchema,
  },
): { spec: TaskSpec; maxConcurrency: number | undefined; progress: boolean | undefined; cache: CacheOptions | undefined } {
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
  const tags = mergeTags(name, options.tags, base?.tags ?? NO_TAGS);
  const logPrints = options.logPrints ?? base?.logPrints;
  if (logPrints !== undefined && typeof logPrints !== 'boolean') fail(name, 'logPrints', `must be true or false, got ${describeValue(logPrints)}`);
  // Only now: a process that never turns it on keeps its console as it is.
  if (logPrints === true) capturePrints();
  const progress = options.progress;
  if (progress !== undefined && typeof progress !== 'boolean') fail(name, 'progress', `must be true or false, got ${describeValue(progress)}`);
  const cache = mergeCacheOptions(
    baseCache,
    checkCacheOptions(options, (option, message) => fail(name, option, message)),
  );
  const hooks = compileHooks(options, base?.hooks, (option, message) => fail(name, option, message));
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
      // A renamed copy is still found by the name it was defined with.
      definedAs: base === undefined || base.name === name ? base?.definedAs : (base.definedAs ?? base.name),
      tags,
      logPrints,
      hooks,
    },
    maxConcurrency,
    progress,
    cache,
  };
}

