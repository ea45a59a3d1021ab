/**
 * The caching options a task and a flow take, and what the engine reads of them once a run's
 * task and flow are known.
 *
 * @module
 */
import { cachePolicies, CachePolicy, type CacheKeyFn } from './policies.js';
import type { ResultSerializer } from './serializer.js';
import { resultSerializers } from './serializers.js';
import type { ResultStore } from './store.js';

/**
 * How two runs with the same key that start together are kept apart:
 * - `'read-committed'` (the default): each looks the key up; both may miss and both compute;
 * - `'serializable'`: one at a time per key, so the second waits for the first's record and
 *   reads it (single flight). Within one process always; across processes and machines when the
 *   store has a `lock` (the file and Redis stores do).
 *
 * @example
 * ```ts
 * import type { CacheIsolation } from 'sluice';
 * const isolation: CacheIsolation = 'serializable';
 * ```
 */
export type CacheIsolation = 'read-committed' | 'serializable';

/**
 * The caching options, as a task takes them (`task()`, `with()`) and as a flow takes them for
 * its tasks that set none. Caching is off until a `cachePolicy` or a `cacheKeyFn` is given.
 *
 * @example
 * ```ts
 * import { cachePolicies, type CacheOptions } from 'sluice';
 * const options: CacheOptions = { cachePolicy: cachePolicies.inputs, cacheExpiration: 3_600_000 };
 * ```
 */
export interface CacheOptions {
  /**
   * How a run's cache key is made (see {@link cachePolicies}). A run whose key has a record
   * ends `Completed`, named `Cached`, without running its body or taking a slot; a run that
   * completes stores its value under its key.
   *
   * @defaultValue no caching (`CACHE_DEFAULTS.cachePolicy`, `cachePolicies.none`)
   */
  readonly cachePolicy?: CachePolicy;
  /**
   * A custom key, `(context, args) => string | undefined`: the same as
   * `cachePolicy: cachePolicies.keyFn(fn)`; `undefined` means "do not cache this run". Given
   * with a `cachePolicy`, the key holds both.
   *
   * @defaultValue none (`CACHE_DEFAULTS.cacheKeyFn`)
   */
  readonly cacheKeyFn?: CacheKeyFn;
  /**
   * How long a record counts, in milliseconds from when it was written; an older record is a
   * miss. Stored with the record: it holds for everyone who reads the key.
   *
   * @defaultValue records never expire (`CACHE_DEFAULTS.cacheExpiration`)
   */
  readonly cacheExpiration?: number;
  /**
   * Runs the body even when a record exists, and overwrites the record.
   *
   * @defaultValue `false` (`CACHE_DEFAULTS.refreshCache`)
   */
  readonly refreshCache?: boolean;
  /**
   * Where records are kept: a {@link FileResultStore}, a {@link RedisResultStore}, or your own
   * {@link ResultStore}.
   *
   * @defaultValue a `FileResultStore` in `$SLUICE_RESULTS_DIR`, else `.sluice/results` under the
   * working directory (`CACHE_DEFAULTS.resultStorage`)
   */
  readonly resultStorage?: ResultStore;
  /**
   * How values become bytes: {@link resultSerializers}`.json`, `.v8`, or your own.
   *
   * @defaultValue `resultSerializers.json`, through the task's `returns` codec when it has one
   * (`CACHE_DEFAULTS.resultSerializer`)
   */
  readonly resultSerializer?: ResultSerializer;
  /**
   * Whether two runs with the same key compute once (`'serializable'`) or may both compute.
   *
   * @defaultValue `'read-committed'` (`CACHE_DEFAULTS.cacheIsolation`)
   */
  readonly cacheIsolation?: CacheIsolation;
}

/**
 * The defaults of {@link CacheOptions}.
 *
 * @example
 * ```ts
 * import { CACHE_DEFAULTS } from 'sluice';
 * console.log(CACHE_DEFAULTS.cacheIsolation); // read-committed
 * ```
 */
export const CACHE_DEFAULTS = {
  cachePolicy: cachePolicies.none,
  cacheKeyFn: undefined,
  cacheExpiration: undefined,
  refreshCache: false,
  /** A `FileResultStore` at its default folder, made on first use. */
  resultStorage: undefined,
  resultSerializer: resultSerializers.json,
  cacheIsolation: 'read-committed',
} as const satisfies { readonly [K in keyof Required<CacheOptions>]: Required<CacheOptions>[K] | undefined };

/** The names of the caching options, for the unknown-option checks. @internal */
export const CACHE_OPTION_KEYS: readonly string[] = Object.keys(CACHE_DEFAULTS);

/** A run's caching, as the engine reads it: only made when caching is on. @internal */
export interface CacheSettings {
  readonly policy: CachePolicy;
  readonly expiration: number | undefined;
  readonly refresh: boolean;
  readonly storage: ResultStore;
  readonly serializer: ResultSerializer;
  readonly isolation: CacheIsolation;
}

