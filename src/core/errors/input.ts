/**
 * The errors of bad input: a function, an option or a `map` was given what it cannot use. Raised
 * before anything runs.
 *
 * @module
 */
import { SluiceError } from './base.js';

/**
 * A function or option was given a value it cannot use (a negative timeout, a task name that is
 * not a string, a `waitFor` that is not a list of futures).
 *
 * @example
 * ```ts
 * import { wait } from 'sluice';
 * await wait([], { timeout: -1 }).catch((e: unknown) => console.log(e)); // InvalidArgumentError
 * ```
 */
export class InvalidArgumentError extends SluiceError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A task was defined with options it cannot use; raised by `task()` itself, before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * task({ name: '' }, () => 1); // throws InvalidTaskOptionsError
 * ```
 */
export class InvalidTaskOptionsError extends SluiceError {
  /** The task's name, as given. */
  readonly taskName: string;
  /** The option that was wrong. */
  readonly option: string;

  constructor(taskName: string, option: string, message: string) {
    super('INVALID_TASK_OPTIONS', `task "${taskName}": option \`${option}\` ${message}`);
    this.taskName = taskName;
    this.option = option;
  }
}

/**
 * `task()`, `task.with()` or `flow()` was given an option it does not have: a typo, a name from
 * Prefect, or an option sluice has no counterpart for. Unknown options are rejected rather than
 * ignored, so a misspelt `retries` does not silently mean no retries. The message names the
 * option and, when there is one, the nearest known option (`suggestion`).
 *
 * @example
 * ```ts
 * import { isSluiceError, task } from 'sluice';
 * const options = { name: 'fetch', retires: 3 }; // a typo; a literal would not compile
 * try {
 *   task(options, (url: string) => url);
 * } catch (error) {
 *   if (isSluiceError(error, 'UNKNOWN_OPTION')) console.log(error.option, error.suggestion); // retires retries
 * }
 * ```
 */
export class UnknownOptionError extends SluiceError {
  /** Whether the options were a task's or a flow's. */
  readonly kind: 'task' | 'flow';
  /** The task's or flow's name. */
  readonly ownerName: string;
  /** The option that is not known, as given. */
  readonly option: string;
  /** The known option it most likely meant, if any. */
  readonly suggestion: string | undefined;

  constructor(kind: 'task' | 'flow', ownerName: string, option: string, suggestion: string | undefined, hint: string) {
    super('UNKNOWN_OPTION', `${kind} "${ownerName}": unknown option \`${option}\`; ${hint}`);
    this.kind = kind;
    this.ownerName = ownerName;
    this.option = option;
    this.suggestion = suggestion;
  }
}

/**
 * `map` was called without any argument to map over. Raised before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * add.map(1, 2); // throws MappingMissingIterableError
 * ```
 */
export class MappingMissingIterableError extends SluiceError {
  readonly taskName: string;

  constructor(taskName: string, described: readonly string[]) {
    super(
      'MAP_NO_ITERABLE',
      `task "${taskName}": map needs at least one iterable argument to map over, got none. ` +
        `Arguments: ${described.length === 0 ? '(none)' : described.join(', ')}. ` +
        'Pass an array, a Set or another iterable; strings, byte arrays and plain objects are broadcast, not mapped.',
    );
    this.taskName = taskName;
  }
}

/**
 * The iterable arguments of a `map` have different lengths. Raised before anything runs.
 *
 * @example
 * ```ts
 * import { task } from 'sluice';
 * const add = task('add', (x: number, y: number) => x + y);
 * add.map([1, 2, 3], [1, 2]); // throws MappingLengthMismatchError
 * ```
 */
export class MappingLengthMismatchError extends SluiceError {
  readonly taskName: string;
  /** The length of each mapped argument, by argument position. */
  readonly lengths: Readonly<Record<number, number>>;

  constructor(taskName: string, lengths: Readonly<Record<number, number>>) {
    const listed = Object.entries(lengths)
      .map(([index, length]) => `argument ${index}: ${length}`)
      .join(', ');
    super(
      'MAP_LENGTH_MISMATCH',
      `task "${taskName}": map's iterable arguments must all have the same length; got lengths ${listed}. ` +
        'Wrap an argument in unmapped(...) to pass it whole to every run.',
    );
    this.taskName = taskName;
    this.lengths = lengths;
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly INVALID_ARGUMENT: InvalidArgumentError;
    readonly INVALID_TASK_OPTIONS: InvalidTaskOptionsError;
    readonly UNKNOWN_OPTION: UnknownOptionError;
    readonly MAP_NO_ITERABLE: MappingMissingIterableError;
    readonly MAP_LENGTH_MISMATCH: MappingLengthMismatchError;
  }
}
