/**
 * The errors of codecs: a task's or flow's arguments that do not fit its `params`, a value that
 * does not fit a task's `returns`.
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

/**
 * A flow's arguments did not fit its `params` (an io-ts codec or a Standard Schema): the flow run
 * failed before its function was called, so none of its runs started. It is not retried (the same
 * arguments would not fit again). The message lists every problem, naming the argument
 * (`argument 0.day`) and what was expected.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { flow, isSluiceError } from 'sluice';
 * const nightly = flow({ name: 'nightly', params: z.tuple([z.number().int()]) }, (day) => day + 1);
 * const err = await nightly(1.5).catch((e: unknown) => e);
 * if (isSluiceError(err, 'INVALID_FLOW_PARAMS')) console.log(err.flowName, err.problems);
 * // nightly [ 'argument 0: Expected integer, received float' ]
 * ```
 */
export class InvalidFlowParamsError extends SluiceError {
  readonly flowName: string;
  readonly flowRunId: string;
  /** One line per problem. */
  readonly problems: readonly string[];

  constructor(flow: { readonly flowName: string; readonly flowRunId: string }, problems: readonly string[]) {
    super('INVALID_FLOW_PARAMS', `flow "${flow.flowName}" (flow run ${flow.flowRunId}): invalid arguments: ${problems.join('; ')}`);
    this.flowName = flow.flowName;
    this.flowRunId = flow.flowRunId;
    this.problems = problems;
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly INVALID_PARAMS: InvalidParamsError;
    readonly INVALID_RETURN: InvalidReturnError;
    readonly INVALID_FLOW_PARAMS: InvalidFlowParamsError;
  }
}