/**
 * Checks the caching options of a task or flow and returns the ones given, or `undefined` when
 * none is: a task with no caching costs nothing more per run. `fail` throws the owner's error
 * (a task's `InvalidTaskOptionsError`, a flow's `InvalidArgumentError`). @internal
 */
export function checkCacheOptions(options: CacheOptions, fail: (option: string, message: string) => never): CacheOptions | undefined {
  const { cachePolicy, cacheKeyFn, cacheExpiration, refreshCache, resultStorage, resultSerializer, cacheIsolation } = options;
  if (
    cachePolicy === undefined &&
    cacheKeyFn === undefined &&
    cacheExpiration === undefined &&
    refreshCache === undefined &&
    resultStorage === undefined &&
    resultSerializer === undefined &&
    cacheIsolation === undefined
  ) {
    return undefined;
  }
  if (cachePolicy !== undefined && !(cachePolicy instanceof CachePolicy)) fail('cachePolicy', `must be a cache policy (from cachePolicies), got ${typeof cachePolicy}`);
  if (cacheKeyFn !== undefined && typeof cacheKeyFn !== 'function') fail('cacheKeyFn', `must be a function (context, args) => string | undefined, got ${typeof cacheKeyFn}`);
  if (cacheExpiration !== undefined && (typeof cacheExpiration !== 'number' || !(cacheExpiration > 0))) {
    fail('cacheExpiration', `must be a positive number of ms, got ${String(cacheExpiration)}`);
  }
  if (refreshCache !== undefined && typeof refreshCache !== 'boolean') fail('refreshCache', `must be true or false, got ${typeof refreshCache}`);
  if (resultStorage !== undefined) {
    const store = resultStorage as Partial<ResultStore> | null;
    if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
      fail('resultStorage', 'must be a result store, with get, set and delete methods (a FileResultStore, a RedisResultStore, or your own)');
    }
  }
  if (resultSerializer !== undefined) {
    const s = resultSerializer as Partial<ResultSerializer> | null;
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || typeof s.serialize !== 'function' || typeof s.deserialize !== 'function') {
      fail('resultSerializer', 'must be a serializer, with a name and serialize and deserialize methods (resultSerializers.json, .v8, or your own)');
    }
  }
  if (cacheIsolation !== undefined && cacheIsolation !== 'read-committed' && cacheIsolation !== 'serializable') {
    fail('cacheIsolation', `must be 'read-committed' or 'serializable', got ${String(cacheIsolation)}`);
  }
  return { cachePolicy, cacheKeyFn, cacheExpiration, refreshCache, resultStorage, resultSerializer, cacheIsolation };
}

/** `more`'s options over `base`'s (for `task.with()`). @internal */
export function mergeCacheOptions(base: CacheOptions | undefined, more: CacheOptions | undefined): CacheOptions | undefined {
  if (more === undefined) return base;
  if (base === undefined) return more;
  // A new key function replaces a policy, and the other way round.
  const keyed = more.cachePolicy !== undefined || more.cacheKeyFn !== undefined;
  return {
    cachePolicy: keyed ? more.cachePolicy : base.cachePolicy,
    cacheKeyFn: keyed ? more.cacheKeyFn : base.cacheKeyFn,
    cacheExpiration: more.cacheExpiration ?? base.cacheExpiration,
    refreshCache: more.refreshCache ?? base.refreshCache,
    resultStorage: more.resultStorage ?? base.resultStorage,
    resultSerializer: more.resultSerializer ?? base.resultSerializer,
    cacheIsolation: more.cacheIsolation ?? base.cacheIsolation,
  };
}

/** The policy a set of options keys on: its `cachePolicy`, plus its `cacheKeyFn`. */
function policyOf(options: CacheOptions | undefined): CachePolicy | undefined {
  const fn = options?.cacheKeyFn;
  if (fn === undefined) return options?.cachePolicy;
  const byFn = cachePolicies.keyFn(fn);
  return options?.cachePolicy === undefined ? byFn : options.cachePolicy.plus(byFn);
}

/**
 * A run's caching from its task's options and its flow's, or `undefined` when caching is off.
 * `defaultStore` is called only when caching is on and neither gives a store. @internal
 */
export function resolveCache(task: CacheOptions | undefined, flow: CacheOptions | undefined, defaultStore: () => ResultStore): CacheSettings | undefined {
  if (task === undefined && flow === undefined) return undefined;
  const policy = policyOf(task) ?? policyOf(flow);
  if (policy === undefined || policy.isNone) return undefined;
  return {
    policy,
    expiration: task?.cacheExpiration ?? flow?.cacheExpiration,
    refresh: task?.refreshCache ?? flow?.refreshCache ?? CACHE_DEFAULTS.refreshCache,
    storage: task?.resultStorage ?? flow?.resultStorage ?? defaultStore(),
    serializer: task?.resultSerializer ?? flow?.resultSerializer ?? CACHE_DEFAULTS.resultSerializer,
    isolation: task?.cacheIsolation ?? flow?.cacheIsolation ?? CACHE_DEFAULTS.cacheIsolation,
  };
}
