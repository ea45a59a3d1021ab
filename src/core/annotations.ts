/**
 * Wrappers that change how an argument is treated: {@link unmapped} passes an iterable whole to
 * every run of a `map`; {@link allowFailure} lets a run start even when an upstream run failed;
 * {@link quote} passes a value untouched; {@link opaque} resolves a future without walking into
 * the value.
 *
 * @module
 */
import type { TaskFuture } from './future.js';

/**
 * An argument that `map` passes whole to every run instead of mapping over it. Made by
 * {@link unmapped}.
 *
 * @example
 * ```ts
 * import { unmapped, Unmapped } from 'sluice';
 * console.log(unmapped([1, 2]) instanceof Unmapped); // true
 * ```
 */
export class Unmapped<T> {
  /** @internal */
  constructor(readonly value: T) {}
}

/**
 * Tells `map` to pass an iterable whole to every run instead of mapping over it.
 *
 * @example
 * ```ts
 * import { task, unmapped } from 'sluice';
 * const sumPlus = task('sum_plus', (x: number, xs: number[]) => x + xs.reduce((a, b) => a + b, 0));
 * await sumPlus.map([4, 5, 6], unmapped([1, 2, 3])).result(); // [10, 11, 12]
 * ```
 */
export function unmapped<T>(value: T): Unmapped<T> {
  return new Unmapped(value);
}

/**
 * Options of {@link allowFailure}.
 *
 * @example
 * ```ts
 * import { allowFailure, task, type AllowFailureOptions } from 'sluice';
 * const fail = task('fail', (): number => {
 *   throw new Error('no');
 * });
 * const describe = task('describe', (value: unknown) => String(value));
 * const onlyDirect: AllowFailureOptions = { includeBlocked: false };
 * console.log(await describe(allowFailure(fail.submit(), onlyDirect))); // Error: no
 * ```
 */
export interface AllowFailureOptions {
  /**
   * Also admit an upstream run that did not run because a run further up failed
   * (state `UpstreamFailed`). With `false`, only a direct failure is admitted.
   *
   * @defaultValue `true`
   */
  readonly includeBlocked?: boolean;
}

/**
 * An upstream future whose failure does not stop the downstream run. Made by {@link allowFailure}.
 *
 * @example
 * ```ts
 * import { allowFailure, AllowedFailure, task } from 'sluice';
 * const wrapped = allowFailure(task('t', () => 1).submit());
 * console.log(wrapped instanceof AllowedFailure, wrapped.includeBlocked); // true true
 * ```
 */
export class AllowedFailure<T> {
  /** @internal */
  constructor(
    readonly future: TaskFuture<T>,
    readonly includeBlocked: boolean,
  ) {}
}

/**
 * Lets a downstream run start even if this upstream run failed; the downstream receives the
 * upstream's error in place of its value. It admits failed upstreams (`Failed`, `TimedOut`) and,
 * unless `includeBlocked: false`, upstreams that did not run because of a failure further up
 * (`UpstreamFailed`). It never admits cancelled or crashed upstreams.
 *
 * @example
 * ```ts
 * import { allowFailure, task } from 'sluice';
 * const risky = task('risky', (): number => { throw new Error('boom'); });
 * const report = task('report', (x: number | Error) => (x instanceof Error ? `failed: ${x.message}` : `ok: ${x}`));
 * const r = risky.submit();
 * // The downstream that allowed the failure counts as having looked at it: a flow does not report it.
 * console.log(await report(allowFailure(r))); // 'failed: boom'
 * ```
 */
export function allowFailure<T>(future: TaskFuture<T>, options: AllowFailureOptions = {}): AllowedFailure<T | Error> {
  return new AllowedFailure<T | Error>(future, options.includeBlocked ?? true);
}

/**
 * A value passed exactly as it is: sluice neither looks for futures in it nor resolves it. Made
 * by {@link quote}.
 *
 * @example
 * ```ts
 * import { quote, Quoted } from 'sluice';
 * console.log(quote([1, 2]) instanceof Quoted); // true
 * ```
 */
export class Quoted<T> {
  /** @internal */
  constructor(readonly value: T) {}
}

/**
 * Passes a value to the run exactly as it is: a future stays a future, and nothing inside the
 * value is looked at. The run does not wait for futures inside it, and they are not its
 * upstreams. It also saves the walk over a large argument that holds no futures.
 *
 * @example
 * ```ts
 * import { flow, isTaskFuture, quote, task } from 'sluice';
 * const load = task('load', () => 42);
 * const count = task('count', (xs: readonly unknown[]) => xs.filter(isTaskFuture).length);
 * await flow({ name: 'quoted' }, async () => {
 *   const future = load.submit();
 *   console.log(await count(quote([future, 1]))); // 1: the body received the future itself
 *   await future.wait();
 * })();
 * ```
 */
export function quote<T>(value: T): Quoted<T> {
  return new Quoted(value);
}

/**
 * A value resolved if it is a future, but never walked into. Made by {@link opaque}.
 *
 * @example
 * ```ts
 * import { opaque, Opaque } from 'sluice';
 * console.log(opaque({ a: 1 }) instanceof Opaque); // true
 * ```
 */
export class Opaque<T> {
  /** @internal */
  constructor(readonly value: T | TaskFuture<T> | AllowedFailure<T>) {}
}

/**
 * Resolves the value if it is a future (or `allowFailure(future)`), like any argument, but never
 * looks inside it: futures inside a container wrapped in `opaque` are passed as they are, and the
 * walk skips it (useful for a large argument known to hold no futures).
 *
 * @example
 * ```ts
 * import { flow, opaque, task } from 'sluice';
 * const load = task('load', () => 2);
 * const describe = task('describe', (x: number, rows: { n: unknown }[]) => `${x} ${rows.length} ${typeof rows[0]?.n}`);
 * await flow({ name: 'opaque' }, async () => {
 *   const two = load.submit();
 *   const rows = [{ n: 1 }];
 *   console.log(await describe(opaque(two), opaque(rows))); // '2 1 number'
 * })();
 * ```
 */
export function opaque<T>(value: T | TaskFuture<T> | AllowedFailure<T>): Opaque<T> {
  return new Opaque<T>(value);
}
