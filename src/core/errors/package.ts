/**
 * The error of a feature whose package is an optional peer of sluice and is not installed: the
 * BullMQ runner (bullmq, ioredis; pg for PostgreSQL) and the Redis result store (ioredis,
 * redis-semaphore). A user of the embedded runner installs none of them.
 *
 * @module
 */
import { SluiceError } from './base.js';

/**
 * A feature was used whose package is not installed. The message names the feature and the
 * command that installs what it needs.
 *
 * @example
 * ```ts
 * import { isSluiceError } from 'sluice';
 * import { BullMQTaskRunner } from 'sluice/bullmq';
 * try {
 *   new BullMQTaskRunner({ queue: 'etl', connection: 'postgres://127.0.0.1/app' });
 * } catch (error) {
 *   if (isSluiceError(error, 'MISSING_PACKAGE')) console.error(error.message); // ... npm install pg
 * }
 * ```
 */
export class MissingPackageError extends SluiceError {
  /** The package that is missing. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, install: readonly string[] = [packageName]) {
    super('MISSING_PACKAGE', `${feature} needs the ${packageName} package, which is not installed: npm install ${install.join(' ')}`);
    this.packageName = packageName;
  }
}

declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly MISSING_PACKAGE: MissingPackageError;
  }
}
