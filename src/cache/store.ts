/**
 * Where cached results are kept: the interface every result store implements, so a user can
 * plug in S3 or a database in a page of code.
 *
 * @module
 */

/**
 * Options of {@link ResultStore.set}.
 *
 * @example
 * ```ts
 * import type { ResultStoreSetOptions } from 'sluice';
 * const options: ResultStoreSetOptions = { ttl: 60_000 };
 * console.log(options.ttl); // 60000
 * ```
 */
export interface ResultStoreSetOptions {
  /**
   * How long the record lives, in milliseconds (a positive number); `undefined` for no expiry. A
   * store may drop the record after that (Redis and memory stores do); it need not (the file
   * store does not): the record itself carries its expiry, and sluice reads an expired record as
   * a miss.
   */
  readonly ttl?: number | undefined;
}

/**
 * A lock held on a key, from {@link ResultStore.lock}.
 *
 * @example
 * ```ts
 * import type { ResultStoreLock } from 'sluice';
 * const lock: ResultStoreLock = { release: async () => undefined };
 * await lock.release();
 * ```
 */
export interface ResultStoreLock {
  /** Gives the lock back. Never rejects for a lock that was already lost. */
  release(): Promise<void>;
}

/**
 * Options of {@link ResultStore.lock}.
 *
 * @example
 * ```ts
 * import type { ResultStoreLockOptions } from 'sluice';
 * const options: ResultStoreLockOptions = { lease: 30_000 };
 * console.log(options.lease); // 30000
 * ```
 */
export interface ResultStoreLockOptions {
  /**
   * How long the lock outlives a holder that stops renewing it (a process killed with SIGKILL),
   * in milliseconds. A live holder keeps renewing it.
   */
  readonly lease: number;
  /** Gives up waiting for the lock: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Keeps cache records: opaque bytes under string keys. sluice writes each record whole and reads
 * it back whole; the bytes carry their own expiry and a checksum, so a store only has to keep
 * them. Each method may answer synchronously (an in-memory store does, so marble tests stay in
 * virtual time) or with a promise.
 *
 * @example
 * ```ts
 * import type { ResultStore } from 'sluice';
 * // A store in a Map: enough for tests, and the shape of any other.
 * const records = new Map<string, Uint8Array>();
 * const store: ResultStore = {
 *   get: (key) => records.get(key),
 *   set: async (key, value) => {
 *     records.set(key, value);
 *   },
 *   delete: async (key) => {
 *     records.delete(key);
 *   },
 * };
 * await store.set('k', new Uint8Array([1]), {});
 * console.log(store.get('k')); // Uint8Array(1) [ 1 ]
 * ```
 */
export interface ResultStore {
  /** The record under `key`, or `undefined` when there is none. */
  get(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Stores `value` under `key`, replacing any record: a reader sees the old record or the new one, never a part. */
  set(key: string, value: Uint8Array, options: ResultStoreSetOptions): void | Promise<void>;
  /** Removes the record under `key`, if any. */
  delete(key: string): void | Promise<void>;
  /**
   * Takes the lock on `key`, waiting for it while another holder (in any process) has it. Needed
   * for `cacheIsolation: 'serializable'` across processes; without it, sluice serialises runs
   * with the same key within one process only.
   */
  lock?(key: string, options: ResultStoreLockOptions): Promise<ResultStoreLock>;
}
