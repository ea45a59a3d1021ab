/**
 * `concurrencyLimits()`: named concurrency and rate limits, shared by every flow that is given
 * them (and by `concurrency()`/`rateLimit()` outside flows, once made the default).
 *
 * @module
 */
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { InvalidLimitsError } from '../core/errors/limits.js';
import type { Redis, RedisOptions } from 'ioredis';
import { checkInstalled } from '../core/optional-package.js';
import { REDIS_STORE_PACKAGES } from '../cache/lazy-deps.js';
import { redisTarget } from '../cache/redis-connection.js';
import { MemoryLimitsHome, type LimitsHome, type RateSpec } from './home.js';
import { RedisLimitsHome } from './redis-home.js';

/**
 * A rate limit: at most `limit` tokens are taken in any window of `per` ms. Each token taken comes
 * back `per` ms after it was taken (a sliding window), so a burst of `limit` goes at once and
 * the next waits for the first to come back.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, type RateLimitOptions } from 'sluice';
 * const fiftyAMinute: RateLimitOptions = { limit: 50, per: 60_000 };
 * const limits = concurrencyLimits({}, { rate: { 'crm-api': fiftyAMinute } });
 * ```
 */
export interface RateLimitOptions {
  /** How many tokens a window holds: a non-negative integer. */
  readonly limit: number;
  /** The window, in ms: a positive number. */
  readonly per: number;
}

/**
 * Where limits kept in Redis live: the `redis` option of {@link concurrencyLimits}. Every process
 * that gives the same Redis and `prefix` shares the counts; give them all the same limits and the
 * same `lease`.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, type RedisLimitsOptions } from 'sluice';
 * const redis: RedisLimitsOptions = { connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', lease: 10_000 };
 * const limits = concurrencyLimits({ 'crm-api': 5 }, { redis });
 * ```
 */
export interface RedisLimitsOptions {
  /**
   * Where Redis is: a `redis://` or `rediss://` URL (with password and db if any), ioredis
   * options, or an ioredis client of yours (used as it is, never closed). From a URL or options
   * the limits open their own connection on first use; it keeps the process alive only while a
   * slot is held or waited for.
   *
   * @defaultValue `'redis://127.0.0.1:6379'` (`REDIS_LIMITS_DEFAULTS.connection`)
   */
  readonly connection?: string | RedisOptions | Redis;
  /**
   * Put in every key: a limit's slots are the sorted set `semaphore:<prefix>slots:<name>`, its
   * tokens `semaphore:<prefix>tokens:<name>` (redis-semaphore puts `semaphore:` first).
   *
   * @defaultValue `'sluice:limits:'` (`REDIS_LIMITS_DEFAULTS.prefix`)
   */
  readonly prefix?: string;
  /**
   * How long, in ms, a slot outlives a holder that stopped renewing it: each holder renews its
   * slots every third of this, so the slots of a process that died (SIGKILL, a lost machine)
   * come back this long after its last renewal at most. A process stalled longer (a debugger,
   * SIGSTOP) loses its slots while it still runs. At least 1000.
   *
   * @defaultValue `30000` (`REDIS_LIMITS_DEFAULTS.lease`)
   */
  readonly lease?: number;
  /**
   * How long, in ms, Redis may go unanswering before the runs and calls waiting for slots fail
   * with a `LimitsUnavailableError` (`LIMITS_UNAVAILABLE`), holding nothing. Also each command's
   * time-out on the connection the limits open.
   *
   * @defaultValue `5000` (`REDIS_LIMITS_DEFAULTS.commandTimeout`)
   */
  readonly commandTimeout?: number;
  /**
   * How often, in ms, a waiter asks Redis again for a slot that is taken. A freed slot wakes its
   * waiters at once (through the channel `<prefix>freed`), so this only bounds the wait when a
   * wake-up is lost (the subscriber reconnecting); lower costs Redis more commands. At least 10.
   *
   * @defaultValue `100` (`REDIS_LIMITS_DEFAULTS.pollInterval`)
   */
  readonly pollInterval?: number;
}

/**
 * The defaults of {@link RedisLimitsOptions}.
 *
 * @example
 * ```ts
 * import { REDIS_LIMITS_DEFAULTS } from 'sluice';
 * console.log(REDIS_LIMITS_DEFAULTS.lease); // 30000
 * ```
 */
export const REDIS_LIMITS_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  prefix: 'sluice:limits:',
  lease: 30_000,
  commandTimeout: 5000,
  pollInterval: 100,
} as const satisfies Required<RedisLimitsOptions>;

