import * as v from 'valibot';
import { z } from 'zod';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { flow, InvalidParamsError, InvalidReturnError, InvalidTaskOptionsError, task } from '../../src/index.js';

/** What callers outside TypeScript (or data from outside) would pass. */
const loosely = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => fn as unknown as (...args: unknown[]) => Promise<R>;

describe('Standard Schema params and returns (zod, valibot)', () => {
  const User = z.object({ name: z.string(), address: z.object({ city: z.string() }) });

  it('a zod params misfit fails the run unstarted, naming the task, the argument and the path', async () => {
    let ran = false;
    const greet = task({ name: 'greet', params: z.tuple([z.number(), User]) }, (times, user) => {
      ran = true;
      return `${user.name} x${times}`;
    });
    const error = await loosely(greet)(2, { name: 'Ada', address: { city: 7 } }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error).toMatchObject({ code: 'INVALID_PARAMS', taskName: 'greet' });
    expect((error as Error).message).toBe('task "greet": invalid arguments: argument 1.address.city: Expected string, received number');
    expect(await greet(2, { name: 'Ada', address: { city: 'London' } })).toBe('Ada x2');
  });

  it('a valibot params misfit names every problem, each with its argument and path', async () => {
    const move = task({ name: 'move', params: v.tuple([v.string(), v.object({ address: v.object({ city: v.string() }) })]) }, (who, to) => `${who}: ${to.address.city}`);
    const error = await loosely(move)(1, { address: { city: null } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as InvalidParamsError).problems).toEqual([
      'argument 0: Invalid type: Expected string but received 1',
      'argument 1.address.city: Invalid type: Expected string but received null',
    ]);
    expect(await move('Ada', { address: { city: 'Paris' } })).toBe('Ada: Paris');
  });

  it("the body gets the schema's output: a transform runs before the body, once", async () => {
    const seen: unknown[] = [];
    const at = task({ name: 'at', params: z.tuple([z.coerce.date(), z.string().transform((word) => word.length)]) }, (day, length) => {
      seen.push(day, length);
      return length;
    });
    expect(await at(new Date(0), 'four')).toBe(4);
    expect(await loosely(at)('1970-01-01T00:00:00.000Z', 'two')).toBe(3);
    expect(seen).toEqual([new Date(0), 4, new Date(0), 3]);
  });

  it('checks resolved futures, and a misfit fails a flow that does not look', async () => {
    const double = task({ name: 'double', params: z.tuple([z.number()]) }, (x) => 2 * x);
    const error = await flow('f', async () => {
      const three = task('three', () => 3).submit();
      expect(await double(three)).toBe(6);
      double.submit(task('word', () => 'x').submit() as never);
    })().catch((e: unknown) => e);
    expect((error as Error).message).toContain('argument 0: Expected number, received string');
  });

  it("a returns misfit fails the run without a retry, and a fitting value is the schema's output", async () => {
    let calls = 0;
    const count = task({ name: 'count', retries: 3, params: z.tuple([]), returns: v.number() }, () => {
      calls++;
      return 'three' as unknown as number;
    });
    const error = await count().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidReturnError);
    expect((error as Error).message).toBe('task "count": invalid return value: Invalid type: Expected number but received "three"');
    expect(calls).toBe(1);
    const when = task({ name: 'when', returns: z.object({ at: z.coerce.date() }) }, () => ({ at: '2026-01-01T00:00:00.000Z' as unknown as Date }));
    expect(await when()).toEqual({ at: new Date('2026-01-01T00:00:00.000Z') });
    const nested = task({ name: 'nested', returns: z.object({ items: z.array(z.number()) }) }, () => ({ items: [1, 'x' as unknown as number] }));
    expect(await nested().catch((e: unknown) => (e as Error).message)).toBe('task "nested": invalid return value: items.1: Expected number, received string');
  });

  it('keeps its schemas through with(), and checks every run of a map', async () => {
    const double = task({ name: 'double', params: z.tuple([z.number()]), returns: z.number().max(10) }, (x) => 2 * x);
    const again = double.with({ retries: 2 });
    expect(await loosely(again)('2').catch((e: unknown) => (e as Error).message)).toBe('task "double": invalid arguments: argument 0: Expected number, received string');
    expect(await again(6).catch((e: unknown) => (e as Error).message)).toBe('task "double": invalid return value: Number must be less than or equal to 10');
    const out = await flow('mapped', async () => {
      const runs = double.map([1, 'x' as never, 3]);
      return Promise.all(runs.map((run) => run.result().catch((e: unknown) => (e as Error).name)));
    })();
    expect(out).toEqual([2, 'InvalidParamsError', 6]);
  });

  it('an io-ts codec and a schema mix: io-ts params, zod returns', async () => {
    const len = task({ name: 'len', params: t.tuple([t.string]), returns: z.number().int() }, (s: string) => s.length);
    expect(await len('abc')).toBe(3);
  });

  it('a schema that validates asynchronously fails the run with a message that says so', async () => {
    const slow = task({ name: 'slow', params: z.tuple([z.string().refine(() => Promise.resolve(true))]) }, (s) => s);
    const error = await slow('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as Error).message).toMatch(/^task "slow": invalid arguments: its schema's validate returned a Promise: sluice validates synchronously/);
  });

  it('a schema whose transform throws fails the run with what it threw, and the flow goes on', async () => {
    const parse = task({ name: 'parse', params: v.tuple([v.pipe(v.string(), v.transform((text) => JSON.parse(text) as unknown))]) }, (value) => value);
    const out = await flow('parsing', async () => ({
      bad: await parse('{').catch((e: unknown) => e),
      good: await parse('[1]'),
    }))();
    expect(out.bad).toBeInstanceOf(InvalidParamsError);
    expect((out.bad as Error).message).toMatch(/^task "parse": invalid arguments: its schema threw: SyntaxError: /);
    expect(out.good).toEqual([1]);
  });

  it('a params schema that is not of the argument list fails with a message that says so', async () => {
    const odd = task({ name: 'odd', params: z.array(z.number()).transform((xs) => xs.length) as never }, () => 1);
    expect(await (odd as unknown as () => Promise<unknown>)().catch((e: unknown) => (e as Error).message)).toContain('its `params` schema must describe the argument list');
  });

  it('rejects an option that is neither a codec nor a schema when the task is defined', () => {
    expect(() => task({ name: 'bad', params: { '~standard': {} } as never }, () => 1)).toThrow(InvalidTaskOptionsError);
    expect(() => task({ name: 'bad', returns: 3 as never }, () => 1)).toThrow(/option `returns` must be an io-ts codec .* or a Standard Schema/);
  });
});
