/**
 * A result store in a folder: one file per record.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../core/errors/input.js';
import { checkKey, checkLockOptions, checkTtl, checkValue, shown } from './checks.js';
import { ResultStoreError, type ResultStoreOperation } from './errors.js';
import { KeyedFifo } from './fifo-lock.js';
import { properLockfile } from './lazy-deps.js';
import { pause } from './timing.js';
import type { ResultStore, ResultStoreLock, ResultStoreLockOptions, ResultStoreSetOptions } from './store.js';

/**
 * Options of {@link FileResultStore}.
 *
 * @example
 * ```ts
 * import { FileResultStore, type FileResultStoreOptions } from 'sluice';
 * const options: FileResultStoreOptions = { directory: '/var/cache/etl/results' };
 * const store = new FileResultStore(options);
 * ```
 */
export interface FileResultStoreOptions {
  /**
   * The folder that holds the records, created on the first write. A relative path is resolved
   * against the working directory when the store is made.
   *
   * @defaultValue {@link defaultResultsDirectory}(): `$SLUICE_RESULTS_DIR` if set, else
   * `<working directory>/.sluice/results`
   */
  readonly directory?: string;
}

/**
 * Where a {@link FileResultStore} keeps its records when not told: the `SLUICE_RESULTS_DIR`
 * environment variable if it is set (resolved against the working directory), else
 * `.sluice/results` in the working directory. Read when a store is made.
 *
 * @example
 * ```ts
 * import { defaultResultsDirectory } from 'sluice';
 * process.env.SLUICE_RESULTS_DIR = '/tmp/results';
 * console.log(defaultResultsDirectory()); // /tmp/results
 * ```
 */
export function defaultResultsDirectory(): string {
  const fromEnvironment = process.env.SLUICE_RESULTS_DIR;
  return path.resolve(fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : path.join('.sluice', 'results'));
}

/** A key that can be its own file name on every file system: lower case (case-insensitive ones), no dot, not a Windows device. */
const PLAIN_KEY = /^[a-z0-9_-]{1,100}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
/** A temporary file this store writes: `<record name>.<pid>.<12 hex>.tmp`. */
const TEMP_FILE = /^(?:[a-z0-9_-]{1,100}|sha256\.[0-9a-f]{64})\.[0-9]+\.[0-9a-f]{12}\.tmp$/;
/** A temporary file older than this was left by a process that died mid-write. */
const STRAY_AGE = 60 * 60 * 1000;
/** Writes go out in pieces of this size, so that no single call holds a huge buffer in flight. */
const CHUNK = 1 << 20;
/** The least lease proper-lockfile keeps a lock for, whatever it is asked. */
const LOCKFILE_MIN_STALE = 2000;

/**
 * The file name of a key's record: the key itself when it is made only of `a-z`, `0-9`, `_` and
 * `-` (at most 100 characters, and not a Windows device name such as `con`); otherwise
 * `sha256.<hex>`, the SHA-256 of the key's UTF-8 bytes. Record names never hold any other dot,
 * so the lock (`<name>.lock`) and temporary files (`<name>.<pid>.<random>.tmp`) beside them can
 * never be taken for a record.
 */
