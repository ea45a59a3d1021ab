/**
 * Loading an optional peer package (bullmq, ioredis, redis-semaphore, pg) on first use, with a
 * {@link MissingPackageError} that says what to install when it is not there.
 *
 * @module
 * @internal
 */
import { createRequire } from 'node:module';
import { MissingPackageError } from './errors/package.js';

const require = createRequire(import.meta.url);

function missing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && error instanceof Error && error.message.includes(`'${name}'`);
}

/** `require(name)`, or a {@link MissingPackageError} naming `feature` and what to install. */
export function requireOptional<T>(name: string, feature: string, install?: readonly string[]): T {
  try {
    return require(name) as T;
  } catch (error) {
    if (missing(error, name)) throw new MissingPackageError(name, feature, install);
    throw error;
  }
}

/** Fails with a {@link MissingPackageError} unless `name` can be loaded (it is not loaded here). */
export function checkInstalled(name: string, feature: string, install?: readonly string[]): void {
  try {
    require.resolve(name);
  } catch (error) {
    if (missing(error, name)) throw new MissingPackageError(name, feature, install);
    throw error;
  }
}
