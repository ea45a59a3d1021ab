/**
 * MemoryResultStore: a Map whose `get` answers at once, `ttl` on an injected clock, and a lock
 * that serialises holders in this process, first come first served.
 */
import { describe, expect, it } from 'vitest';
import { isSluiceError, MemoryResultStore } from '../../src/index.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('MemoryResultStore', () => {
  it('reads back what was written, synchronously, and a missing key as undefined', () => {
    const store = new MemoryResultStore();
    expect(store.get('k')).toBeUndefined();
    store.set('k', bytes(1, 2, 3), {});
    const read = store.get('k');
    expect(read).toBeInstanceOf(Uint8Array);
    expect(read).toEqual(bytes(1, 2, 3));
  });

  it('replaces a record on a second write, and forgets it on delete', () => {
    const store = new MemoryResultStore();
    store.set('k', bytes(1), {});
    store.set('k', bytes(2, 2), {});
    expect(store.get('k')).toEqual(bytes(2, 2));
    store.delete('k');
    expect(store.get('k')).toBeUndefined();
    store.delete('k');
  });

  it('keeps its own copy of the bytes it was given', () => {
    const store = new MemoryResultStore();
    const buffer = bytes(7, 7);
    store.set('k', buffer, {});
    buffer[0] = 0;
    expect(store.get('k')).toEqual(bytes(7, 7));
  });

  it('reads a record as missing from the moment its ttl has passed on its clock', () => {
    let clock = 1_000;
    const store = new MemoryResultStore({ now: () => clock });
    store.set('short', bytes(1), { ttl: 100 });
    store.set('forever', bytes(2), {});
    clock = 1_099;
    expect(store.get('short')).toEqual(bytes(1));
    clock = 1_100;
    expect(store.get('short')).toBeUndefined();
    clock = 1e12;
    expect(store.get('forever')).toEqual(bytes(2));
  });

  it('refuses a ttl that is not a positive number, and a value that is not bytes, with a typed error', () => {
    const store = new MemoryResultStore();
    const thrown = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const error = thrown(() => store.set('k', bytes(1), { ttl: -5 }));
    expect(isSluiceError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toBe('MemoryResultStore.set: `ttl` must be a positive number of milliseconds, or undefined for no expiry, got -5 (number)');
    const notBytes = thrown(() => store.set('k', 'text' as unknown as Uint8Array, {}));
    expect((notBytes as Error).message).toMatch(/`value` must be a Uint8Array, got "text" \(string\)/);
  });

  it('lets one holder of a key at a time, in the order they asked, and others through', async () => {
    const store = new MemoryResultStore();
    const order: string[] = [];
    let inFlight = 0;
    let most = 0;
    const hold = async (who: string, key = 'k'): Promise<void> => {
      const lock = await store.lock(key, { lease: 1000 });
      inFlight++;
      most = Math.max(most, inFlight);
      order.push(who);
      await Promise.resolve();
      inFlight--;
      await lock.release();
    };
    const other = store.lock('other', { lease: 1000 });
    await Promise.all([hold('a'), hold('b'), hold('c'), hold('d')]);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(most).toBe(1);
    // A lock on another key was never in the way.
    await (await other).release();
  });

  it('gives up waiting when the signal aborts, with its reason, and the next waiter still gets the lock', async () => {
    const store = new MemoryResultStore();
    const first = await store.lock('k', { lease: 1000 });
    const controller = new AbortController();
    const abandoned = store.lock('k', { lease: 1000, signal: controller.signal });
    const next = store.lock('k', { lease: 1000 });
    controller.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    await first.release();
    await first.release(); // a second release does nothing
    const second = await next;
    await second.release();
    await expect(store.lock('k', { lease: 1000, signal: AbortSignal.abort('already') })).rejects.toBe('already');
  });
});
