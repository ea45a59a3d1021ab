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

/**
 * How many levels of containers the walk goes down. It recurses, and data nested deeper than this
 * would overflow the stack; deeper levels are passed as they are (structured clone and JSON, which
 * the other runners use, refuse such data anyway).
 */
const MAX_DEPTH = 1000;

const ARRAY = 1;
const OBJECT = 2;
const MAP = 3;
const SET = 4;

/**
 * Which container is walked: arrays (an Array subclass such as `TaskFutureList` too), plain
 * objects, and exact Maps and Sets; 0 for anything else (class instances are passed as they are).
 */
function containerKind(value: object): number {
  if (Array.isArray(value)) return ARRAY;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return OBJECT;
  if (proto === Map.prototype) return MAP;
  return proto === Set.prototype ? SET : 0;
}

function asUpstream(value: unknown, arg: number, key: string | undefined): Upstream | undefined {
  if (value instanceof RunRecord) return { run: value as RunRecord<unknown>, allowed: undefined, arg, key };
  if (value instanceof AllowedFailure) {
    const allowed = value as AllowedFailure<unknown>;
    return { run: allowed.future as unknown as RunRecord<unknown>, allowed, arg, key };
  }
  return undefined;
}

/** Marks, in a path, that the next step is a Map key or a Set position. */
const MAP_KEY: unique symbol = Symbol('map key');
const SET_ITEM: unique symbol = Symbol('set item');

/** `address.city`, `rows.2.get("a")`, `tags.values()[0]`: where a future was found. */
function formatPath(steps: readonly unknown[]): string | undefined {
  if (steps.length === 0) return undefined;
  let out = '';
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step === MAP_KEY) {
      const k = steps[++i];
      out += `${out === '' ? '' : '.'}get(${typeof k === 'string' || typeof k === 'number' ? JSON.stringify(k) : '…'})`;
    } else if (step === SET_ITEM) {
      out += `${out === '' ? '' : '.'}values()[${String(steps[++i])}]`;
    } else {
      out += `${out === '' ? '' : '.'}${String(step)}`;
    }
  }
  return out;
}

/** What one scan of an argument collects. */
class Scan {
  found: Upstream[] | undefined;
  /** Saw a quote/opaque wrapper: the argument must be rewritten even without futures. */
  wrapped = false;
  /** Reached a container twice. */
  revisited = false;
  private seen: Set<object> | undefined;
  /** Steps from the argument down to the value being looked at; formatted only for a future found. */
  private readonly steps: unknown[] = [];

  constructor(private readonly arg: number) {}

  /**
   * Marks a container as seen, just before its first child that is an object is visited: a
   * container of primitives only cannot close a cycle, and skipping the mark keeps the walk over
   * rows of plain values cheap. False if it was seen already.
   */
  private enter(container: object): boolean {
    const seen = (this.seen ??= new Set());
    if (seen.has(container)) {
      // A cycle or a shared object: its futures were found on the first visit.
      this.revisited = true;
      return false;
    }
    seen.add(container);
    return true;
  }

