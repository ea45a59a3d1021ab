/**
 * What a task takes as arguments: values, futures of them, allowed failures, and for `map`,
 * iterables and `unmapped(...)`.
 *
 * @module
 */
import type { AllowedFailure, Opaque, Quoted, Unmapped } from '../core/annotations.js';
import type { TaskFuture } from '../core/future.js';

/**
 * An argument: the value, a future of it, an upstream whose failure is allowed, `quote(value)`,
 * `opaque(...)` of any of the first three, or (for an array, object, Map or Set parameter) one
 * holding arguments at any depth.
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
export type Arg<P> = P | TaskFuture<P> | AllowedFailure<P> | Quoted<P> | Opaque<P> | WithFutures<P>;

/**
 * An array, object, Map or Set type whose items, values or entries' values may be futures (or
 * any {@link Arg}), at any depth.
 *
 * @example
 * ```ts
 * import { task, type WithFutures } from 'sluice';
 * const total = task('total', (o: { values: readonly number[] }) => o.values.reduce((a, b) => a + b, 0));
 * const input: WithFutures<{ values: readonly number[] }> = { values: [1, total.submit({ values: [2, 3] })] };
 * console.log(await total(input)); // 6
 * ```
 */
export type WithFutures<P> = P extends readonly (infer E)[]
  ? readonly Arg<E>[]
  : P extends ReadonlyMap<infer K, infer V>
    ? ReadonlyMap<K, Arg<V>>
    : P extends ReadonlySet<infer E>
      ? ReadonlySet<Arg<E>>
      : P extends (...args: never[]) => unknown
        ? never
        : P extends object
          ? { readonly [K in keyof P]: Arg<P[K]> }
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
 * future) passed to every run. An iterable inside `quote(...)` or `opaque(...)` is mapped over
 * too, each run getting its item wrapped the same way.
 *
 * @example
 * ```ts
 * import { quote, task, unmapped, type MapArg } from 'sluice';
 * const scale = task('scale', (x: number, factor: number) => x * factor);
 * const xs: MapArg<number> = [1, 2, 3];
 * const factor: MapArg<number> = unmapped(10);
 * console.log(await scale.map(xs, factor).result()); // [10, 20, 30]
 * console.log(await scale.map(quote([1, 2]), 3).result()); // [3, 6]
 * ```
 */
export type MapArg<P> =
  | Arg<P>
  | Iterable<Arg<P>>
  | Unmapped<Arg<P>>
  | Quoted<Iterable<P>>
  | Opaque<Iterable<P | TaskFuture<P> | AllowedFailure<P>>>;

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

