import { describe, expectTypeOf, it } from 'vitest';
import * as t from 'io-ts';
import * as v from 'valibot';
import { z } from 'zod';
import { flow } from '../../src/index.js';

// These checks run in `npm run typecheck`; at run time the assertions are no-ops.
describe("a flow's params types its function and its call", () => {
  it('a zod params schema types the function by its output and the call by its input', () => {
    const report = flow({ name: 'report', params: z.tuple([z.string().transform((s) => new Date(s)), z.number()]) }, (day, top) => {
      expectTypeOf(day).toEqualTypeOf<Date>();
      expectTypeOf(top).toEqualTypeOf<number>();
      return `${day.toISOString()} ${top}`;
    });
    expectTypeOf(report).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(report).returns.toEqualTypeOf<Promise<string>>();
    const misuse = (): void => {
      // @ts-expect-error a string is not a number
      void report('2026-12-06', 'three');
    };
    expectTypeOf(misuse).toBeFunction();
  });

  it('a valibot params schema types the function too', () => {
    const add = flow({ name: 'add', params: v.tuple([v.number(), v.number()]) }, (x, y) => x + y);
    expectTypeOf(add).returns.toEqualTypeOf<Promise<number>>();
  });

  it("an io-ts codec types an unannotated function's parameters", () => {
    const len = flow({ name: 'len', params: t.tuple([t.string]) }, (s) => s.length);
    expectTypeOf(len).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(len).returns.toEqualTypeOf<Promise<number>>();
  });

  it('with() does not take params', () => {
    const len = flow({ name: 'len', params: t.tuple([t.string]) }, (s: string) => s.length);
    // Type checks only: called, this throws (params is set by flow()).
    const misuse = (): void => {
      // @ts-expect-error params is set by flow()
      len.with({ params: t.tuple([t.string]) });
    };
    expectTypeOf(misuse).toBeFunction();
  });
});
