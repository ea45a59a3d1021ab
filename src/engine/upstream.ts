import { AllowedFailure, Opaque, Quoted, Unmapped } from '../core/annotations.js';
import { RunRecord } from './run-record.js';

/**
 * One future a run depends on: where it was found and whether its failure is allowed.
 *
 * @internal
 */
export interface Upstream {
  readonly run: RunRecord<unknown>;
  readonly allowed: AllowedFailure<unknown> | undefined;
  /** The argument position, or -1 for a `waitFor` entry. */
  readonly arg: number;
  /** The path inside the argument (`address.city`, `2.id`); undefined at the top level. */
  readonly key: string | undefined;
}

/**
 * The upstreams of a run, and which argument positions must be rewritten once they are done:
 * those holding a future or a `quote`/`opaque` wrapper. A position in `cyclic` reaches one of its
 * containers twice (a cycle or a shared object): it is copied whole, so the copy keeps the shape.
 *
 * @internal
 */
export type FoundUpstreams = Upstream[] & { positions: number[]; cyclic: Set<number> | undefined };

/** Arrays (an Array subclass such as `TaskFutureList` too), plain objects, and exact Maps and Sets. */
function isWalked(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === Map.prototype || proto === Set.prototype;
}

function asUpstream(value: unknown, arg: number, key: string | undefined): Upstream | undefined {
  if (value instanceof RunRecord) return { run: value as RunRecord<unknown>, allowed: undefined, arg, key };
  if (value instanceof AllowedFailure) {
    const allowed = value as AllowedFailure<unknown>;
    return { run: allowed.future as unknown as RunRecord<unknown>, allowed, arg, key };
  }
  return undefined;
}

/** What one scan of an argument collects. */
class Scan {
  found: Upstream[] | undefined;
  /** Saw a quote/opaque wrapper: the argument must be rewritten even without futures. */
  wrapped = false;
  /** Reached a container twice. */
  revisited = false;
  private seen: Set<object> | undefined;
  /** Keys from the argument down to the value being looked at; joined only for a future found. */
  private readonly keys: (string | number)[] = [];

  constructor(private readonly arg: number) {}

  visit(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const up = asUpstream(value, this.arg, this.keys.length === 0 ? undefined : this.keys.join('.'));
    if (up !== undefined) {
      (this.found ??= []).push(up);
      return;
    }
    if (value instanceof Quoted) {
      this.wrapped = true;
      return;
    }
    if (value instanceof Opaque) {
      this.wrapped = true;
      const inner = asUpstream((value as Opaque<unknown>).value, this.arg, this.keys.length === 0 ? undefined : this.keys.join('.'));
      if (inner !== undefined) (this.found ??= []).push(inner);
      return;
    }
    if (!isWalked(value)) return; // class instances, Dates, typed arrays...: passed as they are
    const seen = (this.seen ??= new Set());
    if (seen.has(value)) {
      // A cycle or a shared object: its futures were found on the first visit.
      this.revisited = true;
      return;
    }
    seen.add(value);
    const keys = this.keys;
    if (Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) {
        const item: unknown = value[k];
        if (typeof item !== 'object' || item === null) continue;
        keys.push(k);
        this.visit(item);
        keys.pop();
      }
    } else if (value instanceof Map) {
      for (const [k, item] of value as Map<unknown, unknown>) {
        if (typeof item !== 'object' || item === null) continue;
        keys.push(typeof k === 'string' || typeof k === 'number' ? `get(${JSON.stringify(k)})` : 'get(…)');
        this.visit(item);
        keys.pop();
      }
    } else if (value instanceof Set) {
      let k = 0;
      for (const item of value as Set<unknown>) {
        if (typeof item === 'object' && item !== null) {
          keys.push(`values()[${k}]`);
          this.visit(item);
          keys.pop();
        }
        k++;
      }
    } else {
      const object = value as Record<string, unknown>;
      for (const k of Object.keys(object)) {
        const item = object[k];
        if (typeof item !== 'object' || item === null) continue;
        keys.push(k);
        this.visit(item);
        keys.pop();
      }
    }
  }
}

/**
 * Finds the futures among a run's arguments, at any depth inside arrays, plain objects, Maps and
 * Sets; class instances are not walked, and `quote(...)`/`opaque(...)` stop the walk. Returns
 * undefined when there is nothing to do, which a primitive argument costs one `typeof`.
 * `argIndices` limits the scan to some positions (a map scans its broadcast arguments once, not
 * once per run).
 */
