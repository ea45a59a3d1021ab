import { InvalidArgumentError } from '../core/errors/input.js';

/**
 * The checks every store makes of its arguments, so that a JavaScript caller or a custom engine
 * gets an error naming the store, the method and the argument, not a confusing failure further in.
 *
 * @internal
 */

/** A value for a message: quoted if a string, with its type. */
export function shown(value: unknown): string {
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} (${typeof value})`;
}

export function checkKey(key: unknown, where: string): string {
  if (typeof key !== 'string') throw new InvalidArgumentError(`${where}: \`key\` must be a string, got ${shown(key)}`);
  return key;
}

export function checkValue(value: unknown, where: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${where}: \`value\` must be a Uint8Array, got ${shown(value)}`);
  return value;
}

/** The `ttl` of set's options: a positive number of milliseconds, or undefined for no expiry. */
export function checkTtl(options: unknown, where: string): number | undefined {
  const ttl = typeof options === 'object' && options !== null ? (options as { ttl?: unknown }).ttl : undefined;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new InvalidArgumentError(`${where}: \`ttl\` must be a positive number of milliseconds, or undefined for no expiry, got ${shown(ttl)}`);
  }
  return ttl;
}

/** The options of lock: a positive `lease` in milliseconds, and an optional signal. */
export function checkLockOptions(options: unknown, where: string): { readonly lease: number; readonly signal: AbortSignal | undefined } {
  const { lease, signal } = (typeof options === 'object' && options !== null ? options : {}) as { lease?: unknown; signal?: unknown };
  if (typeof lease !== 'number' || !Number.isFinite(lease) || lease <= 0) {
    throw new InvalidArgumentError(`${where}: \`lease\` must be a positive number of milliseconds, got ${shown(lease)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${where}: \`signal\` must be an AbortSignal, got ${shown(signal)}`);
  }
  return { lease, signal };
}

/** `body`'s outcome as a promise: an API that answers with a promise never throws synchronously. */
export function settled(body: () => void): Promise<void> {
  try {
    body();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}
