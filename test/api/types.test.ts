import { describe, expectTypeOf, it } from 'vitest';
import type { Either } from 'fp-ts/lib/Either.js';
import {
  allowFailure,
  flow,
  isSluiceError,
  opaque,
  quote,
  task,
  unmapped,
  type NotCloneableError,
  type RetriesExhaustedError,
  type SluiceError,
  type SluiceErrorsByCode,
  type Task,
  type TaskFuture,
  type TaskFutureList,
  type TaskStream,
  type TaskRunError,
} from '../../src/index.js';
import type { BullMQTaskRunner } from '../../src/bullmq.js';
import type { AttemptStarter } from '../../src/runners/runner.js';

// These checks run in `npm run typecheck`; at run time the assertions are no-ops.
describe('public types', () => {
  it('should infer a task result from a value, a Promise, or an Observable body', async () => {
    const { of } = await import('rxjs');
    expectTypeOf(task('a', (x: number) => x + 1).submit(1)).toEqualTypeOf<TaskFuture<number>>();
    expectTypeOf(task('b', (x: number) => Promise.resolve(String(x))).submit(1)).toEqualTypeOf<TaskFuture<string>>();
    expectTypeOf(task('c', (x: number) => of(x > 0)).submit(1)).toEqualTypeOf<TaskFuture<boolean>>();
    expectTypeOf(task('d', (x: number) => x)(1)).toEqualTypeOf<Promise<number>>();
  });

  it('should accept P | TaskFuture<P> for a parameter P, and reject other types', () => {
    const add = task('add', (x: number, y: number) => x + y);
    const f = add.submit(1, 2);
    expectTypeOf(add.submit(f, 3)).toEqualTypeOf<TaskFuture<number>>();
    // @ts-expect-error a future of the wrong type
    add.submit(task('s', () => 's').submit(), 3);
    // @ts-expect-error too few arguments
    add.submit(1);
  });

  it('should accept futures one level inside array and object parameters', () => {
    const one = task('one', () => 1).submit();
    const sum = task('sum', (xs: number[], o: { a: number }) => xs.length + o.a);
    sum.submit([one, 2], { a: one });
  });

  it('should accept futures, quote and opaque at any depth, and type a flow result resolved at depth', async () => {
    const one = task('one', () => 1).submit();
    const word = task('word', () => 'w').submit();
    const deep = task('deep', (o: { a: { b: number[] }; m: Map<string, { n: number }>; s: Set<number> }) => o.a.b.length);
    deep.submit({ a: { b: [one, opaque(one), quote(2)] }, m: new Map([['k', { n: one }]]), s: new Set([one]) });
    // @ts-expect-error a future of the wrong type, two levels down
    deep.submit({ a: { b: [word] }, m: new Map(), s: new Set() });
    const result = await flow({ name: 'typed' }, () => ({ x: { y: [one] }, q: quote(one), plain: new Date(0) }))();
    expectTypeOf(result).toEqualTypeOf<{ x: { y: number[] }; q: TaskFuture<number>; plain: Date }>();
  });

  it('should type map as TaskFutureList<R>, with iterables, broadcast values, unmapped and lists', () => {
    const add = task('add', (x: number, y: number[]) => x + y.length);
    expectTypeOf(add.map([1, 2], unmapped([1]))).toEqualTypeOf<TaskFutureList<number>>();
    expectTypeOf(add.map(new Set([1]), unmapped([1]))).toEqualTypeOf<TaskFutureList<number>>();
    expectTypeOf(add.map(add.map([1], unmapped([])), unmapped([]))).toEqualTypeOf<TaskFutureList<number>>();
    // @ts-expect-error strings are not numbers
    add.map(['a'], unmapped([1]));
  });

  it('should type allowFailure so the parameter must accept the error', () => {
    const up = task('up', () => 1).submit();
    task('ok', (x: number | Error) => x).submit(allowFailure(up));
    // @ts-expect-error the body would receive an Error where it expects a number
    task('strict', (x: number) => x).submit(allowFailure(up));
  });

  it("should resolve a flow's returned futures in its result type", () => {
    const n = task('n', () => 1);
    expectTypeOf(flow('a', () => n.submit())()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(flow('b', () => task('m', (x: number) => x).map([1]))()).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(flow('c', () => [n.submit(), 'x'] as const)()).toEqualTypeOf<Promise<[number, 'x']>>();
    expectTypeOf(flow('d', () => ({ a: n.submit(), b: 2 }))()).toEqualTypeOf<Promise<{ a: number; b: number }>>();
    expectTypeOf(flow('e', () => Promise.resolve('plain'))()).toEqualTypeOf<Promise<string>>();
  });

  it('should type either() as an fp-ts Either', () => {
    expectTypeOf(task('n', () => 1).submit().either()).toEqualTypeOf<Promise<Either<TaskRunError, number>>>();
  });

  it('should keep the type of a parameter with a default value', () => {
    const add = task('add', (x: number, y = 10) => x + y);
    expectTypeOf(add.submit(1)).toEqualTypeOf<TaskFuture<number>>();
    add.submit(1, 2);
    // @ts-expect-error y is a number, not a string
    add.submit(1, 'two');
    const later = task({ name: 'later', retries: 1 }, (x: string, times = 2) => Promise.resolve(x.repeat(times)));
    expectTypeOf(later.submit('a', 3)).toEqualTypeOf<TaskFuture<string>>();
  });

  it('should still accept any argument for a parameter whose type is not written', () => {
    const loose = task('loose', (x) => String(x));
    expectTypeOf(loose.submit('anything')).toEqualTypeOf<TaskFuture<string>>();
    loose.submit(1);
  });

  it('should type task(fn) and options without a name, named by the function', () => {
    function triple(x: number): number {
      return 3 * x;
    }
    expectTypeOf(task(triple)).toEqualTypeOf<Task<[x: number], number>>();
    expectTypeOf(task({ retries: 1 }, triple)).toEqualTypeOf<Task<[x: number], number>>();
  });

  it('should let map take unmapped(future) for a parameter', () => {
    const scale = task('scale', (x: number, factor: number) => x * factor);
    const factor = task('factor', () => 10).submit();
    expectTypeOf(scale.map([1, 2], unmapped(factor))).toEqualTypeOf<TaskFutureList<number>>();
    // @ts-expect-error a future of a string is not a number
    scale.map([1, 2], unmapped(task('text', () => 'ten').submit()));
  });

  it('should offer mapStream only to tasks that take one argument', () => {
    const one = task('one', (x: number) => x);
    expectTypeOf(one.mapStream([1, 2])).toEqualTypeOf<TaskStream<number>>();
    const optional = task('optional', (x: number, y?: number) => x + (y ?? 0));
    expectTypeOf(optional.mapStream([1, 2])).toEqualTypeOf<TaskStream<number>>();
    const two = task('two', (x: number, y: number) => x + y);
    // @ts-expect-error mapStream passes one argument; two needs two
    two.mapStream([1, 2]);
  });
});

describe('runner internals', () => {
  it('BullMQTaskRunner starts attempts the way the engine looks for', () => {
    expectTypeOf<BullMQTaskRunner>().toMatchTypeOf<AttemptStarter>();
  });
});

describe('isSluiceError', () => {
  it("narrows to the code's own class, and to SluiceError without a code", () => {
    const error: unknown = new Error('x');
    if (isSluiceError(error, 'RETRIES_EXHAUSTED')) expectTypeOf(error).toEqualTypeOf<RetriesExhaustedError>();
    if (isSluiceError(error, 'JOB_STALLED')) expectTypeOf(error.jobId).toEqualTypeOf<string>();
    if (isSluiceError(error)) expectTypeOf(error).toEqualTypeOf<SluiceError>();
    expectTypeOf<SluiceErrorsByCode['NOT_CLONEABLE']>().toEqualTypeOf<NotCloneableError>();
  });
});
