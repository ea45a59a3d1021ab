/**
 * `concurrency()` and `rateLimit()`: Prefect's context managers for named limits, for any code,
 * in a task body, a flow's function, or outside flows.
 *
 * @module
 */
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { LimitNotDefinedError, LimitOccupyError, LimitsUnavailableError, LimitTimeoutError } from '../core/errors/limits.js';
import { currentScope, flowOf } from '../engine/scope.js';
import { defaultHome } from '../limits/limits.js';
import type { LimitClaim, LimitsHome } from '../limits/home.js';

/**
 * Options of {@link concurrency} and {@link rateLimit}.
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, setDefaultLimits, type LimitWaitOptions } from 'sluice';
 * setDefaultLimits(concurrencyLimits({ 'warehouse-db': 10 }));
 * const bulk: LimitWaitOptions = { occupy: 4, timeout: 30_000 };
 * await concurrency('warehouse-db', async () => 'loaded', bulk);
 * ```
 */
export interface LimitWaitOptions {
  /**
   * How many slots (or tokens) of each named limit to take: an integer from 1 up, and no more
   * than the limit holds.
   *
   * @defaultValue 1
   */
  readonly occupy?: number;
  /**
   * The longest wait, in ms; past it, the call rejects with a `LimitTimeoutError`
   * (`LIMIT_TIMEOUT`), having taken nothing. Timed on the flow's scheduler.
   *
   * @defaultValue no time-out
   */
  readonly timeout?: number;
  /**
   * Aborting it ends the wait: the call rejects with the signal's reason, having taken nothing.
   * In a task body, the run's own signal does the same (when the run is cancelled or times out).
   *
   * @defaultValue no signal (in a task body, the run's)
   */
  readonly signal?: AbortSignal;
}

/** What a call holds once its wait is over. */
interface Held {
  readonly home: LimitsHome;
  readonly claim: LimitClaim;
}

const KNOWN = ['occupy', 'timeout', 'signal'];

function namesOf(caller: string, names: unknown): readonly string[] {
  const list: unknown[] = typeof names === 'string' ? [names] : Array.isArray(names) ? names : [];
  if (list.length === 0 || !list.every((name) => typeof name === 'string' && name !== '')) {
    throw new InvalidArgumentError(`${caller}: the limit name must be a non-empty string or a non-empty list of them, got ${describeValue(names)}`);
  }
  return [...new Set(list as string[])];
}

/**
 * Waits for `occupy` of every named limit of a kind, all at once, in the order callers came; the
 * wait ends early on the time-out or an abort, leaving nothing held.
 */
function take(caller: string, kind: 'slots' | 'tokens', given: unknown, options: LimitWaitOptions): Promise<Held> {
  return new Promise<Held>((resolve, reject) => {
    const names = namesOf(caller, given);
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${caller}: options must be an object, got ${describeValue(options)}`);
    for (const key of Object.keys(options)) {
      if (!KNOWN.includes(key)) throw new InvalidArgumentError(`${caller}: unknown option \`${key}\`; it takes \`occupy\`, \`timeout\` and \`signal\``);
    }
    const occupy = options.occupy ?? 1;
    if (typeof occupy !== 'number' || !Number.isInteger(occupy) || occupy < 1) {
      throw new InvalidArgumentError(`${caller}: \`occupy\` must be an integer from 1 and up, got ${describeValue(occupy)}`);
    }
    const timeout = options.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
      throw new InvalidArgumentError(`${caller}: \`timeout\` must be a non-negative number of ms, got ${describeValue(timeout)}`);
    }
    const userSignal: unknown = options.signal;
    if (userSignal !== undefined && !(userSignal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`${caller}: \`signal\` must be an AbortSignal, got ${describeValue(userSignal)}`);
    }
    const scope = currentScope();
    const flow = flowOf(scope);
    const home = flow.limits ?? defaultHome();
    const kindName = kind === 'slots' ? 'concurrency' : 'rate';
    const where = flow.tracked ? ` in the limits of flow "${flow.name}"` : ' in the default limits (see setDefaultLimits)';
    for (const name of names) {
      const limit = kind === 'slots' ? home?.slotLimit(name) : home?.rateLimit(name)?.limit;
      if (limit === undefined) throw new LimitNotDefinedError(caller, name, kindName, home === undefined ? `: no limits are set (pass \`limits\` to the flow, or call setDefaultLimits())` : where);
      if (occupy > limit) throw new LimitOccupyError(caller, name, occupy, limit);
    }
    const signals: AbortSignal[] = [];
    if (userSignal !== undefined) signals.push(userSignal);
    if (scope.kind === 'run') signals.push(scope.signal);
    for (const signal of signals) {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
    }
    const claim = (home as LimitsHome).claim(names, occupy, kind);
    const held: Held = { home: home as LimitsHome, claim };
    let waiting = true;
    let timer: { unsubscribe(): void } | undefined;
    const stop = (): void => {
      waiting = false;
      timer?.unsubscribe();
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
    };
    const giveUp = (error: unknown): void => {
      stop();
      held.home.withdraw(claim);
      reject(error);
    };
    function onAbort(this: AbortSignal): void {
      giveUp(this.reason);
    }
    const waiter = {
      wantsLimits: () => waiting,
      onLimits: () => {
        if (!waiting) {
          // Granted in the same tick it was given up: give it straight back.
          if (kind === 'slots') held.home.release(claim);
          return;
        }
        stop();
        resolve(held);
      },
      onLimitsFailed: (store: string, reason: string, cause: unknown) => {
        if (!waiting) return;
        stop();
        reject(new LimitsUnavailableError(caller, names, store, reason, { cause }));
      },
    };
    if (held.home.acquire(claim, waiter, flow.scheduler)) {
      resolve(held);
      return;
    }
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) {
      timer = flow.scheduler.schedule(() => {
        giveUp(new LimitTimeoutError(caller, names, timeout));
      }, timeout);
    }
  });
}

