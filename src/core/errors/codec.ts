/**
 * The errors of a task's codecs: arguments that do not fit `params`, a value that does not fit
 * `returns`.
 *
 * @module
 */
import { SluiceError } from './base.js';

/**
 * The shared shape of {@link InvalidParamsError} and {@link InvalidReturnError}: what a codec found wrong.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { CodecMismatchError, task } from 'sluice';
 * const length = task({ name: 'length', params: t.tuple([t.string]) }, (text: string) => text.length);
 * const untyped = length as unknown as (value: unknown) => Promise<number>; // as data from outside would arrive
 * const err = await untyped(1).catch((e: unknown) => e);
 * if (err instanceof CodecMismatchError) for (const problem of err.problems) console.log(problem);
 * ```
 */
export abstract class CodecMismatchError extends SluiceError {
  readonly taskName: string;
  /** One line per problem. */
  readonly problems: readonly string[];

  protected constructor(code: 'INVALID_PARAMS' | 'INVALID_RETURN', what: string, taskName: string, problems: readonly string[]) {
    super(code, `task "${taskName}": ${what}: ${problems.join('; ')}`);
    this.taskName = taskName;
    this.problems = problems;
  }
}

/**
 * A task's arguments did not fit its `params` codec; the run did not start. The message lists
 * every problem, naming the argument (`argument 1`, `argument 0.name`) and what was expected.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { task } from 'sluice';
 * const add = task({ name: 'add', params: t.tuple([t.number, t.number]) }, (x: number, y: number) => x + y);
 * await add(1, 'two' as never).catch((e: unknown) => console.log((e as Error).message));
 * // task "add": invalid arguments: argument 1: expected number, got "two"
 * ```
 */
export class InvalidParamsError extends CodecMismatchError {
  constructor(taskName: string, problems: readonly string[]) {
    super('INVALID_PARAMS', 'invalid arguments', taskName, problems);
  }
}

/**
 * A task body returned a value that does not fit the task's `returns` codec. The run fails (it is
 * not retried: the same body would return the same kind of value).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { task } from 'sluice';
 * const count = task({ name: 'count', returns: t.number }, () => 'three' as unknown as number);
 * await count().catch((e: unknown) => console.log((e as Error).message));
 * // task "count": invalid return value: expected number, got "three"
 * ```
 */
export class InvalidReturnError extends CodecMismatchError {
  constructor(taskName: string, problems: readonly string[]) {
    super('INVALID_RETURN', 'invalid return value', taskName, problems);
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly INVALID_PARAMS: InvalidParamsError;
    readonly INVALID_RETURN: InvalidReturnError;
  }
}
