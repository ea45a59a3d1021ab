/**
 * The errors of shared limits: limits given values they cannot hold, a name with no limit, an
 * `occupy` no limit can ever grant, a wait that timed out, a tag whose limit is 0, and a home
 * (Redis) that stopped answering.
 *
 * @module
 */
import { SluiceError } from './base.js';

/**
 * `concurrencyLimits()` was given a limit it cannot hold: a count that is not a non-negative
 * integer, a rate whose `per` is not a positive number of ms. Raised before anything runs.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, isSluiceError } from 'sluice';
 * try {
 *   concurrencyLimits({ 'crm-api': -1 });
 * } catch (error) {
 *   if (isSluiceError(error, 'INVALID_LIMITS')) console.log(error.limitName, error.option); // crm-api concurrency
 * }
 * ```
 */
export class InvalidLimitsError extends SluiceError {
  /** The limit's name, as given. */
  readonly limitName: string;
  /** What was wrong: `concurrency`, `rate`, `rate.limit` or `rate.per`. */
  readonly option: string;

  constructor(limitName: string, option: string, message: string) {
    super('INVALID_LIMITS', `concurrencyLimits(): limit "${limitName}": \`${option}\` ${message}`);
    this.limitName = limitName;
    this.option = option;
  }
}

/**
 * `concurrency()` or `rateLimit()` named a limit that is not defined (in the flow's `limits`, or
 * the process's default ones outside a flow). Never an unbounded run: the call fails at once.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, isSluiceError, setDefaultLimits } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 10 }));
 * const error = await concurrency('warehuose-db', async () => 1).catch((e: unknown) => e);
 * if (isSluiceError(error, 'LIMIT_NOT_DEFINED')) console.log(error.limitName); // warehuose-db
 * ```
 */
export class LimitNotDefinedError extends SluiceError {
  /** The name asked for. */
  readonly limitName: string;
  /** Which kind of limit was asked for: `concurrency` or `rate`. */
  readonly kind: 'concurrency' | 'rate';

  constructor(caller: string, limitName: string, kind: 'concurrency' | 'rate', where: string) {
    super('LIMIT_NOT_DEFINED', `${caller}: no ${kind} limit named "${limitName}" is defined${where}`);
    this.limitName = limitName;
    this.kind = kind;
  }
}

/**
 * `concurrency()` or `rateLimit()` asked to `occupy` more than the limit holds: it could never be
 * granted, so it fails at once instead of waiting forever.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, isSluiceError, setDefaultLimits } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 2 }));
 * const error = await concurrency('warehouse-db', async () => 1, { occupy: 3 }).catch((e: unknown) => e);
 * if (isSluiceError(error, 'LIMIT_OCCUPY_TOO_LARGE')) console.log(error.occupy, error.limit); // 3 2
 * ```
 */
export class LimitOccupyError extends SluiceError {
  readonly limitName: string;
  /** How many slots or tokens were asked for. */
  readonly occupy: number;
  /** How many the limit holds. */
  readonly limit: number;

  constructor(caller: string, limitName: string, occupy: number, limit: number) {
    super('LIMIT_OCCUPY_TOO_LARGE', `${caller}: \`occupy\` is ${occupy}, more than limit "${limitName}" holds (${limit}); it could never be granted`);
    this.limitName = limitName;
    this.occupy = occupy;
    this.limit = limit;
  }
}

/**
 * `concurrency()` or `rateLimit()` waited longer than its `timeout` for its slots or tokens. It
 * left the queue, holds nothing, and `fn` did not run.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, isSluiceError, setDefaultLimits } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 1 }));
 * const hold = concurrency('warehouse-db', () => new Promise((r) => setTimeout(r, 100)));
 * const error = await concurrency('warehouse-db', async () => 1, { timeout: 10 }).catch((e: unknown) => e);
 * if (isSluiceError(error, 'LIMIT_TIMEOUT')) console.log(error.limitNames, error.timeout); // [ 'warehouse-db' ] 10
 * await hold;
 * ```
 */
export class LimitTimeoutError extends SluiceError {
  /** The limits waited for. */
  readonly limitNames: readonly string[];
  /** The time-out, in ms. */
  readonly timeout: number;

  constructor(caller: string, limitNames: readonly string[], timeout: number) {
    super('LIMIT_TIMEOUT', `${caller}: waited ${timeout}ms for ${limitNames.map((n) => `"${n}"`).join(', ')} and timed out`);
    this.limitNames = limitNames;
    this.timeout = timeout;
  }
}

/**
 * A task run has a tag whose concurrency limit is 0: it fails at once, as in Prefect, without
 * taking a slot or running its body. Not retried.
 *
 * @example
 * ```ts
 * import { concurrencyLimits, flow, isSluiceError, task } from 'sluice';
 * const send = task({ name: 'send', tags: ['smtp'] }, () => 'sent');
 * const paused = flow({ name: 'mail', limits: concurrencyLimits({ smtp: 0 }) }, () => send());
 * const error = await paused().catch((e: unknown) => e);
 * if (isSluiceError(error, 'TAG_LIMIT_ZERO')) console.log(error.tag, error.taskName); // smtp send
 * ```
 */
export class TagLimitZeroError extends SluiceError {
  readonly taskName: string;
  readonly runName: string;
  /** The tag whose limit is 0. */
  readonly tag: string;

  override get retryable(): boolean {
    return false;
  }

  constructor(run: { readonly taskName: string; readonly name: string }, tag: string) {
    super('TAG_LIMIT_ZERO', `task run "${run.name}" (task "${run.taskName}") has tag "${tag}", whose concurrency limit is 0: it cannot run`);
    this.taskName = run.taskName;
    this.runName = run.name;
    this.tag = tag;
  }
}

/**
 * The limits are kept in Redis, and Redis did not answer for the limits' `commandTimeout`
 * while a run or a `concurrency()`/`rateLimit()` call waited for slots: the wait ends with this
 * error rather than hang. Nothing is held. A task run that ends with it ends `Crashed` (what
 * gates it broke, not its body); the message names the store without its password.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, isSluiceError, setDefaultLimits } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 10 }, { redis: { connection: 'redis://127.0.0.1:1', commandTimeout: 200 } }));
 * const error = await concurrency('warehouse-db', async () => 1).catch((e: unknown) => e);
 * if (isSluiceError(error, 'LIMITS_UNAVAILABLE')) console.log(error.limitNames); // [ 'warehouse-db' ]
 * ```
 */
export class LimitsUnavailableError extends SluiceError {
  /** The limits waited for. */
  readonly limitNames: readonly string[];
  /** Where the limits are kept, without a password: `redis://host:port/db`. */
  readonly store: string;

  override get crashed(): boolean {
    return true;
  }

  constructor(caller: string, limitNames: readonly string[], store: string, reason: string, options?: { readonly cause?: unknown }) {
    super('LIMITS_UNAVAILABLE', `${caller}: waiting for ${limitNames.map((n) => `"${n}"`).join(', ')} in ${store}: ${reason}`, options);
    this.limitNames = limitNames;
    this.store = store;
  }
}

declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly INVALID_LIMITS: InvalidLimitsError;
    readonly LIMIT_NOT_DEFINED: LimitNotDefinedError;
    readonly LIMIT_OCCUPY_TOO_LARGE: LimitOccupyError;
    readonly LIMIT_TIMEOUT: LimitTimeoutError;
    readonly TAG_LIMIT_ZERO: TagLimitZeroError;
    readonly LIMITS_UNAVAILABLE: LimitsUnavailableError;
  }
}
