/**
 * The error of the result stores.
 *
 * @module
 */
import { SluiceError } from '../core/errors/base.js';

/**
 * What a {@link ResultStoreError} was doing when it failed.
 *
 * @example
 * ```ts
 * import type { ResultStoreOperation } from 'sluice';
 * const operation: ResultStoreOperation = 'get';
 * ```
 */
export type ResultStoreOperation = 'get' | 'set' | 'delete' | 'lock' | 'release';

/**
 * A result store could not do what it was asked: Redis did not answer within the store's
 * `commandTimeout` (down, unreachable, or refusing the password), or a file could not be read or
 * written (permissions, a full disk). The message names the store (its directory, or its Redis
 * address with any password replaced by `***`), the operation, the key and the cause. A missing
 * record is not an error: `get` answers `undefined`. `crashed` is true: it is a failure of what
 * keeps results, not of a task's body.
 *
 * @example
 * ```ts
 * import { isSluiceError, type ResultStore } from 'sluice';
 * declare const store: ResultStore; // a RedisResultStore at redis://127.0.0.1:1, where nothing listens
 * const err = await Promise.resolve(store.get('k')).catch((e: unknown) => e);
 * if (isSluiceError(err, 'RESULT_STORE_UNAVAILABLE')) console.log(err.operation, err.key, err.message);
 * // get k RedisResultStore(redis://127.0.0.1:1): get of key "k" failed: Redis could not be reached (last connection error: connect ECONNREFUSED 127.0.0.1:1)
 * ```
 */
export class ResultStoreError extends SluiceError {
  /** The store, as its message names it: `FileResultStore(<directory>)`, `RedisResultStore(<address>)`. */
  readonly store: string;
  readonly operation: ResultStoreOperation;
  /** The record's key, as given. */
  readonly key: string;

  /** What keeps results failed, not a task's body. */
  override get crashed(): boolean {
    return true;
  }

  constructor(store: string, operation: ResultStoreOperation, key: string, reason: string, options?: { readonly cause?: unknown }) {
    super('RESULT_STORE_UNAVAILABLE', `${store}: ${operation} of key ${JSON.stringify(key)} failed: ${reason}`, options);
    this.store = store;
    this.operation = operation;
    this.key = key;
  }
}

// The stores' code joins the base's: the base never lists its plug-ins.
declare module '../core/errors/base.js' {
  interface SluiceErrorsByCode {
    readonly RESULT_STORE_UNAVAILABLE: ResultStoreError;
  }
}
