import { describe, expect, it } from 'vitest';
import { flow, isTaskFuture, opaque, quote, task, unmapped, type TaskFuture } from '../../src/index.js';

describe('map over quote(...) and opaque(...), as Prefect maps inside its annotations', () => {
  it('maps over an iterable inside quote(...), each run getting its item untouched: a future stays a future and is not waited for', async () => {
    const hang = task('hang', (): Promise<number> => new Promise(() => undefined));
    const kind = task('kind', (item: unknown) => (isTaskFuture(item) ? 'future' : typeof item));
    const kinds = await flow({ name: 'quoted', onExit: 'cancel' }, () => {
      const pending = hang.submit();
      return kind.map(quote([pending, 2, { n: pending }] as unknown[])).result();
    })();
    expect(kinds).toEqual(['future', 'number', 'object']);
  });

  it('maps over an iterable inside opaque(...): each future item is resolved, and items are not walked into', async () => {
    const value = task('value', (x: number) => x);
    const show = task('show', (item: unknown) =>
      typeof item === 'object' && item !== null && isTaskFuture((item as { n: unknown }).n) ? 'held a future' : item,
    );
    const shown = await flow('opaque', async () => {
      const three = value.submit(3);
      const out = await show.map(opaque([value.submit(1), { n: three }] as (TaskFuture<number> | { n: TaskFuture<number> })[])).result();
      await three.wait();
      return out;
    })();
    expect(shown).toEqual([1, 'held a future']);
  });

  it('broadcasts quote(unmapped(x)) and quote of a non-iterable, with the wrapper taken off', async () => {
    const pair = task('pair', (x: number, list: unknown) => [x, list]);
    const pairs = await flow('broadcast', () => pair.map([1, 2], quote(unmapped([7, 8]))).result())();
    expect(pairs).toEqual([[1, [7, 8]], [2, [7, 8]]]);
    const add = task('add', (x: number, y: number) => x + y);
    expect(await flow('scalar', () => add.map([1, 2], quote(10)).result())()).toEqual([11, 12]);
  });

  it('checks lengths across quoted and plain iterables', () => {
    const add = task('add', (x: number, y: number) => x + y);
    expect(() => add.map([1, 2], quote([1, 2, 3]))).toThrow(/lengths/i);
  });
});
