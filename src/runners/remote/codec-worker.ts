/**
 * The worker's side of a task's codecs, for worker threads and `sluice worker` alike: arguments
 * that crossed encoded are decoded by the task's `params` codec, and a value that fits its
 * `returns` codec goes back encoded, so that what the crossing would change (a class instance, a
 * `Date`) survives. A Standard Schema has no encoder: with one, arguments and values cross as they
 * are and are validated (and transformed) where they arrive. Kept free of sluice's errors: a worker thread imports only what it needs.
 *
 * @module
 * @internal
 */
import type { Errors } from 'io-ts';
import { checkSchemaParams, describeProblems, type StandardSchemaV1 } from '../../core/codecs.js';
import type { CodecLike } from './lookup.js';

/**
 * The arguments for the body: decoded by `params` when they crossed encoded, or validated by a
 * `params` schema (they crossed as given: its output is what the body gets), or the problems.
 */
export function decodeArgs(
  params: CodecLike | undefined,
  args: unknown[],
  encoded: boolean,
  schema?: StandardSchemaV1,
): { readonly ok: true; readonly args: unknown[] } | { readonly ok: false; readonly problems: string[] } {
  if (schema !== undefined) {
    const checked = checkSchemaParams(schema, args);
    return checked.ok ? { ok: true, args: checked.value as unknown[] } : checked;
  }
  if (!encoded || params === undefined) return { ok: true, args };
  const decoded = params.decode(args);
  if (decoded._tag === 'Left') return { ok: false, problems: describeProblems(decoded.left as Errors, 'params') };
  return { ok: true, args: decoded.right as unknown[] };
}

/** The body's value encoded by `returns` when it fits it; undefined when it goes back as it is. */
export function encodeValue(returns: CodecLike | undefined, value: unknown): { readonly value: unknown } | undefined {
  return returns !== undefined && returns.is(value) ? { value: returns.encode(value) } : undefined;
}
