/**
 * The flow's side of a task's codecs, for both runners that send runs out of process: arguments
 * are encoded by the task's `params` codec before they cross, and a value that came back encoded
 * is decoded by its `returns` codec.
 *
 * @module
 * @internal
 */
import { describeProblems } from '../../core/codecs.js';
import { InvalidParamsError, InvalidReturnError } from '../../core/errors/codec.js';
import type { TaskRef } from '../runner.js';

/**
 * The arguments as they cross, in a new array: encoded by the task's `params` codec when it has
 * one. A codec that throws, or that does not encode to an array, is an `InvalidParamsError`.
 */
export function encodeArgs(task: TaskRef, args: readonly unknown[]): unknown[] {
  if (task.params === undefined) return [...args];
  let wire: unknown;
  try {
    wire = task.params.encode(args);
  } catch (error) {
    throw new InvalidParamsError(task.name, [`its \`params\` codec could not encode the arguments: ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (!Array.isArray(wire)) throw new InvalidParamsError(task.name, ['its `params` codec must encode the arguments as an array (use t.tuple([...]))']);
  return [...(wire as readonly unknown[])];
}

/** A value that came back encoded, decoded by `returns`; one that does not fit is an `InvalidReturnError`. */
export function decodeValue(task: TaskRef, returns: NonNullable<TaskRef['returns']>, value: unknown): unknown {
  const decoded = returns.decode(value);
  if (decoded._tag === 'Left') throw new InvalidReturnError(task.name, describeProblems(decoded.left, 'return'));
  return decoded.right;
}