export function findUpstreams(
  args: readonly unknown[],
  argIndices: readonly number[] | undefined,
  waitFor: readonly unknown[] | undefined,
): FoundUpstreams | undefined {
  let found: FoundUpstreams | undefined;
  const count = argIndices === undefined ? args.length : argIndices.length;
  for (let n = 0; n < count; n++) {
    const i = argIndices === undefined ? n : (argIndices[n] as number);
    const value = args[i];
    if (typeof value !== 'object' || value === null) continue;
    const scan = new Scan(i);
    scan.visit(value);
    if (scan.found === undefined && !scan.wrapped) continue;
    found ??= Object.assign([] as Upstream[], { positions: [] as number[], cyclic: undefined as Set<number> | undefined });
    if (scan.found !== undefined) for (const up of scan.found) found.push(up);
    found.positions.push(i);
    if (scan.revisited) (found.cyclic ??= new Set()).add(i);
  }
  if (waitFor !== undefined) {
    for (const entry of waitFor) {
      const up = asUpstream(entry, -1, undefined);
      if (up !== undefined) (found ??= Object.assign([] as Upstream[], { positions: [] as number[], cyclic: undefined })).push(up);
    }
  }
  return found;
}

/** What {@link resolveSpecial} returns for a value that is neither a future nor a wrapper. */
const NOT_SPECIAL: unique symbol = Symbol('not special');

/** The value a future, an allowed failure or a wrapper stands for. */
function resolveSpecial(value: object): unknown {
  if (value instanceof RunRecord) return (value as RunRecord<unknown>).outcomeForDownstream();
  if (value instanceof AllowedFailure) return ((value as AllowedFailure<unknown>).future as unknown as RunRecord<unknown>).outcomeForDownstream();
  if (value instanceof Quoted) return (value as Quoted<unknown>).value;
  if (value instanceof Opaque) {
    const inner = (value as Opaque<unknown>).value;
    if (inner instanceof RunRecord || inner instanceof AllowedFailure) return resolveSpecial(inner);
    return inner;
  }
  return NOT_SPECIAL;
}

/**
 * Copies the containers on the paths to futures and wrappers, others are kept as they are. Only
 * for an argument reached without cycles or shared objects (each container is met once).
 */
function resolveChanged(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const special = resolveSpecial(value);
  if (special !== NOT_SPECIAL) return special;
  if (!isWalked(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let k = 0; k < value.length; k++) {
      const item: unknown = value[k];
      const resolved = resolveChanged(item);
      if (resolved !== item) (copy ??= Array.prototype.slice.call(value) as unknown[])[k] = resolved;
    }
    return copy ?? value;
  }
  if (value instanceof Map) {
    let copy: Map<unknown, unknown> | undefined;
    for (const [k, item] of value as Map<unknown, unknown>) {
      const resolved = resolveChanged(item);
      if (resolved !== item) (copy ??= new Map(value as Map<unknown, unknown>)).set(k, resolved);
    }
    return copy ?? value;
  }
  if (value instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const item of value as Set<unknown>) {
      const resolved = resolveChanged(item);
      if (resolved !== item) changed = true;
      items.push(resolved);
    }
    return changed ? new Set(items) : value;
  }
  const object = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(object)) {
    const item = object[k];
    const resolved = resolveChanged(item);
    if (resolved !== item) (copy ??= Object.assign(Object.create(Object.getPrototypeOf(object) as object | null) as Record<string, unknown>, object))[k] = resolved;
  }
  return copy ?? value;
}

/**
 * Copies every container of an argument that reaches a container twice. The copy of a container
 * is registered before its contents are, so a cycle in the argument is a cycle in the copy and a
 * shared object stays shared.
 */
function resolveAll(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const special = resolveSpecial(value);
  if (special !== NOT_SPECIAL) return special;
  if (!isWalked(value)) return value;
  if (copies.has(value)) return copies.get(value);
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    copies.set(value, copy);
    for (let k = 0; k < value.length; k++) copy[k] = resolveAll(value[k], copies);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    for (const [k, item] of value as Map<unknown, unknown>) copy.set(k, resolveAll(item, copies));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    for (const item of value as Set<unknown>) copy.add(resolveAll(item, copies));
    return copy;
  }
  const object = value as Record<string, unknown>;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(object) as object | null) as Record<string, unknown>, object);
  copies.set(value, copy);
  for (const k of Object.keys(object)) copy[k] = resolveAll(object[k], copies);
  return copy;
}

/**
 * Returns the arguments with every upstream future replaced by its value (or, for an allowed
 * failure, its error), and `quote`/`opaque` wrappers by what they stand for. Containers that held
 * futures are copied, never changed in place; a future's value is never walked.
 */
export function substituteUpstreams(args: readonly unknown[], found: FoundUpstreams): unknown[] {
  const out = args.slice();
  for (const i of found.positions) {
    out[i] = found.cyclic?.has(i) === true ? resolveAll(out[i], new Map()) : resolveChanged(out[i]);
  }
  return out;
}

/** Unwraps `unmapped(x)` to `x` in a direct call or a submit, where it has no meaning but is harmless. */
export function unwrapUnmapped(args: unknown[]): unknown[] {
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (value instanceof Unmapped) args[i] = (value as Unmapped<unknown>).value;
  }
  return args;
}
