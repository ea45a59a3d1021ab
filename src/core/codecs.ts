/**
 * io-ts codecs on tasks: `params` checks a run's arguments before its body runs, `returns` checks
 * what the body returned. In this process a value that already is what the codec describes
 * passes (`codec.is`); otherwise the codec's own decoding explains what is wrong.
 *
 * @module
 * @internal
 */
import type { Context, Errors, Mixed } from 'io-ts';

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value) ?? typeof value;
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return 'an unprintable value';
  }
}

/** Where in the value a problem is: `argument 1.name` for arguments, `items.0` for a return value. */
function where(context: Context, kind: 'params' | 'return'): string {
  const keys = context.slice(1).map((entry) => entry.key);
  if (kind === 'return') return keys.join('.');
  const [first, ...rest] = keys;
  return first === undefined ? '' : [`argument ${first}`, ...rest].join('.');
}

/** One readable line per problem, like io-ts's PathReporter but naming arguments. */
export function describeProblems(errors: Errors, kind: 'params' | 'return'): string[] {
  return errors.map((error) => {
    const path = where(error.context, kind);
    const prefix = path === '' ? '' : `${path}: `;
    if (error.message !== undefined) return `${prefix}${error.message}`;
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    return `${prefix}expected ${expected}, got ${show(error.value)}`;
  });
}

/** Problems with a run's arguments, or an empty list when they fit. */
export function checkParams(codec: Mixed, args: readonly unknown[]): string[] {
  const arity = (codec as { readonly types?: readonly unknown[] }).types?.length;
  const problems: string[] = [];
  if (arity !== undefined && args.length > arity) {
    problems.push(`expected at most ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`);
  }
  if (!codec.is(args)) {
    const decoded = codec.decode(args);
    if (decoded._tag === 'Left') problems.push(...describeProblems(decoded.left, 'params'));
  }
  return problems;
}

/** Problems with a body's return value, or an empty list when it fits. */
export function checkReturn(codec: Mixed, value: unknown): string[] {
  if (codec.is(value)) return [];
  const decoded = codec.decode(value);
  return decoded._tag === 'Left' ? describeProblems(decoded.left, 'return') : [];
}

/**
 * The Standard Schema interface (https://standardschema.dev), as zod, valibot and ArkType
 * implement it: a task's `params` and `returns` accept one where they accept an io-ts codec. The
 * spec lets libraries copy its types rather than depend on a package; sluice needs only these.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * import type { StandardSchemaV1 } from 'sluice';
 * const Params: StandardSchemaV1<unknown, [string]> = v.tuple([v.string()]);
 * console.log(Params['~standard'].vendor); // valibot
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    /** Checks (and may transform) a value: its output, or the issues found. sluice takes synchronous results only. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** What a Standard Schema's `validate` gives: the (maybe transformed) value, or the issues. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

/** Whether `value` is a Standard Schema (has `~standard` with a `validate` function). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { readonly '~standard'?: { readonly validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

/**
 * A `params` or `returns` option read as what it is: a Standard Schema, an io-ts codec (it has
 * `is` and `decode`), or neither (undefined). A Standard Schema first: a library could give its
 * schemas an `is` and a `decode` too.
 */
export function readChecker(value: unknown): { readonly schema: StandardSchemaV1 } | { readonly codec: Mixed } | undefined {
  if (isStandardSchema(value)) return { schema: value };
  const candidate: { readonly is?: unknown; readonly decode?: unknown } | null = typeof value === 'object' ? value : null;
  if (candidate === null || typeof candidate.is !== 'function' || typeof candidate.decode !== 'function') return undefined;
  return { codec: value as Mixed };
}

/** Said of an option that is neither: what `params` and `returns` take. */
export const NOT_A_CHECKER = 'must be an io-ts codec (with `is` and `decode`) or a Standard Schema (zod, valibot, ArkType: with `~standard`)';

/** What a schema check found: the schema's output, or one line per problem. */
export type SchemaCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: string[] };

/** Said when a schema's `validate` returns a Promise: sluice checks before a run takes a slot, synchronously. */
export const ASYNC_SCHEMA =
  "its schema's validate returned a Promise: sluice validates synchronously, before the run takes a slot; use a schema without async refinements or transforms (zod 3 also answers with a Promise when a refinement or transform throws)";

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { readonly then?: unknown }).then === 'function';
}

/** Validates `value` with a Standard Schema; `kind` words the paths as for io-ts codecs. */
export function checkSchema(schema: StandardSchemaV1, value: unknown, kind: 'params' | 'return'): SchemaCheck {
  let result: StandardResult<unknown> | PromiseLike<StandardResult<unknown>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (error) {
    // A transform that throws, say: a problem of this value, not an escape from the engine.
    return { ok: false, problems: [`its schema threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`] };
  }
  if (isPromiseLike(result)) {
    // Not awaited: its rejection, if any, must not become an unhandled one.
    result.then(undefined, () => undefined);
    return { ok: false, problems: [ASYNC_SCHEMA] };
  }
  if (result.issues === undefined) return { ok: true, value: result.value };
  const problems = result.issues.map((issue) => {
    // Array.from, not path.map: ArkType's path is an Array subclass whose species makes map() of
    // an empty path give [0].
    const keys = Array.from(issue.path ?? [], (segment) => String(typeof segment === 'object' ? segment.key : segment));
    const path = kind === 'return' ? keys.join('.') : keys.length === 0 ? '' : [`argument ${keys[0]}`, ...keys.slice(1)].join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  return { ok: false, problems };
}

/** A run's arguments checked by a `params` schema: the schema's output (the body's arguments), or the problems. */
export function checkSchemaParams(schema: StandardSchemaV1, args: readonly unknown[]): SchemaCheck {
  const checked = checkSchema(schema, args, 'params');
  if (checked.ok && !Array.isArray(checked.value)) {
    return { ok: false, problems: ['its `params` schema must describe the argument list (a tuple: z.tuple([...]), v.tuple([...]))'] };
  }
  return checked;
}
