/**
 * How `map` reads its arguments: which are mapped over, which are passed whole to every run.
 *
 * @module
 * @internal
 */
import { AllowedFailure, Opaque, Quoted, Unmapped } from '../core/annotations.js';
import { MappingLengthMismatchError, MappingMissingIterableError } from '../core/errors/input.js';
import { Run } from './run.js';
import { findUpstreams } from './upstream.js';

/** The arguments of one `map` call, sorted out once for all its runs. @internal */
export interface MapPlan {
  readonly length: number;
  /** For each argument: the items to map over, or undefined when it is passed whole. */
  readonly columns: readonly (readonly unknown[] | undefined)[];
  /** For each argument passed whole: its value. */
  readonly statics: readonly unknown[];
  /** The argument positions each run must scan for futures. */
  readonly scan: readonly number[];
}

/** Why an argument is passed whole, or undefined when it is mapped over. */
function staticReason(value: unknown): string | undefined {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return 'a string';
  if (typeof value !== 'object' && typeof value !== 'function') return `a ${typeof value}`;
  if (value instanceof Unmapped) return 'unmapped(...)';
  if (value instanceof Run) return 'a TaskFuture';
  if (value instanceof AllowedFailure) return 'allowFailure(...)';
  if (ArrayBuffer.isView(value)) return 'a byte array';
  if (!(Symbol.iterator in value)) {
    // map needs every length before anything runs; streaming sources are not read here.
    if (Symbol.asyncIterator in value) return 'an AsyncIterable (map reads only synchronous iterables: use mapStream, or collect it into an array first)';
    if (typeof (value as { subscribe?: unknown }).subscribe === 'function') {
      return 'an Observable (map reads only synchronous iterables: use mapStream, or collect it into an array first)';
    }
    return typeof value === 'function' ? 'a function' : 'a non-iterable object';
  }
  return undefined;
}

export function planMap(taskName: string, args: readonly unknown[]): MapPlan {
  const columns: (readonly unknown[] | undefined)[] = [];
  const statics: unknown[] = [];
  const lengths: Record<number, number> = {};
  const described: string[] = [];
  const mapped: number[] = [];
  for (let i = 0; i < args.length; i++) {
    let value = args[i];
    // As Prefect does: an iterable inside quote(...) or opaque(...) is mapped over, each item
    // wrapped again; unmapped(...) inside one broadcasts the wrapped value.
    let wrap: ((item: unknown) => unknown) | undefined;
    if (value instanceof Quoted || value instanceof Opaque) {
      const inner: unknown = (value as Quoted<unknown> | Opaque<unknown>).value;
      const Wrapper = value instanceof Quoted ? Quoted : Opaque;
      if (inner instanceof Unmapped) value = new Unmapped(new Wrapper((inner as Unmapped<unknown>).value));
      else if (staticReason(inner) === undefined) {
        value = inner;
        wrap = (item) => new Wrapper(item);
      }
    }
    const reason = staticReason(value);
    if (reason !== undefined) {
      columns.push(undefined);
      statics.push(value instanceof Unmapped ? (value as Unmapped<unknown>).value : value);
      described.push(`argument ${i}: ${reason}`);
      continue;
    }
    // A Map maps over its entries, like any other iterable.
    const items = wrap !== undefined ? Array.from(value as Iterable<unknown>, wrap) : Array.isArray(value) ? (value as unknown[]) : Array.from(value as Iterable<unknown>);
    columns.push(items);
    statics.push(undefined);
    lengths[i] = items.length;
    mapped.push(i);
  }
  if (mapped.length === 0) throw new MappingMissingIterableError(taskName, described);
  const distinct = new Set(Object.values(lengths));
  if (distinct.size > 1) throw new MappingLengthMismatchError(taskName, lengths);
  const scan = [...mapped];
  for (let i = 0; i < args.length; i++) {
    if (columns[i] === undefined && findUpstreams([statics[i]], undefined, undefined) !== undefined) scan.push(i);
  }
  return { length: lengths[mapped[0] as number] as number, columns, statics, scan };
}

/**
 * Whether any mapped argument of run number `index` is an object (so may be a future, or hold
 * one): only such runs need their arguments before their body starts.
 */
export function hasObjectAt(plan: MapPlan, index: number): boolean {
  const { columns } = plan;
  for (let j = 0; j < columns.length; j++) {
    const column = columns[j];
    if (column === undefined) continue;
    const value = column[index];
    if (typeof value === 'object' && value !== null) return true;
  }
  return false;
}

/** The arguments of run number `index`. */
export function argsAt(plan: MapPlan, index: number): unknown[] {
  const { columns, statics } = plan;
  const out = new Array<unknown>(columns.length);
  for (let j = 0; j < columns.length; j++) {
    const column = columns[j];
    out[j] = column === undefined ? statics[j] : column[index];
  }
  return out;
}