function recordName(key: string): string {
  return PLAIN_KEY.test(key) && !WINDOWS_DEVICE.test(key) ? key : `sha256.${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * Keeps records as files in a folder, one per key: for one machine, or several that share the
 * folder. Survives the process; several processes may read and write the same keys at once.
 *
 * - **File names.** A key of `a-z`, `0-9`, `_` and `-` only (up to 100 characters) is its own file
 *   name; any other key (`'a/b:c'`, upper case, a long one) is stored as `sha256.<hex of the
 *   key>`, so no key can reach outside the folder or clash on a case-insensitive file system.
 *   {@link FileResultStore.recordPath} gives a key's file.
 * - **Atomic writes.** `set` writes a temporary file beside the record and renames it over the
 *   record, so a reader sees the old record or the new one, whole; a process killed mid-write
 *   leaves only its temporary file, never read as a record, and a later write removes temporary
 *   files more than an hour old. Several writers of one key leave one of their records, whole.
 * - **Expiry.** `ttl` is not applied by the store: the record carries its expiry, and sluice reads
 *   an expired record as a miss. Delete old files yourself if the folder grows.
 * - **Locks.** `lock` takes a lock folder beside the record (`<name>.lock`, with proper-lockfile)
 *   that its holder keeps fresh; a holder killed with SIGKILL loses it once it has not been
 *   refreshed for `lease` ms, or 2000 ms if `lease` is shorter (proper-lockfile's least). Waiters
 *   in this process queue first come first served; other processes poll.
 *
 * @example
 * ```ts
 * import { FileResultStore } from 'sluice';
 * const store = new FileResultStore({ directory: '.sluice/results' });
 * await store.set('a/b:c', new TextEncoder().encode('hello'), {});
 * console.log(new TextDecoder().decode(await store.get('a/b:c'))); // hello
 * console.log(store.recordPath('a/b:c')); // .../.sluice/results/sha256.<hex>
 * const lock = await store.lock('a/b:c', { lease: 10_000 });
 * await lock.release();
 * ```
 */
export class FileResultStore implements ResultStore {
  /** The folder of the records, absolute. */
  readonly directory: string;
  readonly #locks = new KeyedFifo();
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: FileResultStoreOptions = {}) {
    const directory: unknown = options.directory;
    if (directory !== undefined && (typeof directory !== 'string' || directory === '')) {
      throw new InvalidArgumentError(`FileResultStore: \`directory\` must be a non-empty path, got ${shown(directory)}`);
    }
    this.directory = directory === undefined ? defaultResultsDirectory() : path.resolve(directory);
  }

  /** The file that holds `key`'s record (which may not exist). */
  recordPath(key: string): string {
    return path.join(this.directory, recordName(checkKey(key, 'FileResultStore.recordPath')));
  }

  /** The record under `key`, or `undefined` when there is no file for it. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.recordPath(checkKey(key, 'FileResultStore.get'));
    try {
      return await readFile(file);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw this.#error('get', key, error);
    }
  }

  /** Writes `value` whole to a temporary file, then renames it over `key`'s record. `ttl` is checked, not applied. */
  async set(key: string, value: Uint8Array, options: ResultStoreSetOptions): Promise<void> {
    const file = this.recordPath(checkKey(key, 'FileResultStore.set'));
    checkValue(value, 'FileResultStore.set');
    checkTtl(options, 'FileResultStore.set');
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.#writeNew(temp, value);
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined); // it may never have been made
      throw this.#error('set', key, error);
    }
    await this.#sweep();
  }

  async delete(key: string): Promise<void> {
    const file = this.recordPath(checkKey(key, 'FileResultStore.delete'));
    try {
      await unlink(file);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw this.#error('delete', key, error);
    }
  }

  /**
   * Takes the lock on `key` for this process and every other that shares the folder. Rejects with
   * the signal's reason when it aborts first, or with a {@link ResultStoreError} when the lock
   * folder cannot be made.
   */
  async lock(key: string, options: ResultStoreLockOptions): Promise<ResultStoreLock> {
    const file = this.recordPath(checkKey(key, 'FileResultStore.lock'));
    const { lease, signal } = checkLockOptions(options, 'FileResultStore.lock');
    return this.#locks.around(key, signal, async () => {
      const unlock = await this.#lockFile(key, file, lease, signal);
      return () =>
        unlock().catch((error: unknown) => {
          // A lock taken over after its holder stopped refreshing it is already gone.
          if (codeOf(error) !== 'ERELEASED' && codeOf(error) !== 'ENOTACQUIRED') throw this.#error('release', key, error);
        });
    });
  }

  async #lockFile(key: string, file: string, lease: number, signal: AbortSignal | undefined): Promise<() => Promise<void>> {
    const stale = Math.max(lease, LOCKFILE_MIN_STALE);
    const poll = Math.min(50, Math.max(10, Math.round(stale / 40)));
    let madeDirectory = false;
    for (;;) {
      signal?.throwIfAborted();
      let unlock: (() => Promise<void>) | undefined;
      try {
        unlock = await properLockfile().lock(file, {
          realpath: false,
          lockfilePath: `${file}.lock`,
          stale,
          update: stale / 2,
          retries: 0,
          // Lost to another holder after this process stalled past the lease: `release` then
          // resolves (the interface has no other way to say so). The default throws from a timer.
          onCompromised: () => undefined,
        });
      } catch (error) {
        const code = codeOf(error);
        if (code === 'ENOENT' && !madeDirectory) {
          await this.#makeDirectory('lock', key);
          madeDirectory = true;
        } else if (code === 'ELOCKED') {
          await pause(poll, signal);
        } else {
          throw this.#error('lock', key, error);
        }
        continue;
      }
      if (signal?.aborted === true) {
        // Aborted while the lock was being taken: give it back, as if it never came.
        await unlock().catch(() => undefined);
        throw signal.reason;
      }
      return unlock;
    }
  }

  /** Writes `value` to a file that must not exist yet, making the folder on the first write. */
  async #writeNew(file: string, value: Uint8Array): Promise<void> {
    let handle;
    try {
      handle = await open(file, 'wx');
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
      await mkdir(this.directory, { recursive: true });
      handle = await open(file, 'wx');
    }
    try {
      for (let offset = 0; offset < value.byteLength; ) {
        const { bytesWritten } = await handle.write(value, offset, Math.min(CHUNK, value.byteLength - offset));
        offset += bytesWritten;
      }
    } finally {
      await handle.close();
    }
  }

  async #makeDirectory(operation: ResultStoreOperation, key: string): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true });
    } catch (error) {
      throw this.#error(operation, key, error);
    }
  }

  /**
   * Removes the temporary files of writers that died mid-write, at most once an hour per store.
   * Only names this store writes are touched, in case the folder is shared with other programs.
   */
  async #sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < STRAY_AGE) return;
    this.#lastSweep = now;
    // Housekeeping only: a write that got here succeeded, and another process may be sweeping the
    // same files, so a file that is gone or cannot be read is left alone.
    const names = await readdir(this.directory).catch(() => [] as string[]);
    for (const name of names) {
      if (!TEMP_FILE.test(name)) continue;
      const file = path.join(this.directory, name);
      const info = await stat(file).catch(() => undefined);
      if (info !== undefined && now - info.mtimeMs > STRAY_AGE) await unlink(file).catch(() => undefined);
    }
  }

  #error(operation: ResultStoreOperation, key: string, cause: unknown): ResultStoreError {
    return new ResultStoreError(`FileResultStore(${this.directory})`, operation, key, cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
