import { describe, expect, it } from 'vitest';
import {
  ConcurrentTaskRunner,
  flow,
  MappingLengthMismatchError,
  MappingMissingIterableError,
  task,
  TaskFutureList,
  unmapped,
} from '../../src/index.js';

const pair = task('pair', (x: unknown, y: unknown) => [x, y]);
const one = task('one', (x: unknown) => x);

describe('what map maps', () => {
  it('should map arrays, Sets, generators and other iterables', async () => {
    function* gen(): Generator<number> {
      yield 1;
      yield 2;
    }
    expect(await one.map([1, 2]).result()).toEqual([1, 2]);
    expect(await one.map(new Set(['a', 'b'])).result()).toEqual(['a', 'b']);
    expect(await one.map(gen()).result()).toEqual([1, 2]);
  });

  it('should map a Map over its entries', async () => {
    expect(await one.map(new Map([['k', 1]])).result()).toEqual([['k', 1]]);
  });

  it('should broadcast non-iterables, strings, byte arrays and plain objects', async () => {
    const bytes = new Uint8Array([1, 2]);
    const object = { a: 1 };
    expect(await pair.map([1, 2], 'ab').result()).toEqual([[1, 'ab'], [2, 'ab']]);
    expect(await pair.map([1, 2], bytes).result()).toEqual([[1, bytes], [2, bytes]]);
    expect(await pair.map([1, 2], object).result()).toEqual([[1, object], [2, object]]);
    expect(await pair.map([1, 2], 5).result()).toEqual([[1, 5], [2, 5]]);
  });

  it('should pass unmapped(iterable) whole to every run', async () => {
    expect(await pair.map([1, 2], unmapped([9, 9])).result()).toEqual([[1, [9, 9]], [2, [9, 9]]]);
  });

  it('should give an empty list for an empty iterable', async () => {
    const futures = one.map([]);
    expect(futures).toBeInstanceOf(TaskFutureList);
    expect(futures.length).toBe(0);
    expect(await futures.result()).toEqual([]);
  });

  it('should map over a TaskFutureList, each run getting one upstream value', async () => {
    const double = task('double', (x: number) => 2 * x);
    expect(await double.map(double.map([1, 2, 3])).result()).toEqual([4, 8, 12]);
  });

  it('should resolve futures among the elements and a broadcast future', async () => {
    const add = task('add', (x: number, y: number) => x + y);
    const ten = task('ten', () => 10).submit();
    expect(await add.map([1, task('two', () => 2).submit()], ten).result()).toEqual([11, 12]);
  });

  it('should give every run its own arguments, plain items, futures among them and retried runs alike', async () => {
    // Runs whose items are plain values get their arguments only when their body starts.
    const seen: string[] = [];
    let failedOnce = false;
    const record = task({ name: 'record', retries: 1 }, (x: number, y: number, z: string) => {
      seen.push(`${x}${y}${z}`);
      if (x === 3 && !failedOnce) {
        failedOnce = true;
        throw new Error('once');
      }
      return `${x}${y}${z}`;
    });
    const run = flow({ name: 'deferred', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, async () => {
      // A first map, so the second one's run names (and indices) do not start at 0.
      const first = await record.map([5, 6], [50, 60], 'w').result();
      const two = task('two', () => 2).submit();
      return [...first, ...(await record.map([1, two, 3, 4], [10, 20, 30, 40], 'z').result())];
    });
    expect(await run()).toEqual(['550w', '660w', '110z', '220z', '330z', '440z']);
    expect(seen.sort()).toEqual(['110z', '220z', '330z', '330z', '440z', '550w', '660w']);
  });

  it('should keep a list an array whose array methods return plain arrays', () => {
    const futures = one.map([1, 2, 3]);
    expect(Array.isArray(futures)).toBe(true);
    expect(futures.filter(() => true)).not.toBeInstanceOf(TaskFutureList);
    expect([...futures]).toHaveLength(3);
  });
});

describe('map input errors (raised before anything runs)', () => {
  it('should reject a map with nothing to map, listing every argument', () => {
    let ran = false;
    const add = task('add', (x: number, y: string) => {
      ran = true;
      return x + y;
    });
    const call = (): unknown => add.map(1, 'abc');
    expect(call).toThrow(MappingMissingIterableError);
    expect(call).toThrow(/task "add": map needs at least one iterable.*argument 0: a number, argument 1: a string/);
    expect(() => task('none', () => 1).map()).toThrow(expect.objectContaining({ code: 'MAP_NO_ITERABLE' }) as Error);
    expect(ran).toBe(false);
  });

  it('should reject mismatched lengths, listing every length', () => {
    let ran = false;
    const add = task('add', (x: number, y: number) => {
      ran = true;
      return x + y;
    });
    const call = (): unknown => add.map([1, 2, 3], [1, 2]);
    expect(call).toThrow(MappingLengthMismatchError);
    expect(call).toThrow(/task "add".*same length; got lengths argument 0: 3, argument 1: 2/);
    try {
      call();
    } catch (error) {
      expect(error).toMatchObject({ code: 'MAP_LENGTH_MISMATCH', taskName: 'add', lengths: { 0: 3, 1: 2 } });
    }
    expect(ran).toBe(false);
  });

  it('should point an Observable or AsyncIterable argument at mapStream', () => {
    async function* gen(): AsyncGenerator<number> {
      yield await Promise.resolve(1);
    }
    expect(() => one.map(gen() as never)).toThrow(/an AsyncIterable \(map reads only synchronous iterables/);
  });
});
