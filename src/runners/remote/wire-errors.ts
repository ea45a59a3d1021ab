/**
 * Says what was wrong with a message (a job's data, a thread's reply) that did not decode: shared
 * by both runners that send runs out of process.
 *
 * @module
 * @internal
 */
import type { IoTs } from './io-ts.js';

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
