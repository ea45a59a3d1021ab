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