/**
 * Holds `occupy` slots of each named concurrency limit while `fn` runs, as Prefect's
 * `concurrency()` context manager: waits for them all at once (in the order callers came, woken
 * the moment a slot frees), runs `fn`, and gives them back however `fn` ends (a value, a throw, a
 * rejection). `fn` still running when its run is cancelled keeps the slots until it settles, so
 * the limit bounds what is actually executing.
 *
 * The limits are the flow's (`flow({ limits })`, or its parent's), else the process's default
 * ({@link setDefaultLimits}). On worker threads and BullMQ workers, a body sees the default limits
 * of the thread or process it runs in.
 *
 * @param names - one limit's name, or several (held all at once)
 * @param fn - the work to run while holding the slots
 * @returns what `fn` returns (awaited)
 * @throws LimitNotDefinedError (`LIMIT_NOT_DEFINED`) at once for a name with no concurrency limit;
 * LimitOccupyError (`LIMIT_OCCUPY_TOO_LARGE`) at once when `occupy` exceeds a limit;
 * LimitTimeoutError (`LIMIT_TIMEOUT`) when the wait outlasts `timeout`; LimitsUnavailableError
 * (`LIMITS_UNAVAILABLE`) when limits kept in Redis go unanswered for their `commandTimeout`;
 * each as a rejection
 *
 * @example
 * ```ts
 * import { concurrency, concurrencyLimits, flow, task } from 'sluice';
 *
 * const load = task('load', (rows: number[]) => concurrency('warehouse-db', async () => rows.length));
 * const etl = flow({ name: 'etl', limits: concurrencyLimits({ 'warehouse-db': 2 }) }, () => load.map([[1], [2, 3], [4]]).result());
 * console.log(await etl()); // [ 1, 2, 1 ], at most 2 loading at once
 * ```
 */
export function concurrency<T>(names: string | readonly string[], fn: () => T | PromiseLike<T>, options: LimitWaitOptions = {}): Promise<Awaited<T>> {
  if (typeof fn !== 'function') {
    return Promise.reject(new InvalidArgumentError(`concurrency(): expected a function to run while holding the slots, got ${describeValue(fn)}`));
  }
  return take('concurrency()', 'slots', names, options).then(({ home, claim }) => {
    let out: T | PromiseLike<T>;
    try {
      out = fn();
    } catch (error) {
      home.release(claim);
      throw error;
    }
    const release = (): void => {
      home.release(claim);
    };
    return Promise.resolve(out).finally(release);
  });
}

/**
 * Waits for `occupy` tokens of each named rate limit, as Prefect's `rate_limit()`: resolves once
 * they are taken (in the order callers came). Each token comes back `per` ms after it was taken,
 * on the flow's scheduler, so at most `limit` calls go through in any window of `per` ms.
 * The limits are found as {@link concurrency} finds them.
 *
 * @param names - one rate limit's name, or several (taken all at once)
 * @throws LimitNotDefinedError (`LIMIT_NOT_DEFINED`) at once for a name with no rate limit;
 * LimitOccupyError (`LIMIT_OCCUPY_TOO_LARGE`) at once when `occupy` exceeds a limit;
 * LimitTimeoutError (`LIMIT_TIMEOUT`) when the wait outlasts `timeout`; each as a rejection
 *
 * @example
 * ```ts
 * import { concurrencyLimits, flow, rateLimit, task } from 'sluice';
 *
 * const fetchUser = task('fetch_user', async (id: string) => {
 *   await rateLimit('crm-api'); // at most 50 a minute
 *   return { id };
 * });
 * const limits = concurrencyLimits({}, { rate: { 'crm-api': { limit: 50, per: 60_000 } } });
 * console.log(await flow({ name: 'sync', limits }, () => fetchUser.map(['a', 'b']).result())());
 * ```
 */
export function rateLimit(names: string | readonly string[], options: LimitWaitOptions = {}): Promise<void> {
  return take('rateLimit()', 'tokens', names, options).then(() => undefined);
}
