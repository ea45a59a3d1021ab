/**
 * How a result becomes the bytes of a cache record, and back.
 *
 * @module
 */

/**
 * Turns a task's result into bytes and back. Its `name` is written into every record, so a record
 * written by another serializer is read as a miss, never as a wrong value.
 *
 * @example
 * ```ts
 * import type { ResultSerializer } from 'sluice';
 * const text: ResultSerializer = {
 *   name: 'text',
 *   serialize: (value) => new TextEncoder().encode(String(value)),
 *   deserialize: (bytes) => new TextDecoder().decode(bytes),
 * };
 * console.log(text.deserialize(text.serialize('hi'))); // hi
 * ```
 */
export interface ResultSerializer {
  /** Names the format in each record. */
  readonly name: string;
  /** The bytes of `value`; throws for a value it cannot represent. */
  serialize(value: unknown): Uint8Array;
  /** The value of `bytes`; throws for bytes it cannot read. */
  deserialize(bytes: Uint8Array): unknown;
}
