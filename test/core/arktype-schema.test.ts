import { type } from 'arktype';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { flow, InvalidFlowParamsError, InvalidParamsError, InvalidReturnError, task } from '../../src/index.js';

/** What callers outside TypeScript (or data from outside) would pass. */
const loosely = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => fn as unknown as (...args: unknown[]) => Promise<R>;

describe('ArkType schemas as params and returns', () => {
  const User = type({ name: 'string', address: { city: 'string' } });

  it("a params misfit fails the run unstarted, naming the task, the argument and the path; the body is typed from the schema", async () => {
    let ran = false;
    const greet = task({ name: 'greet', params: type([User, 'number']) }, (user, times) => {
      ran = true;
      expectTypeOf(user.address.city).toEqualTypeOf<string>();
      return `${user.name} x${times}`;
    });
    const error = await loosely(greet)({ name: 'Ada', address: { city: 7 } }, 2).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as Error).message).toBe('task "greet": invalid arguments: argument 0.address.city: value at [0].address.city must be a string (was a number)');
    expect(await greet({ name: 'Ada', address: { city: 'London' } }, 2)).toBe('Ada x2');
  });

  it("a morph's output is what the body gets, and a returns misfit names no path for the value itself", async () => {
    const Day = type('string.date.iso.parse');
    const year = task({ name: 'year', params: type([Day]) }, (day) => day.getUTCFullYear());
    expect(await year('2026-12-06T00:00:00.000Z')).toBe(2026);
    const count = task({ name: 'count', returns: type('number') }, () => 'three' as unknown as number);
    await expect(count()).rejects.toThrow(InvalidReturnError);
    await expect(count()).rejects.toThrow('task "count": invalid return value: must be a number (was a string)');
  });

  it("checks a flow's arguments", async () => {
    const report = flow({ name: 'report', params: type(['string', 'number.integer']) }, (name, top) => `${name} ${top}`);
    expect(await report('daily', 3)).toBe('daily 3');
    await expect(report('daily', 1.5)).rejects.toThrow(InvalidFlowParamsError);
    await expect(report('daily', 1.5)).rejects.toThrow(/invalid arguments: argument 1: value at \[1\] must be an integer \(was 1\.5\)/);
  });
});
