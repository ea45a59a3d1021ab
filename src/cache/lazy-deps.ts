import { createRequire } from 'node:module';
import type * as Ioredis from 'ioredis';
import type * as Lockfile from 'proper-lockfile';
import type * as Semaphore from 'redis-semaphore';

/**
 * The stores' dependencies, loaded on first use rather than when sluice is imported (as
 * core/lazy-rxjs.ts does for RxJS): most flows use no Redis store, and proper-lockfile installs
 * exit and signal handlers (to remove its lock files) as soon as it is loaded.
 *
 * @internal
 */
const require = createRequire(import.meta.url);

let redis: typeof Ioredis | undefined;
let lockfile: typeof Lockfile | undefined;
let semaphore: typeof Semaphore | undefined;

export function ioredis(): typeof Ioredis {
  return (redis ??= require('ioredis') as typeof Ioredis);
}

export function properLockfile(): typeof Lockfile {
  return (lockfile ??= require('proper-lockfile') as typeof Lockfile);
}

export function redisSemaphore(): typeof Semaphore {
  return (semaphore ??= require('redis-semaphore') as typeof Semaphore);
}