/**
 * The second argument of {@link concurrencyLimits}.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, type ConcurrencyLimitsOptions } from 'sluice';
 * const options: ConcurrencyLimitsOptions = { rate: { 'crm-api': { limit: 50, per: 60_000 } } };
 * const limits = concurrencyLimits({ 'crm-api': 5 }, options);
 * ```
 */
export interface ConcurrencyLimitsOptions {
  /**
   * Rate limits by name, for `rateLimit(name)`. A name may have a concurrency limit and a rate
   * limit both; tags are gated by concurrency limits only (as in Prefect).
   *
   * @defaultValue no rate limits
   */
  readonly rate?: Readonly<Record<string, RateLimitOptions>>;
  /**
   * Keep the counts in Redis, shared by every process and machine that uses the same Redis and
   * prefix, rather than in this process. Needs the optional packages ioredis and redis-semaphore.
   *
   * @defaultValue the counts are kept in this process
   */
  readonly redis?: RedisLimitsOptions;
}

/**
 * A set of named limits, made by {@link concurrencyLimits}: pass it to `flow({ limits })`, or make
 * it the process's default with {@link setDefaultLimits}. Its counts are kept in this process,
 * shared by every flow given the same object.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, type Limits } from 'sluice';
 * const limits: Limits = concurrencyLimits({ 'crm-api': 5, 'warehouse-db': 10 });
 * console.log(limits.concurrency['crm-api'], limits.home); // 5 memory
 * ```
 */
export interface Limits {
  /** The concurrency limits: how many slots each name has. */
  readonly concurrency: Readonly<Record<string, number>>;
  /** The rate limits. */
  readonly rate: Readonly<Record<string, RateLimitOptions>>;
  /** Where the counts are kept: `memory`, in this process, or `redis`, shared through Redis. */
  readonly home: 'memory' | 'redis';
}

const homes = new WeakMap<Limits, LimitsHome>();
let defaultLimits: Limits | undefined;

function plainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkCount(name: string, option: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new InvalidLimitsError(name, option, `must be a non-negative integer, got ${describeValue(value)}`);
}

/**
 * Defines named limits, kept in this process: concurrency limits (slots, held while work runs)
 * and rate limits (tokens, each back `per` ms after it was taken). Pass them to a flow as
 * `flow({ name, limits }, fn)`: its tasks' `tags` are gated by the concurrency limits of the
 * same names (a tag with no limit does not gate), and `concurrency()`/`rateLimit()` in its bodies
 * use them. Subflows use their parent's. Every flow given the same object shares its counts.
 *
 * The counts live in this process, or, with `redis`, in Redis: shared by every process and
 * machine that uses the same Redis and prefix (three `sluice worker` processes and two flow
 * processes hold one limit of 5 together). A slot there is a lease its holder renews; a holder
 * that dies loses it when the lease ends.
 *
 * @param concurrency - slots per name: non-negative integers (0 makes a tagged run fail at once)
 * @param options - `rate`: rate limits per name; `redis`: keep the counts in Redis
 * @throws InvalidLimitsError (`INVALID_LIMITS`) naming the limit and the option that is wrong
 *
 * @example
 * ```ts
 * import { concurrencyLimits, flow, task } from 'sluice';
 *
 * const fetchUser = task({ name: 'fetch_user', tags: ['crm-api'] }, async (id: string) => ({ id }));
 * const limits = concurrencyLimits({ 'crm-api': 5 }, { rate: { 'crm-api': { limit: 50, per: 60_000 } } });
 * const sync = flow({ name: 'sync', limits }, (ids: string[]) => fetchUser.map(ids).result());
 * console.log(await sync(['a', 'b'])); // [ { id: 'a' }, { id: 'b' } ], at most 5 at once
 * ```
 */
