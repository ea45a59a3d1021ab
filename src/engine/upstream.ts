import { AllowedFailure, Unmapped } from '../core/annotations.js';
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
  /** The index or key inside an array or plain-object argument; undefined at the top level. */
  readonly key: number | string | undefined;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function asUpstream(value: unknown, arg: number, key: number | string | undefined): Upstream | undefined {
  if (value instanceof RunRecord) return { run: value as RunRecord<unknown>, allowed: undefined, arg, key };
  if (value instanceof AllowedFailure) {
    const allowed = value as AllowedFailure<unknown>;
    return { run: allowed.future as unknown as RunRecord<unknown>, allowed, arg, key };
  }
  return undefined;
}

/**
 * Finds the futures among a run's arguments: at the top level, and one level down inside arrays
 * and plain objects (deeper values are passed as they are). `argIndices` limits the scan to some
 * positions (a map scans its broadcast arguments once, not once per run).
 */
export function findUpstreams(
  args: readonly unknown[],
  argIndices: readonly number[] | undefined,
  waitFor: readonly unknown[] | undefined,
): Upstream[] | undefined {
  let found: Upstream[] | undefined;
  const count = argIndices === undefined ? args.length : argIndices.length;
  for (let n = 0; n < count; n++) {
    const i = argIndices === undefined ? n : (argIndices[n] as number);
    const value = args[i];
    if (typeof value !== 'object' || value === null) continue;
    const top = asUpstream(value, i, undefined);
    if (top !== undefined) {
      (found ??= []).push(top);
    } else if (Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) {
        const inner = asUpstream(value[k], i, k);
        if (inner !== undefined) (found ??= []).push(inner);
      }
    } else if (isPlainObject(value)) {
      for (const k of Object.keys(value)) {
        const inner = asUpstream(value[k], i, k);
        if (inner !== undefined) (found ??= []).push(inner);
      }
    }
  }
  if (waitFor !== undefined) {
    for (const entry of waitFor) {
      const up = asUpstream(entry, -1, undefined);
      if (up !== undefined) (found ??= []).push(up);
    }
  }
  return found;
}

/**
 * Returns the arguments with every upstream future replaced by its value (or, for an allowed
 * failure, its error). Arrays and objects that held futures are copied, never changed in place.
 */
export function substituteUpstreams(args: readonly unknown[], upstreams: readonly Upstream[]): unknown[] {
  const out = args.slice();
  const copied = new Set<number>();
  for (const up of upstreams) {
    if (up.arg < 0) continue;
    const value = up.run.outcomeForDownstream();
    if (up.key === undefined) {
      out[up.arg] = value;
      continue;
    }
    if (!copied.has(up.arg)) {
      copied.add(up.arg);
      const container = out[up.arg];
      out[up.arg] = Array.isArray(container) ? container.slice() : { ...(container as Record<string, unknown>) };
    }
    (out[up.arg] as Record<string | number, unknown>)[up.key] = value;
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
