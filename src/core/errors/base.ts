/**
 * Every error sluice raises is a {@link SluiceError}: it has a `name`, a stable `code` to switch
 * on, and readonly context. Errors are branded with `Symbol.for('sluice.error')` so that
 * {@link isSluiceError} recognises them across duplicate copies of the library.
 *
 * @module
 */

const brand = Symbol.for('sluice.error');

/**
 * The stable codes of sluice's errors.
 *
 * @example
 * ```ts
 * import { isSluiceError, task, type SluiceErrorCode } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * const code: SluiceErrorCode = 'MAP_LENGTH_MISMATCH';
 * try {
 *   add.map([1, 2, 3], [1, 2]);
 * } catch (error) {
 *   console.log(isSluiceError(error, code)); // true
 * }
 * ```
 */
export type SluiceErrorCode = keyof SluiceErrorsByCode;

/**
 * The base class of every error sluice raises.
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * try {
 *   add.map([1, 2, 3], [1, 2]);
 * } catch (error) {
 *   if (isSluiceError(error)) console.log(error.name, error.code); // MappingLengthMismatchError MAP_LENGTH_MISMATCH
 * }
 * ```
 */
export class SluiceError extends Error {
  /** A stable code: match on it rather than on the message. */
  readonly code: SluiceErrorCode;
  /**
   * False for errors that another attempt cannot fix (a task a worker cannot find, an argument
   * that cannot cross to a thread): the engine does not retry them, whatever `retries` says.
   */
  get retryable(): boolean {
    return true;
  }
  /**
   * True for errors that say what runs the body broke, not the body (its worker thread died, its
   * job stalled out, Redis went away): a run that ends with one ends `Crashed`, not `Failed`.
   */
  get crashed(): boolean {
    return false;
  }
  /** @internal */
  readonly [brand] = true;

  constructor(code: SluiceErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The error class behind each {@link SluiceErrorCode}: what {@link isSluiceError} narrows an
 * error to when given a code.
 *
 * @example
 * ```ts
 * import type { SluiceErrorsByCode } from 'sluice';
 * type Stalled = SluiceErrorsByCode['JOB_STALLED']; // JobStalledError, with its jobId
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- each error's file adds its codes
export interface SluiceErrorsByCode {
  // Filled by declaration merging, as the runners' errors do: the base imports none of its subclasses.
}

/**
 * Tells whether `error` is an error raised by sluice, optionally with a given code; with a code,
 * it narrows `error` to that code's class (see {@link SluiceErrorsByCode}).
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const flaky = task({ name: 'flaky', retries: 1 }, () => { throw new Error('down'); });
 * const err = await flaky().catch((e: unknown) => e);
 * if (isSluiceError(err, 'RETRIES_EXHAUSTED')) console.log(err.attempts, err.message); // 2 ...
 * ```
 */
export function isSluiceError<C extends SluiceErrorCode>(error: unknown, code: C): error is SluiceErrorsByCode[C];
export function isSluiceError(error: unknown): error is SluiceError;
export function isSluiceError(error: unknown, code?: SluiceErrorCode): error is SluiceError {
  if (typeof error !== 'object' || error === null || !(brand in error)) return false;
  return code === undefined || (error as SluiceError).code === code;
}

/** @internal Describes a thrown value in one line for a message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-Error value thrown: ${String(error)}`;
  } catch {
    return 'non-Error value thrown';
  }
}

/** @internal Describes any value in a few words for a message: `3 (number)`, `[object Promise] (object)`. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `array of ${value.length}` : String(value);
  } catch {
    text = 'an unprintable value';
  }
  return `${text} (${value === null ? 'null' : typeof value})`;
}
