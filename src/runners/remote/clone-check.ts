/**
 * Can a value cross to another thread by structured clone? A walk over the value that finds what
 * `postMessage` would refuse (functions, symbols, Promises, weak collections) and says where,
 * before anything is sent. Imported by the worker entry: no dependencies.
 *
 * The walk follows what structured clone copies: array items, the own enumerable properties of
 * objects (of any class: the clone keeps the data, not the prototype), Map and Set entries. Byte
 * buffers, typed arrays, dates, regular expressions, errors and boxed primitives cross whole.
 * Host objects (a `MessagePort`, a native handle) are not recognised here; `postMessage` refuses
 * them when the job is sent, and the runner reports that the same way.
 *
 * @module
 * @internal
 */

/** Where a value cannot be cloned, and what is there. */
export interface NotCloneable {
  /** A path from the root, such as `.handler` or `[2].socket._events.end`; empty for the root. */
  readonly path: string;
  /** What is there: `a function`, `a symbol`, `a Promise`, ... */
  readonly what: string;
  /** The class of the nearest enclosing class instance, if any (`Socket`). */
  readonly inside: string | undefined;
}

const WHOLE: readonly (abstract new (...args: never[]) => unknown)[] = [Date, RegExp, Error, Boolean, Number, String, ArrayBuffer];
const REFUSED: readonly [abstract new (...args: never[]) => unknown, string][] = [
  [Promise, 'a Promise'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [WeakRef, 'a WeakRef'],
];

/**
 * How deep a value may nest. Structured clone and JSON copy by recursion, and a few thousand
 * levels overflow the stack (in a worker thread sooner): deeper data is refused here, by name,
 * rather than crashing whoever copies it.
 */
export const MAX_NESTING = 1000;

/** What is found at {@link MAX_NESTING}: the start of its path and what is wrong. */
export function tooDeep(path: string): NotCloneable {
  const shown = path.length > 60 ? `${path.slice(0, 60)}…` : path;
  return { path: shown, what: `nested more than ${MAX_NESTING.toLocaleString('en-US')} levels deep (copying it would overflow the stack: flatten it)`, inside: undefined };
}

function className(value: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype || proto === Array.prototype) return undefined;
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'an anonymous class';
}

function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * The first place in `value` that structured clone would refuse, or `undefined` when it all
 * crosses. `special` may name values the caller knows cannot cross (a future, say).
 */
export function findNotCloneable(value: unknown, special?: (value: object) => string | undefined): NotCloneable | undefined {
  const seen = new Set<object>();
  const stack: { value: unknown; path: string; inside: string | undefined; depth: number }[] = [{ value, path: '', inside: undefined, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path, inside, depth } = item;
    const type = typeof v;
    if (type === 'function') return { path, what: 'a function', inside };
    if (type === 'symbol') return { path, what: 'a symbol', inside };
    if (type !== 'object' || v === null) continue;
    const obj = v as object;
    if (seen.has(obj)) continue;
    if (depth >= MAX_NESTING) return tooDeep(path);
    seen.add(obj);
    const named = special?.(obj);
    if (named !== undefined) return { path, what: named, inside };
    if (ArrayBuffer.isView(obj) || WHOLE.some((ctor) => obj instanceof ctor)) continue;
    if (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer) continue;
    const refused = REFUSED.find(([ctor]) => obj instanceof ctor);
    if (refused !== undefined) return { path, what: refused[1], inside };
    const here = className(obj) ?? inside;
    // Pushed in reverse so that the first offending item is found first.
    if (obj instanceof Map) {
      const entries = [...(obj as Map<unknown, unknown>)];
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, val] = entries[i] as [unknown, unknown];
        const label = typeof k === 'string' || typeof k === 'number' ? JSON.stringify(k) : `#${i}`;
        stack.push({ value: val, path: `${path}.get(${label})`, inside: here, depth: depth + 1 });
        stack.push({ value: k, path: `${path}.keys()[${i}]`, inside: here, depth: depth + 1 });
      }
      continue;
    }
    if (obj instanceof Set) {
      const values = [...(obj as Set<unknown>)];
      for (let i = values.length - 1; i >= 0; i--) stack.push({ value: values[i], path: `${path}.values()[${i}]`, inside: here, depth: depth + 1 });
      continue;
    }
    if (Array.isArray(obj)) {
      const list = obj as unknown[];
      for (let i = list.length - 1; i >= 0; i--) stack.push({ value: list[i], path: `${path}[${i}]`, inside: here, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({ value: (obj as Record<string, unknown>)[key], path: `${path}${keyPath(key)}`, inside: here, depth: depth + 1 });
    }
  }
  return undefined;
}

/** `what` at `path` (inside a `Class`), for a message. */
export function describeNotCloneable(root: string, found: NotCloneable): string {
  const inside = found.inside === undefined ? '' : ` (inside a ${found.inside})`;
  return `${root}${found.path} is ${found.what}${inside}`;
}
