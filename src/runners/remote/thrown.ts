/**
 * What a body threw, as data that crosses to another thread or process and back: an error's
 * name, message, stack, own primitive properties (`code`, `errno`, ...) and cause, or a thrown
 * value that is not an Error. Shared by every runner that runs bodies elsewhere. Depends on io-ts
 * and Node built-ins only (the worker-thread entry imports it).
 *
 * A thrown value that is not an Error arrives as what was thrown on every runner: `undefined`,
 * a bigint or a cyclic object that JSON cannot hold crosses by structured clone (V8's own
 * serializer, data only), a symbol as a symbol with the same description (the same symbol when it
 * is registered with `Symbol.for`).
 *
 * @module
 * @internal
 */
import { deserialize, serialize } from 'node:v8';
import { findNotCloneable } from './clone-check.js';
import { t, type IoTs } from './io-ts.js';

/** Something a body threw, as it crosses. */
export type WireThrown =
  | {
      readonly kind: 'error';
      readonly name: string;
      readonly message: string;
      readonly stack?: string | undefined;
      readonly props?: Readonly<Record<string, string | number | boolean | null>> | undefined;
      readonly cause?: WireThrown | undefined;
    }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'symbol'; readonly description: string | null; readonly registered: boolean }
  | { readonly kind: 'clone'; readonly base64: string };

const Primitive = t.union([t.string, t.number, t.boolean, t.null]);

/** The io-ts codec of {@link WireThrown}. */
export const WireThrownC: IoTs.Type<WireThrown> = t.recursion('WireThrown', () =>
  t.union([
    t.intersection([
      t.type({ kind: t.literal('error'), name: t.string, message: t.string }),
      t.partial({ stack: t.union([t.string, t.undefined]), props: t.union([t.record(t.string, Primitive), t.undefined]), cause: t.union([WireThrownC, t.undefined]) }),
    ]),
    t.type({ kind: t.literal('value'), value: t.unknown }),
    t.type({ kind: t.literal('symbol'), description: t.union([t.string, t.null]), registered: t.boolean }),
    t.type({ kind: t.literal('clone'), base64: t.string }),
  ]),
);

const MAX_CAUSE_DEPTH = 4;

/**
 * What was thrown, as data. `canCross` tells whether a thrown value that is not an Error can
 * cross as it is (structured clone or JSON); one that cannot crosses as its string.
 */
export function serializeThrown(thrown: unknown, canCross: (value: unknown) => boolean, depth = 0): WireThrown {
  if (thrown instanceof Error) {
    const props: Record<string, string | number | boolean | null> = {};
    let any = false;
    for (const key of Object.keys(thrown)) {
      if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
      const value: unknown = (thrown as unknown as Record<string, unknown>)[key];
      if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        props[key] = value;
        any = true;
      }
    }
    const cause: unknown = thrown.cause;
    return {
      kind: 'error',
      name: typeof thrown.name === 'string' ? thrown.name : 'Error',
      message: typeof thrown.message === 'string' ? thrown.message : String(thrown.message),
      stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
      props: any ? props : undefined,
      cause: cause === undefined || depth >= MAX_CAUSE_DEPTH ? undefined : serializeThrown(cause, canCross, depth + 1),
    };
  }
  if (typeof thrown === 'symbol') {
    const key = Symbol.keyFor(thrown);
    return key === undefined ? { kind: 'symbol', description: thrown.description ?? null, registered: false } : { kind: 'symbol', description: key, registered: true };
  }
  if (canCross(thrown)) return { kind: 'value', value: thrown };
  if (findNotCloneable(thrown) === undefined) {
    try {
      return { kind: 'clone', base64: serialize(thrown).toString('base64') };
    } catch {
      // Too deep for the serializer: its string below.
    }
  }
  let text: string;
  try {
    text = String(thrown);
  } catch {
    text = typeof thrown;
  }
  return { kind: 'value', value: text };
}

const BUILT_IN_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds what a body threw elsewhere: an Error with the same name, message, stack and own properties. */
export function rebuildThrown(thrown: WireThrown): unknown {
  if (thrown.kind === 'value') return thrown.value;
  if (thrown.kind === 'symbol') return thrown.registered && thrown.description !== null ? Symbol.for(thrown.description) : Symbol(thrown.description ?? undefined);
  if (thrown.kind === 'clone') {
    try {
      return deserialize(Buffer.from(thrown.base64, 'base64'));
    } catch {
      return 'a thrown value that could not be read back';
    }
  }
  const Ctor = Object.hasOwn(BUILT_IN_ERRORS, thrown.name) ? (BUILT_IN_ERRORS[thrown.name] as ErrorConstructor) : Error;
  const error = thrown.cause === undefined ? new Ctor(thrown.message) : new Ctor(thrown.message, { cause: rebuildThrown(thrown.cause) });
  if (error.name !== thrown.name) Object.defineProperty(error, 'name', { value: thrown.name, writable: true, configurable: true });
  if (thrown.stack !== undefined) error.stack = thrown.stack;
  if (thrown.props !== undefined) Object.assign(error, thrown.props);
  return error;
}
