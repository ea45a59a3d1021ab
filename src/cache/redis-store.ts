/**
 * A result store in Redis.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { Mutex } from 'redis-semaphore';
import { InvalidArgumentError } from '../core/errors/input.js';
import { checkKey, checkLockOptions, checkTtl, checkValue, shown } from './checks.js';
import { ResultStoreError, type ResultStoreOperation } from './errors.js';
import { KeyedFifo } from './fifo-lock.js';
import { checkInstalled } from '../core/optional-package.js';
import { REDIS_STORE_PACKAGES, redisSemaphore } from './lazy-deps.js';
import { causeText, scrubCause } from './redact.js';
import { openRedis, redisTarget } from './redis-connection.js';
import { within } from './timing.js';
import type { ResultStore, ResultStoreLock, ResultStoreLockOptions, ResultStoreSetOptions } from './store.js';

/**
 * Options of {@link RedisResultStore}.
 *
 * @example
 * ```ts
 * import { RedisResultStore, type RedisResultStoreOptions } from 'sluice';
 * const options: RedisResultStoreOptions = { connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: 'etl:results:' };
 * const store = new RedisResultStore(options);
 * ```
 */
export interface RedisResultStoreOptions {
  /**
   * Where Redis is: a `redis://` or `rediss://` URL (with password and db if any), ioredis
   * options, or an ioredis client of yours. The store makes its own connection from a URL or
   * options (lazily, on first use; `close()` ends it); a client you pass is used as it is, and is
   * yours to close.
   *
   * @defaultValue `'redis://127.0.0.1:6379'` (`REDIS_RESULT_STORE_DEFAULTS.connection`)
   */
  readonly connection?: string | RedisOptions | Redis;
  /**
   * Put before every key: the record of key `k` is the Redis string `<prefix>k`. Locks are
   * `<prefix>lock:<SHA-256 of the key>`.
   *
   * @defaultValue `'sluice:results:'` (`REDIS_RESULT_STORE_DEFAULTS.prefix`)
   */
  readonly prefix?: string;
  /**
   * How long a call waits for Redis, in milliseconds, before it rejects with a
   * {@link ResultStoreError}: with Redis down or unreachable, a call fails within this time rather
   * than hanging. Also the connection's `commandTimeout` and `connectTimeout` when the store makes it.
   *
   * @defaultValue `5000` (`REDIS_RESULT_STORE_DEFAULTS.commandTimeout`)
   */
  readonly commandTimeout?: number;
}

/**
 * The defaults of {@link RedisResultStoreOptions}.
 *
 * @example
 * ```ts
 * import { REDIS_RESULT_STORE_DEFAULTS } from 'sluice';
 * console.log(REDIS_RESULT_STORE_DEFAULTS.prefix); // sluice:results:
 * ```
 */
export const REDIS_RESULT_STORE_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  prefix: 'sluice:results:',
  commandTimeout: 5000,
} as const satisfies Required<RedisResultStoreOptions>;

/** A Mutex whose lease refresh never rejects from its timer (that would be an unhandled rejection). */
type GuardedMutex = new (...args: ConstructorParameters<typeof Mutex>) => Mutex;
let guardedMutex: GuardedMutex | undefined;

function mutexClass(): GuardedMutex {
  return (guardedMutex ??= class extends redisSemaphore().Mutex {
    protected override async _refresh(): Promise<boolean> {
      try {
        return await super._refresh();
      } catch {
        // Redis did not answer: the lease may still be ours, so keep refreshing. Once it has run
        // out, the next refresh that gets an answer finds the lock gone and stops.
        return true;
      }
    }
  });
}

