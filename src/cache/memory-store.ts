/**
 * A result store in this process's memory.
 *
 * @module
 */
import { checkKey, checkLockOptions, checkTtl, checkValue, settled } from './checks.js';
import { KeyedFifo } from './fifo-lock.js';
import type { ResultStore, ResultStoreLock, ResultStoreLockOptions, ResultStoreSetOptions } from './store.js';

/**
 * Options of {@link MemoryResultStore}.
 *
 * @example
 * ```ts
 * import { MemoryResultStore, type MemoryResultStoreOptions } from 'sluice';
 * let clock = 0;
 * const options: MemoryResultStoreOptions = { now: () => clock };
 * const store = new MemoryResultStore(options);
 * ```
 */
export interface MemoryResultStoreOptions {
  /**
   * The clock `ttl` is measured on, in milliseconds. A test passes its own (a
   * `TestScheduler`'s `now()`, say) to expire records in virtual time.
   *
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

interface Entry {
  readonly value: Uint8Array;
  /** When the record expires, on the store's clock; `undefined` for never. */
  readonly expiresAt: number | undefined;
}

/**
 * Keeps records in a `Map`, for one process: the store for tests, and for caching within a
 * long-lived process. `get` answers synchronously, so a flow under a `TestScheduler` reads its
 * cache without leaving virtual time. A record past its `ttl` reads as missing (and is dropped);
 * `set` keeps a copy of the bytes it is given. `lock` serialises the holders of a key in this
 * process, first come first served; its `lease` does not apply (a holder cannot die without the
 * store).
 *
 * @example
 * ```ts
 * import { MemoryResultStore } from 'sluice';
 * let clock = 0;
 * const store = new MemoryResultStore({ now: () => clock });
 * await store.set('answer', new Uint8Array([42]), { ttl: 1000 });
 * console.log(store.get('answer')); // Uint8Array(1) [ 42 ]
 * clock = 1000;
 * console.log(store.get('answer')); // undefined
 * const lock = await store.lock('answer', { lease: 30_000 });
 * await lock.release();
 * ```
 */
export class MemoryResultStore implements ResultStore {
  readonly #records = new Map<string, Entry>();
  readonly #locks = new KeyedFifo();
  readonly #now: () => number;
  #setsSinceSweep = 0;

  constructor(options: MemoryResultStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The record under `key`, at once; `undefined` when there is none or it expired. */
  get(key: string): Uint8Array | undefined {
    checkKey(key, 'MemoryResultStore.get');
    const entry = this.#records.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && this.#now() >= entry.expiresAt) {
      this.#records.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores at once (no promise: a run that stores its value stays in virtual time). */
  set(key: string, value: Uint8Array, options: ResultStoreSetOptions): void {
    checkKey(key, 'MemoryResultStore.set');
    checkValue(value, 'MemoryResultStore.set');
    const ttl = checkTtl(options, 'MemoryResultStore.set');
    // A copy: the caller may reuse its buffer.
    this.#records.set(key, { value: value.slice(), expiresAt: ttl === undefined ? undefined : this.#now() + ttl });
    // Expired records nobody reads again would stay forever: drop them once per as many writes
    // as there are records, which keeps a write O(1) on average.
    if (++this.#setsSinceSweep > this.#records.size) this.#sweep();
  }

  /** Removes at once. */
  delete(key: string): void {
    checkKey(key, 'MemoryResultStore.delete');
    this.#records.delete(key);
  }

  /** Waits until no other holder in this process has `key`, first come first served. */
  async lock(key: string, options: ResultStoreLockOptions): Promise<ResultStoreLock> {
    checkKey(key, 'MemoryResultStore.lock');
    const { signal } = checkLockOptions(options, 'MemoryResultStore.lock');
    const release = await this.#locks.acquire(key, signal);
    return { release: () => settled(release) };
  }

  #sweep(): void {
    this.#setsSinceSweep = 0;
    const now = this.#now();
    for (const [key, entry] of this.#records) if (entry.expiresAt !== undefined && now >= entry.expiresAt) this.#records.delete(key);
  }
}
