/**
 * The checks of the runners' and `mapStream`'s options: each returns the value, or throws an
 * {@link InvalidArgumentError} whose message names the owner and the option, says what it must be
 * and what it got (`BullMQTaskRunner: \`bulkSize\` must be an integer from 1 and up, got 0 (number)`).
 * One set, so every owner says the same thing the same way.
 *
 * `owner` is who the options belong to, as the message names it: `BullMQTaskRunner`,
 * `sluice worker`, `task "resize": mapStream`.
 *
 * @internal
 * @module
 */
import { describeValue } from './errors/base.js';
import { InvalidArgumentError } from './errors/input.js';

/** The error of an option that is not what it must be. */
function invalidOption(value: unknown, name: string, owner: string, mustBe: string): InvalidArgumentError {
  return new InvalidArgumentError(`${owner}: \`${name}\` must be ${mustBe}, got ${describeValue(value)}`);
}

/** @internal The options themselves must be an object (`needs` names what it must hold, for the message). */
export function checkOptionsObject(options: unknown, owner: string, needs?: string): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`${owner}: options must be an object${needs === undefined ? '' : ` with at least ${needs}`}, got ${describeValue(options)}`);
  }
}

/** @internal An integer from `min` up (and `Infinity` too, with `orInfinity`). */
export function checkInteger(value: unknown, name: string, owner: string, limits: { readonly min: number; readonly orInfinity?: boolean }): number {
  if (typeof value === 'number' && ((Number.isInteger(value) && value >= limits.min) || (limits.orInfinity === true && value === Number.POSITIVE_INFINITY))) {
    return value;
  }
  throw invalidOption(value, name, owner, `an integer from ${limits.min} and up${limits.orInfinity === true ? ' or Infinity' : ''}`);
}

/** @internal A finite number from `min` up (a duration, an interval). */
export function checkNumber(value: unknown, name: string, owner: string, min: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  throw invalidOption(value, name, owner, `a finite number from ${min} and up`);
}

/** @internal `true` or `false`. */
export function checkBoolean(value: unknown, name: string, owner: string): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidOption(value, name, owner, 'a boolean');
}

/** @internal A string that is not empty. */
export function checkNonEmptyString(value: unknown, name: string, owner: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw invalidOption(value, name, owner, 'a non-empty string');
}

/** @internal A list of strings (copied, so later changes to the caller's list do not reach it). */
export function checkStringList(value: unknown, name: string, owner: string): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw invalidOption(value, name, owner, 'a list of strings');
}

/** @internal One of a few strings. */
export function checkOneOf<const T extends string>(value: unknown, name: string, owner: string, allowed: readonly T[]): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  const listed = allowed.map((item) => `'${item}'`);
  const head = listed.slice(0, -1).join(', ');
  throw invalidOption(value, name, owner, head === '' ? listed.join('') : `${head} or ${listed.slice(-1).join('')}`);
}

/** @internal A concurrency limit, `maxConcurrency`: an integer from 1 up, or `Infinity`. */
export function checkConcurrency(value: unknown, owner: string): number {
  return checkInteger(value, 'maxConcurrency', owner, { min: 1, orInfinity: true });
}