/**
 * Keeps records in Redis, one string per key (`SET <prefix><key> <bytes> [PX ttl]`): for many
 * processes on many machines. `ttl` becomes the key's own expiry, so Redis drops expired records;
 * a record written without `ttl` never expires (a later write without `ttl` clears an earlier
 * one's). `lock` is a redis-semaphore `Mutex` that its holder refreshes every `lease / 3`; a
 * holder killed with SIGKILL loses it `lease` ms after its last refresh. Waiters in this process
 * queue first come first served; other processes poll.
 *
 * ioredis is loaded on first use, not when sluice is imported. Every call settles within
 * `commandTimeout`: with Redis down it rejects with a {@link ResultStoreError} (code
 * `RESULT_STORE_UNAVAILABLE`), whose message names the store's address with its password
 * replaced by `***`. For a client you pass, its own `commandTimeout` bounds the lock's commands.
 *
 * @example
 * ```ts
 * import { RedisResultStore } from 'sluice';
 * const store = new RedisResultStore({ connection: 'redis://:secret@127.0.0.1:6379/2' });
 * await store.set('report:2026-11', new TextEncoder().encode('{"rows":3}'), { ttl: 3_600_000 });
 * const bytes = await store.get('report:2026-11');
 * console.log(bytes && new TextDecoder().decode(bytes)); // {"rows":3}
 * await store.close();
 * ```
 */
export class RedisResultStore implements ResultStore {
  /** Put before every key. */
  readonly prefix: string;
  /** How long a call waits for Redis, in milliseconds. */
  readonly commandTimeout: number;
  /** The store as error messages name it: `RedisResultStore(<address without password>)`. */
  readonly #name: string;
  /** The passwords that must never appear in a message. */
  readonly #secrets: readonly string[];
  /** What the store opens its own connection from, when it was given no client. */
  readonly #settings: string | RedisOptions | undefined;
  readonly #locks = new KeyedFifo();
  /** The client in use, once made (or the user's). */
  #client: Redis | undefined;
  /** Whether the store made its client, and so closes it. */
  #own = false;
  #closed = false;
  /** The last error of the store's own connection, for the message of a call it makes fail. */
  #connectionError: unknown;