  /** Looks at one value that is an object (the caller checked). */
  visit(value: object, depth: number): void {
    const steps = this.steps;
    // Plain containers first: they are the common case.
    const kind = containerKind(value);
    if (kind !== 0 && depth >= MAX_DEPTH) return;
    if (kind === ARRAY) {
      const array = value as unknown[];
      let entered = false;
      for (let k = 0; k < array.length; k++) {
        const item: unknown = array[k];
        if (typeof item !== 'object' || item === null) continue;
        if (!entered && !(entered = this.enter(value))) return;
        steps.push(k);
        this.visit(item, depth + 1);
        steps.pop();
      }
      return;
    }
    if (kind === OBJECT) {
      const object = value as Record<string, unknown>;
      const names = Object.keys(object);
      let entered = false;
      for (let n = 0; n < names.length; n++) {
        const k = names[n] as string;
        const item = object[k];
        if (typeof item !== 'object' || item === null) continue;
        if (!entered && !(entered = this.enter(value))) return;
        steps.push(k);
        this.visit(item, depth + 1);
        steps.pop();
      }
      return;
    }
    if (kind === MAP) {
      let entered = false;
      for (const [k, item] of value as Map<unknown, unknown>) {
        if (typeof item !== 'object' || item === null) continue;
        if (!entered && !(entered = this.enter(value))) return;
        steps.push(MAP_KEY, k);
        this.visit(item, depth + 1);
        steps.length -= 2;
      }
      return;
    }
    if (kind === SET) {
      let entered = false;
      let k = 0;
      for (const item of value as Set<unknown>) {
        if (typeof item === 'object' && item !== null) {
          if (!entered && !(entered = this.enter(value))) return;
          steps.push(SET_ITEM, k);
          this.visit(item, depth + 1);
          steps.length -= 2;
        }
        k++;
      }
      return;
    }
    // Futures and wrappers; any other class instance is passed as it is.
    if (value instanceof RunRecord || value instanceof AllowedFailure) {
      (this.found ??= []).push(asUpstream(value, this.arg, formatPath(steps)) as Upstream);
      return;
    }
    if (value instanceof Quoted) {
      this.wrapped = true;
      return;
    }
    if (value instanceof Opaque) {
      this.wrapped = true;
      const inner = asUpstream((value as Opaque<unknown>).value, this.arg, formatPath(steps));
      if (inner !== undefined) (this.found ??= []).push(inner);
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
    scan.visit(value, 0);
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

/** A shallow copy of a plain object, keeping a null prototype. */
function copyObject(object: Record<string, unknown>): Record<string, unknown> {
  return Object.getPrototypeOf(object) === null ? Object.assign(Object.create(null) as Record<string, unknown>, object) : { ...object };
}

/**
 * Copies the containers on the paths to futures and wrappers, others are kept as they are. Only
 * for an argument reached without cycles or shared objects (each container is met once).
 */
function resolveChanged(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const kind = containerKind(value);
  if (kind === 0) {
    const special = resolveSpecial(value);
    return special === NOT_SPECIAL ? value : special;
  }
  if (depth >= MAX_DEPTH) return value;
  if (kind === ARRAY) {
    const array = value as unknown[];
    let copy: unknown[] | undefined;
    for (let k = 0; k < array.length; k++) {
      const item = array[k];
      const resolved = resolveChanged(item, depth + 1);
      // A plain array even for an Array subclass: its constructor may expect other arguments.
      if (resolved !== item) (copy ??= Array.from(array))[k] = resolved;
    }
    return copy ?? value;
  }
  if (kind === MAP) {
    let copy: Map<unknown, unknown> | undefined;
    for (const [k, item] of value as Map<unknown, unknown>) {
      const resolved = resolveChanged(item, depth + 1);
      if (resolved !== item) (copy ??= new Map(value as Map<unknown, unknown>)).set(k, resolved);
    }
    return copy ?? value;
  }
  if (kind === SET) {
    let changed = false;
    const items: unknown[] = [];
    for (const item of value as Set<unknown>) {
      const resolved = resolveChanged(item, depth + 1);
      if (resolved !== item) changed = true;
      items.push(resolved);
    }
    return changed ? new Set(items) : value;
  }
  const object = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(object)) {
    const item = object[k];
    const resolved = resolveChanged(item, depth + 1);
    if (resolved !== item) (copy ??= copyObject(object))[k] = resolved;
  }
  return copy ?? value;
}

/**
 * Copies every container of an argument that reaches a container twice. The copy of a container
 * is registered before its contents are, so a cycle in the argument is a cycle in the copy and a
 * shared object stays shared.
 */
function resolveAll(value: unknown, copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const kind = containerKind(value);
  if (kind === 0) {
    const special = resolveSpecial(value);
    return special === NOT_SPECIAL ? value : special;
  }
  if (depth >= MAX_DEPTH) return value;
  if (copies.has(value)) return copies.get(value);
  if (kind === ARRAY) {
    const array = value as unknown[];
    const copy = new Array<unknown>(array.length);
    copies.set(value, copy);
    for (let k = 0; k < array.length; k++) copy[k] = resolveAll(array[k], copies, depth + 1);
    return copy;
  }
  if (kind === MAP) {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    for (const [k, item] of value as Map<unknown, unknown>) copy.set(k, resolveAll(item, copies, depth + 1));
    return copy;
  }
  if (kind === SET) {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    for (const item of value as Set<unknown>) copy.add(resolveAll(item, copies, depth + 1));
    return copy;
  }
  const object = value as Record<string, unknown>;
  const copy = copyObject(object);
  copies.set(value, copy);
  for (const k of Object.keys(object)) copy[k] = resolveAll(object[k], copies, depth + 1);
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
    out[i] = found.cyclic?.has(i) === true ? resolveAll(out[i], new Map(), 0) : resolveChanged(out[i], 0);
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
