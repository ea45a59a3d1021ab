/**
 * `concurrencyLimits()`: named concurrency and rate limits, shared by every flow that is given
 * them (and by `concurrency()`/`rateLimit()` outside flows, once made the default).
 *
 * @module
 */
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { InvalidLimitsError } from '../core/errors/limits.js';
import { MemoryLimitsHome, type LimitsHome, type RateSpec } from './home.js';

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
  /** Where the counts are kept: `memory`, in this process. */
  readonly home: 'memory';
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
 * The counts live in this process for now; a home shared across processes (Redis) is planned,
 * behind the same calls.
 *
 * @param concurrency - slots per name: non-negative integers (0 makes a tagged run fail at once)
 * @param options - `rate`: rate limits per name
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
    if (key !== 'rate') throw new InvalidArgumentError(`concurrencyLimits(): unknown option \`${key}\`; it takes \`rate\``);
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
  const limits: Limits = Object.freeze({ concurrency: Object.freeze({ ...slots }), rate: Object.freeze({ ...rates }), home: 'memory' });
  homes.set(limits, new MemoryLimitsHome(slots, rates));
  return limits;
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
