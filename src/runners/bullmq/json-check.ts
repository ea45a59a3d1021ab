/**
 * Can a value cross through Redis as JSON and come back the same? A walk that finds what
 * `JSON.stringify` would drop or change (a function, `undefined` in a list, `NaN`, a `Date`, a
 * `Map`, a class instance, a cycle) and says where, before a job is added.
 *
 * @module
 * @internal
 */
import { MAX_NESTING, tooDeep, type NotCloneable } from '../remote/clone-check.js';

/** Where a value cannot cross as JSON, and what is there. */
export type NotJson = NotCloneable;

function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describeObject(obj: object): string | undefined {
  if (obj instanceof Date) return 'a Date (JSON turns it into a string: declare io-ts codecs such as DateFromISOString from io-ts-types, or pass date.toISOString())';
  if (obj instanceof Map) return 'a Map (JSON turns it into {}: pass [...map] or Object.fromEntries(map), or declare io-ts codecs)';
  if (obj instanceof Set) return 'a Set (JSON turns it into {}: pass [...set], or declare io-ts codecs)';
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return 'binary data (a Buffer or typed array; encode it, for example as base64, or declare io-ts codecs)';
  if (obj instanceof Promise) return 'a Promise';
  if (obj instanceof Error) return 'an Error inside another value (JSON keeps none of it; only an argument that is itself an Error crosses, as allowFailure gives one)';
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === null || proto === Object.prototype || Array.isArray(obj)) return undefined;
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'an anonymous class';
  return `an instance of ${name} (JSON keeps only its own fields, not its class: pass plain data, or declare io-ts codecs)`;
}

/**
 * The first place in `value` that does not survive a trip through JSON, or `undefined` when it
 * all does. `special` may name values the caller knows cannot cross (a future, say). `undefined`
 * as an object's property is allowed (JSON drops it, which reads back the same).
 */
export function findNotJson(value: unknown, special?: (value: object) => string | undefined): NotJson | undefined {
  // Most arguments and values are plain scalars: no walk, no allocation.
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return undefined;
  const onPath = new Set<object>();
  // Post-order marks (`exit`) keep `onPath` to the current path, so a shared (not circular)
  // object is fine.
  const stack: { value: unknown; path: string; depth: number; exit?: object }[] = [{ value, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.exit !== undefined) {
      onPath.delete(item.exit);
      continue;
    }
    const { value: v, path, depth } = item;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (Number.isFinite(v)) continue;
        return { path, what: `${String(v)} (JSON turns it into null)`, inside: undefined };
      case 'undefined':
        return { path, what: 'undefined inside a list (JSON turns it into null)', inside: undefined };
      case 'function':
        return { path, what: 'a function', inside: undefined };
      case 'symbol':
        return { path, what: 'a symbol', inside: undefined };
      case 'bigint':
        return { path, what: 'a bigint (JSON cannot hold one: pass it as a string, or declare io-ts codecs)', inside: undefined };
    }
    if (v === null) continue;
    const obj = v as object;
    if (onPath.has(obj)) return { path, what: 'a circular reference', inside: undefined };
    const named = special?.(obj) ?? describeObject(obj);
    if (named !== undefined) return { path, what: named, inside: undefined };
    if (depth >= MAX_NESTING) return tooDeep(path);
    onPath.add(obj);
    stack.push({ value: undefined, path, depth, exit: obj });
    // Pushed in reverse so that the first offending item is found first.
    if (Array.isArray(obj)) {
      const list = obj as unknown[];
      for (let i = list.length - 1; i >= 0; i--) stack.push({ value: list[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const field = (obj as Record<string, unknown>)[key];
      if (field !== undefined) stack.push({ value: field, path: `${path}${keyPath(key)}`, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A value as JSON makes it (`toJSON` applied: a Date becomes its ISO string), for a task with a
 * Standard Schema, which has no encoder: the schema makes it whole again where it arrives. A
 * value JSON cannot hold stays as it is, for {@link findNotJson} to name.
 */
export function asJson(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object' || value instanceof Error) return value;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return value;
  }
}