export function concurrencyLimits(concurrency: Readonly<Record<string, number>>, options: ConcurrencyLimitsOptions = {}): Limits {
  if (!plainRecord(concurrency)) {
    throw new InvalidArgumentError(`concurrencyLimits(): the limits must be an object of names to counts, got ${describeValue(concurrency)}`);
  }
  if (!plainRecord(options)) throw new InvalidArgumentError(`concurrencyLimits(): options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'rate' && key !== 'redis') throw new InvalidArgumentError(`concurrencyLimits(): unknown option \`${key}\`; it takes \`rate\` and \`redis\``);
  }
  const slots: Record<string, number> = {};
  for (const [name, value] of Object.entries(concurrency)) slots[name] = checkCount(name, 'concurrency', value);
  const rates: Record<string, RateSpec> = {};
  const rate: unknown = options.rate ?? {};
  if (!plainRecord(rate)) throw new InvalidArgumentError(`concurrencyLimits(): \`rate\` must be an object of names to { limit, per }, got ${describeValue(rate)}`);
  for (const [name, value] of Object.entries(rate)) {
    if (!plainRecord(value)) throw new InvalidLimitsError(name, 'rate', `must be { limit, per }, got ${describeValue(value)}`);
    const limit = checkCount(name, 'rate.limit', value.limit);
    const per = value.per;
    if (typeof per !== 'number' || !Number.isFinite(per) || per <= 0) {
      throw new InvalidLimitsError(name, 'rate.per', `must be a positive number of ms, got ${describeValue(per)}`);
    }
    rates[name] = Object.freeze({ limit, per });
  }
  const redis = options.redis === undefined ? undefined : redisSettings(options.redis);
  const limits: Limits = Object.freeze({ concurrency: Object.freeze({ ...slots }), rate: Object.freeze({ ...rates }), home: redis === undefined ? 'memory' : 'redis' });
  homes.set(limits, redis === undefined ? new MemoryLimitsHome(slots, rates) : new RedisLimitsHome(slots, rates, redis));
  return limits;
}

function redisSettings(given: unknown): ConstructorParameters<typeof RedisLimitsHome>[2] {
  const owner = 'concurrencyLimits(): `redis`';
  if (!plainRecord(given)) throw new InvalidArgumentError(`${owner} must be an object of { connection, prefix, lease, commandTimeout, pollInterval }, got ${describeValue(given)}`);
  const known = Object.keys(REDIS_LIMITS_DEFAULTS);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`${owner}: unknown option \`${key}\`; it takes ${known.map((k) => `\`${k}\``).join(', ')}`);
  }
  // Said now, not when the first tagged run waits.
  for (const name of REDIS_STORE_PACKAGES) checkInstalled(name, 'concurrencyLimits({ redis })', REDIS_STORE_PACKAGES);
  const target = redisTarget(owner, given.connection ?? REDIS_LIMITS_DEFAULTS.connection);
  const prefix = given.prefix ?? REDIS_LIMITS_DEFAULTS.prefix;
  if (typeof prefix !== 'string') throw new InvalidArgumentError(`${owner}: \`prefix\` must be a string, got ${describeValue(prefix)}`);
  const lease = given.lease ?? REDIS_LIMITS_DEFAULTS.lease;
  if (typeof lease !== 'number' || !Number.isFinite(lease) || lease < 1000) {
    throw new InvalidArgumentError(`${owner}: \`lease\` must be a number of ms from 1000 up, got ${describeValue(lease)}`);
  }
  const commandTimeout = given.commandTimeout ?? REDIS_LIMITS_DEFAULTS.commandTimeout;
  if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
    throw new InvalidArgumentError(`${owner}: \`commandTimeout\` must be a positive number of ms, got ${describeValue(commandTimeout)}`);
  }
  const pollInterval = given.pollInterval ?? REDIS_LIMITS_DEFAULTS.pollInterval;
  if (typeof pollInterval !== 'number' || !Number.isFinite(pollInterval) || pollInterval < 10) {
    throw new InvalidArgumentError(`${owner}: \`pollInterval\` must be a number of ms from 10 up, got ${describeValue(pollInterval)}`);
  }
  return { target, prefix, lease: Math.round(lease), commandTimeout, pollInterval: Math.round(pollInterval) };
}

/**
 * Makes `limits` the process's default: used by flows given no `limits` of their own (and no
 * parent flow with some), by tasks run outside flows, and by `concurrency()`/`rateLimit()` called
 * outside flows. `undefined` removes the default. There is none until this is called.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, setDefaultLimits } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 10 }));
 * console.log(await concurrency('warehouse-db', async () => 'loaded')); // loaded
 * ```
 */
export function setDefaultLimits(limits: Limits | undefined): void {
  if (limits !== undefined && !homes.has(limits)) {
    throw new InvalidArgumentError(`setDefaultLimits(): expected limits made by concurrencyLimits(), or undefined, got ${describeValue(limits)}`);
  }
  defaultLimits = limits;
}

/** The home of limits made by `concurrencyLimits()`, or undefined for anything else. @internal */
export function homeOf(limits: unknown): LimitsHome | undefined {
  return typeof limits === 'object' && limits !== null ? homes.get(limits as Limits) : undefined;
}

/** The process's default limits' home, if any. @internal */
export function defaultHome(): LimitsHome | undefined {
  return defaultLimits === undefined ? undefined : homes.get(defaultLimits);
}
