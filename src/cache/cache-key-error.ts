/**
 * The error of a cache key that cannot be computed.
 *
 * @module
 */
import { SluiceError } from '../core/errors/base.js';

/**
 * A run's cache key could not be computed: an argument that cannot be hashed (a function, a
 * class instance, a circular value), a policy that leaves out an argument the task does not
 * have, or a `cacheKeyFn` that threw or returned something other than a string. The run fails
 * before its body runs, and is not retried: the same arguments would fail the same way. The
 * message names the task, the argument and the way out.
 *
 * @example
 * ```ts
 * import { cachePolicies, isSluiceError, task } from 'sluice';
 * const get = task({ name: 'get', cachePolicy: cachePolicies.inputs }, (client: { fetch: () => number }) => client.fetch());
 * const err = await get({ fetch: () => 1 }).catch((e: unknown) => e);
 * if (isSluiceError(err, 'CACHE_KEY_FAILED')) console.log(err.argument, err.message); // 0 task "get": ...
 * ```
 */
export class CacheKeyError extends SluiceError {
  override get retryable(): boolean {
    return false;
  }

  readonly taskName: string;
  /** The argument's position, when one argument is the cause. */
  readonly argument: number | undefined;

  constructor(taskName: string, argument: number | undefined, problem: string, options?: { readonly cause?: unknown }) {
    super('CACHE_KEY_FAILED', `task "${taskName}": cannot compute its cache key: ${problem}`, options);
    this.taskName = taskName;
    this.argument = argument;
  }
}

// This error's code joins the base's: the base never lists its plug-ins.
declare module '../core/errors/base.js' {
  interface SluiceErrorsByCode {
    readonly CACHE_KEY_FAILED: CacheKeyError;
  }
}
