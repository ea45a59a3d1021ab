/**
 * The messages between the main thread and a worker thread, as io-ts codecs: each side decodes
 * what it receives, so a malformed message fails one run with a clear error and never crashes
 * the pool. Imported by the worker entry: it depends on io-ts only.
 *
 * @module
 * @internal
 */
import { t, type IoTs } from '../remote/io-ts.js';
import { RunInfoC } from '../remote/run-info.js';
import { WireThrownC, type WireThrown } from '../remote/thrown.js';
import { NotFoundReasonC } from '../remote/lookup.js';

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
