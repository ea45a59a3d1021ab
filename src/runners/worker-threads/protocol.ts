/**
 * The messages between the main thread and a worker thread, as io-ts codecs: each side decodes
 * what it receives, so a malformed message fails one run with a clear error and never crashes
 * the pool. Imported by the worker entry: it depends on io-ts only.
 *
 * @module
 * @internal
 */
import { t, type IoTs } from '../wire/io-ts.js';
import { RunInfoC } from '../wire/run-info.js';
import { WireThrownC, type WireThrown } from '../wire/thrown.js';

/** The version of the messages; a worker that gets another version says so. */
export const PROTOCOL_VERSION = 1;

export type { WireThrown };

/** Main → worker: run the task `name` of `module` with these arguments. */
export const RequestC = t.intersection([
  t.type({
    v: t.literal(PROTOCOL_VERSION),
    module: t.string,
    name: t.string,
    /** The arguments, encoded by the task's `params` codec when `encoded`. */
    args: t.array(t.unknown),
    encoded: t.boolean,
  }),
  /** The run, for the body's `getRunContext()`. */
  t.partial({ run: RunInfoC }),
]);
export type Request = IoTs.TypeOf<typeof RequestC>;

/** Why a worker could not find a task. */
export const NotFoundReasonC = t.keyof({ 'no-module': null, 'not-importable': null, 'not-exported': null, ambiguous: null, 'not-the-same': null });
export type NotFoundReason = IoTs.TypeOf<typeof NotFoundReasonC>;

/** What went wrong in the worker. */
export const FailureC = t.union([
  /** The body threw (or its Promise rejected). */
  t.type({ kind: t.literal('threw'), thrown: WireThrownC }),
  /** The task could not be found in its module. */
  t.type({ kind: t.literal('not-found'), reason: NotFoundReasonC, message: t.string }),
  /** The arguments did not decode with the task's `params` codec. */
  t.type({ kind: t.literal('invalid-params'), problems: t.array(t.string) }),
  /** The value the body returned cannot cross back (a function, a symbol, ...). */
  t.type({ kind: t.literal('not-cloneable'), path: t.string, what: t.string }),
  /** The worker got a message it could not read. */
  t.type({ kind: t.literal('protocol'), message: t.string }),
]);
export type Failure = IoTs.TypeOf<typeof FailureC>;

/** Worker → main: the body's value, or what went wrong. */
export const ResponseC = t.union([
  t.type({ v: t.literal(PROTOCOL_VERSION), ok: t.literal(true), value: t.unknown, encoded: t.boolean }),
  t.type({ v: t.literal(PROTOCOL_VERSION), ok: t.literal(false), failure: FailureC }),
]);
export type Response = IoTs.TypeOf<typeof ResponseC>;

/** One line per problem of a message that did not decode. */
export function describeWireErrors(errors: IoTs.Errors): string {
  const lines = errors.slice(0, 5).map((error) => {
    const path = error.context
      .slice(1)
      .map((entry) => entry.key)
      .filter((key) => key !== '' && !/^\d+$/.test(key))
      .join('.');
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    let got: string;
    try {
      got = error.value === undefined ? 'undefined' : (JSON.stringify(error.value) ?? typeof error.value);
    } catch {
      got = typeof error.value;
    }
    if (got.length > 60) got = `${got.slice(0, 57)}...`;
    return `${path === '' ? '(message)' : path}: expected ${expected}, got ${got}`;
  });
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : '';
  return `${[...new Set(lines)].join('; ')}${more}`;
}
