import { describe, expectTypeOf, it } from 'vitest';
import * as t from 'io-ts';
import * as v from 'valibot';
import { z } from 'zod';
import { task, type TaskFuture } from '../../src/index.js';

// These checks run in `npm run typecheck`; at run time the assertions are no-ops.
describe('types inferred from a Standard Schema', () => {
  it('a zod params schema types the body by its output and the call by its input', () => {
    const Params = z.tuple([z.object({ name: z.string(), born: z.string().transform((s) => new Date(s)) })]);
    const greet = task({ name: 'greet', params: Params }, (user) => {
      expectTypeOf(user.name).toEqualTypeOf<string>();
      expectTypeOf(user.born).toEqualTypeOf<Date>();
      return user.name.length;
    });
    expectTypeOf(greet.submit({ name: 'Ada', born: '1815-12-10' })).toEqualTypeOf<TaskFuture<number>>();
    // Type checks only: called, these would run (and fail) for real.
    const misuse = (): void => {
      // @ts-expect-error the schema's input wants a string for `born`
      void greet({ name: 'Ada', born: new Date() });
      // @ts-expect-error a number is not a string
      void greet({ name: 1, born: '1815-12-10' });
    };
    expectTypeOf(misuse).toBeFunction();
  });

  it('a valibot params schema types the body too', () => {
    const add = task({ name: 'add', params: v.tuple([v.number(), v.number()]) }, (x, y) => x + y);
    expectTypeOf(add).returns.toEqualTypeOf<Promise<number>>();
    const misuse = (): void => {
      // @ts-expect-error strings are not numbers
      void add('1', 2);
    };
    expectTypeOf(misuse).toBeFunction();
  });

  it('a returns schema types the value by its output, and the body must return its input', () => {
    const when = task({ name: 'when', params: z.tuple([]), returns: z.string().transform((s) => new Date(s)) }, () => '2026-01-01');
    expectTypeOf(when()).toEqualTypeOf<Promise<Date>>();
    // @ts-expect-error the body must return a string
    task({ name: 'bad', params: z.tuple([]), returns: z.string() }, () => 1);
  });

  it('an annotated body with a schema, or with an io-ts codec, still type-checks against it', () => {
    const a = task({ name: 'a', params: z.tuple([z.string()]) }, (s: string) => s.length);
    expectTypeOf(a('x')).toEqualTypeOf<Promise<number>>();
    const b = task({ name: 'b', params: t.tuple([t.string]) }, (s: string) => s.length);
    expectTypeOf(b('x')).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error the body takes a number, the schema gives a string
    task({ name: 'c', params: z.tuple([z.string()]) }, (n: number) => n);
    const r = task({ name: 'r', returns: z.number() }, () => 1);
    expectTypeOf(r()).toEqualTypeOf<Promise<number>>();
    // A returns schema alone types the value by its output too.
    const at = task({ name: 'at', returns: z.string().transform((s) => new Date(s)) }, (ms: number) => Promise.resolve(new Date(ms).toISOString()));
    expectTypeOf(at(0)).toEqualTypeOf<Promise<Date>>();
    const io = task({ name: 'io', params: t.tuple([t.number]), returns: v.pipe(v.number(), v.transform(String)) }, (n: number) => n);
    expectTypeOf(io(1)).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error the body must return the schema's input
    task({ name: 'bad-r', returns: z.number() }, () => 'one');
  });
});