  constructor(options: RedisResultStoreOptions = {}) {
    // Said now, not at the first read of a flow.
    for (const name of REDIS_STORE_PACKAGES) checkInstalled(name, 'RedisResultStore', REDIS_STORE_PACKAGES);
    const connection: unknown = options.connection ?? REDIS_RESULT_STORE_DEFAULTS.connection;
    const prefix: unknown = options.prefix ?? REDIS_RESULT_STORE_DEFAULTS.prefix;
    const commandTimeout: unknown = options.commandTimeout ?? REDIS_RESULT_STORE_DEFAULTS.commandTimeout;
    const target = redisTarget('RedisResultStore', connection);
    this.#name = `RedisResultStore(${target.address})`;
    this.#secrets = target.secrets;
    this.#client = target.client;
    this.#settings = target.settings;
    if (typeof prefix !== 'string') {
      throw new InvalidArgumentError(`RedisResultStore: \`prefix\` must be a string, got ${shown(prefix)}`);
    }
    if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
      throw new InvalidArgumentError(`RedisResultStore: \`commandTimeout\` must be a positive number of milliseconds, got ${shown(commandTimeout)}`);
    }
    this.prefix = prefix;
    this.commandTimeout = commandTimeout;
  }

  /** The record under `key` (`GET <prefix><key>`), or `undefined` when there is none. */
  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key, 'RedisResultStore.get');
    const bytes = await this.#command('get', key, (client) => client.getBuffer(this.prefix + key));
    return bytes ?? undefined;
  }

  /** `SET <prefix><key> <value>`, with `PX <ttl>` when `ttl` is given. */
  async set(key: string, value: Uint8Array, options: ResultStoreSetOptions): Promise<void> {
    checkKey(key, 'RedisResultStore.set');
    checkValue(value, 'RedisResultStore.set');
    const ttl = checkTtl(options, 'RedisResultStore.set');
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    await this.#command('set', key, (client) =>
      ttl === undefined ? client.set(this.prefix + key, bytes) : client.set(this.prefix + key, bytes, 'PX', Math.ceil(ttl)),
    );
  }

  /** `DEL <prefix><key>`. */
  async delete(key: string): Promise<void> {
    checkKey(key, 'RedisResultStore.delete');
    await this.#command('delete', key, (client) => client.del(this.prefix + key));
  }

  /**
   * Takes the lock on `key` for every process that uses this Redis and prefix. Rejects with the
   * signal's reason when it aborts first, or with a {@link ResultStoreError} when Redis does not
   * answer.
   */
  async lock(key: string, options: ResultStoreLockOptions): Promise<ResultStoreLock> {
    checkKey(key, 'RedisResultStore.lock');
    const { lease, signal } = checkLockOptions(options, 'RedisResultStore.lock');
    return this.#locks.around(key, signal, async () => {
      const mutex = await this.#acquire(key, lease, signal);
      return () =>
        within(mutex.release(), this.commandTimeout, () => new Error(`Redis did not answer within ${this.commandTimeout} ms`)).catch((error: unknown) => {
          throw this.#error('release', key, error);
        });
    });
  }

  /**
   * Ends the connection the store made (not a client you passed). Calls after it reject; a lock
   * still held lapses after its lease.
   */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#own) this.#client?.disconnect();
    return Promise.resolve();
  }

  async #acquire(key: string, lease: number, signal: AbortSignal | undefined): Promise<Mutex> {
    const Guarded = mutexClass();
    const ms = Math.max(1, Math.ceil(lease));
    const mutex = new Guarded(this.#use('lock', key), `${this.prefix}lock:${createHash('sha256').update(key, 'utf8').digest('hex')}`, {
      lockTimeout: ms,
      refreshInterval: Math.max(1, Math.round(ms / 3)),
      acquireTimeout: Number.POSITIVE_INFINITY,
      acquireAttemptsLimit: Number.POSITIVE_INFINITY,
      retryInterval: Math.min(100, Math.max(10, Math.round(ms / 10))),
      // Lost after this process stalled past the lease: `release` then does nothing (the
      // interface has no other way to say so). The default throws from a timer.
      onLockLost: () => undefined,
    });
    try {
      await mutex.acquire(signal);
    } catch (error) {
      if (signal?.aborted === true && error === signal.reason) throw error;
      throw this.#error('lock', key, error);
    }
    if (signal?.aborted === true) {
      // Aborted while the lock was being taken: give it back, as if it never came.
      await mutex.release().catch(() => undefined);
      throw signal.reason;
    }
    return mutex;
  }

  /** Runs one command, bounded by `commandTimeout`; any failure becomes a ResultStoreError. */
  async #command<T>(operation: ResultStoreOperation, key: string, command: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.#use(operation, key);
    try {
      return await within(command(client), this.commandTimeout, () => new Error(`Redis did not answer within ${this.commandTimeout} ms`));
    } catch (error) {
      throw this.#error(operation, key, error);
    }
  }

  /** The client, made on first use from the store's connection setting. */
  #use(operation: ResultStoreOperation, key: string): Redis {
    if (this.#closed) throw this.#error(operation, key, new Error('the store is closed'));
    if (this.#client !== undefined) return this.#client;
    let client: Redis;
    try {
      client = openRedis(this.#settings as string | RedisOptions, this.commandTimeout);
    } catch (error) {
      throw this.#error(operation, key, error);
    }
    // Kept for messages; a listener also stops ioredis printing each failed reconnection.
    client.on('error', (error: unknown) => (this.#connectionError = error));
    client.on('ready', () => (this.#connectionError = undefined));
    this.#own = true;
    return (this.#client = client);
  }

  #error(operation: ResultStoreOperation, key: string, cause: unknown): ResultStoreError {
    // ioredis' own text for this one points at its option, not at what happened.
    const what = cause instanceof Error && cause.name === 'MaxRetriesPerRequestError' ? 'Redis could not be reached' : causeText(cause, this.#secrets);
    const connection = this.#connectionError === undefined || this.#connectionError === cause ? '' : ` (last connection error: ${causeText(this.#connectionError, this.#secrets)})`;
    return new ResultStoreError(this.#name, operation, key, `${what}${connection}`, { cause: scrubCause(cause, this.#secrets) });
  }
}
