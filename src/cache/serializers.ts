/**
 * The serializers sluice ships: JSON (the default) and Node's structured `v8` format.
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';
import type { ResultSerializer } from './serializer.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON: readable, portable; a value must survive `JSON.stringify` (a task's `returns` codec encodes it first). */
const json: ResultSerializer = {
  name: 'json',
  serialize(value: unknown): Uint8Array {
    // Wrapped, so that `undefined` (no JSON of its own) and a top-level string round-trip alike.
    return encoder.encode(JSON.stringify([value]));
  },
  deserialize(bytes: Uint8Array): unknown {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    if (!Array.isArray(parsed) || parsed.length > 1) throw new Error('not a sluice JSON record');
    return parsed[0];
  },
};

/** Node's structured clone format: Dates, Maps, Sets, typed arrays, bigints and cycles survive; Node only. */
const v8: ResultSerializer = {
  name: 'v8',
  serialize: (value: unknown): Uint8Array => serialize(value),
  deserialize: (bytes: Uint8Array): unknown => deserialize(bytes),
};

/**
 * The serializers sluice ships, for a task's or a flow's `resultSerializer`:
 * - `json` (the default): through the task's `returns` codec when it has one, so a `Date` survives
 *   as the codec encodes it; without one, what `JSON.stringify` keeps;
 * - `v8`: Node's structured serializer (`node:v8`): Dates, Maps, Sets, typed arrays, bigints and
 *   cycles survive as they are; class instances come back as plain objects.
 *
 * @example
 * ```ts
 * import { cachePolicies, resultSerializers, task } from 'sluice';
 * const load = task(
 *   { name: 'load', cachePolicy: cachePolicies.inputs, resultSerializer: resultSerializers.v8 },
 *   (n: number) => new Map([[n, new Date(0)]]),
 * );
 * console.log(await load(1)); // Map(1) { 1 => 1970-01-01T00:00:00.000Z }
 * ```
 */
export const resultSerializers = { json, v8 } as const;
