import type * as Ioredis from 'ioredis';
import type * as Lockfile from 'proper-lockfile';
import type * as Semaphore from 'redis-semaphore';
import { requireOptional } from '../core/optional-package.js';

/** What the Redis store needs installed, said when a part of it is missing. */
export const REDIS_STORE_PACKAGES = ['ioredis', 'redis-semaphore'] as const;
const REDIS_STORE = ['RedisResultStore', REDIS_STORE_PACKAGES] as const;

/**
 * The stores' dependencies, loaded on first use rather than when sluice is imported (as
 * core/lazy-rxjs.ts does for RxJS): most flows use no Redis store, and proper-lockfile installs
 * exit and signal handlers (to remove its lock files) as soon as it is loaded.
 *
 * @internal
 */

let redis: typeof Ioredis | undefined;
let lockfile: typeof Lockfile | undefined;
let semaphore: typeof Semaphore | undefined;

export function ioredis(): typeof Ioredis {
  return (redis ??= requireOptional<typeof Ioredis>('ioredis', ...REDIS_STORE));
}

export function properLockfile(): typeof Lockfile {
  return (lockfile ??= requireOptional<typeof Lockfile>('proper-lockfile', 'FileResultStore'));
}

export function redisSemaphore(): typeof Semaphore {
  return (semaphore ??= requireOptional<typeof Semaphore>('redis-semaphore', ...REDIS_STORE));
}
