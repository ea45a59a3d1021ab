/**
 * What a flow resolves to, as a type: futures in its function's value replaced by their values.
 *
 * @module
 */
import type { TaskFuture } from '../core/future.js';
import type { Opaque, Quoted } from '../core/annotations.js';
import { TaskFutureList } from './future.js';


/**
 * A future's value type; anything else as it is.
 *
 * @example
 * ```ts
 * import { task, type FutureValue, type TaskFuture } from 'sluice';
 * const future: TaskFuture<number> = task('one', () => 1).submit();
 * const value: FutureValue<typeof future> = await future.result(); // number
 * ```
 */
export type FutureValue<T> = T extends TaskFuture<infer U> ? U : T;

/**
 * Whether a type holds a future (or a `quote`/`opaque` wrapper) within a few levels of arrays,
 * objects, Maps and Sets. The depth is bounded so the compiler never recurses for ever.
 *
 * @internal
 */
type HoldsFuture<R, D extends readonly unknown[] = []> = D['length'] extends 6
  ? false
  : R extends TaskFuture<unknown> | Quoted<unknown> | Opaque<unknown>
    ? true
    : R extends ReadonlyMap<unknown, infer V>
      ? HoldsFuture<V, [...D, 0]>
      : R extends ReadonlySet<infer E>
        ? HoldsFuture<E, [...D, 0]>
        : R extends readonly (infer E)[]
          ? HoldsFuture<E, [...D, 0]>
          : R extends (...args: never[]) => unknown
            ? false
            : R extends object
              ? true extends HoldsFuture<R[keyof R], [...D, 0]>
                ? true
                : false
              : false;

/**
 * What a flow resolves to: a returned future or list is replaced by its value(s), and so are
 * futures at any depth inside returned arrays, plain objects, Maps and Sets; `quote(x)` is `x`.
 * A type with no future in it is kept as it is.
 *
 * @example
 * ```ts
 * import { flow, task, type FlowResult } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const body = () => ({ a: double.submit(1), deep: { b: [double.submit(2)] }, c: 'plain' });
 * const out: FlowResult<ReturnType<typeof body>> = await flow({ name: 'demo' }, body)();
 * console.log(out); // { a: 2, deep: { b: [4] }, c: 'plain' }: futures are resolved
 * ```
 */
export type FlowResult<R> =
  R extends TaskFutureList<infer T>
    ? T[]
    : R extends TaskFuture<infer T>
      ? T
      : R extends readonly unknown[]
        ? { -readonly [K in keyof R]: FlowResult<R[K]> }
        : R extends object
          ? true extends HoldsFuture<R>
            ? R extends Quoted<infer T>
              ? T
              : R extends Opaque<infer T>
                ? T
                : R extends ReadonlyMap<infer K, infer V>
                  ? Map<K, FlowResult<V>>
                  : R extends ReadonlySet<infer E>
                    ? Set<FlowResult<E>>
                    : { [K in keyof R]: FlowResult<R[K]> }
            : R
          : R;
