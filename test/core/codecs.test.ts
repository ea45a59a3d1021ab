import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { flow, InvalidParamsError, InvalidReturnError, InvalidTaskOptionsError, task } from '../../src/index.js';

const Point = t.type({ x: t.number, y: t.number });

describe('io-ts params and returns', () => {
  const add = task({ name: 'add', params: t.tuple([t.number, t.number]) }, (x: number, y: number) => x + y);

  it('should run when the arguments fit', async () => {
    expect(await add(1, 2)).toBe(3);
  });

  it('should not run the body, and name the argument and type, when one is of the wrong type', async () => {
    let ran = false;
    const guarded = task({ name: 'guarded', params: t.tuple([t.number, t.string]) }, (n: number, s: string) => {
      ran = true;
      return `${n}${s}`;
    });
    const error = await guarded(1, 2 as never).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect(error).toMatchObject({ code: 'INVALID_PARAMS', taskName: 'guarded' });
    expect((error as Error).message).toBe('task "guarded": invalid arguments: argument 1: expected string, got 2');
  });

  it('should report a missing argument (wrong arity)', async () => {
    const error = await add.submit(...([1] as unknown as [number, number])).result().catch((e: unknown) => e);
    expect((error as Error).message).toBe('task "add": invalid arguments: argument 1: expected number, got undefined');
  });

  it('should report extra arguments', async () => {
    const error = await add.submit(...([1, 2, 3] as unknown as [number, number])).result().catch((e: unknown) => e);
    expect((error as Error).message).toContain('expected at most 2 arguments, got 3');
  });

  it('should name nested fields of an argument', async () => {
    const norm = task({ name: 'norm', params: t.tuple([Point]) }, (p: t.TypeOf<typeof Point>) => Math.hypot(p.x, p.y));
    const error = await norm({ x: 3, y: '4' } as never).catch((e: unknown) => e);
    expect((error as Error).message).toBe('task "norm": invalid arguments: argument 0.y: expected number, got "4"');
    expect(await norm({ x: 3, y: 4 })).toBe(5);
  });

  it('should check resolved future arguments, not the futures', async () => {
    const three = task('three', () => 3).submit();
    expect(await add(three, 4)).toBe(7);
  });

  it('should fail the run, without retrying, when the body returns a misfit', async () => {
    let calls = 0;
    const count = task({ name: 'count', returns: t.number, retries: 3 }, () => {
      calls++;
      return 'three' as unknown as number;
    });
    const error = await count().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidReturnError);
    expect((error as Error).message).toBe('task "count": invalid return value: expected number, got "three"');
    expect(calls).toBe(1);
  });

  it('should make a flow fail with the params error when nothing else looks', async () => {
    const error = await flow('f', () => {
      add.submit('x' as never, 1);
    })().catch((e: unknown) => e);
    expect((error as Error).message).toContain('argument 0: expected number, got "x"');
  });

  it('should reject a params option that is not a codec when the task is defined', () => {
    expect(() => task({ name: 'bad', params: { foo: 1 } as never }, () => 1)).toThrow(InvalidTaskOptionsError);
    expect(() => task({ name: 'bad', params: { foo: 1 } as never }, () => 1)).toThrow(/option `params` must be an io-ts codec/);
  });
});
