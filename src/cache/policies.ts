/**
 * Cache policies: how a run's cache key is made, composable as Prefect's `+` and `-`.
 *
 * @module
 */
import { InvalidArgumentError } from '../core/errors/input.js';
import { CacheKeyError } from './cache-key-error.js';
import { stableHash, UnhashableValueError } from './hash.js';

/**
 * What a cache key is made from, besides the arguments: given to each policy and to a
 * `cacheKeyFn`.
 *
 * @example
 * ```ts
 * import { task, type CacheKeyContext } from 'sluice';
 * const byDay = (context: CacheKeyContext, args: readonly unknown[]) => `${context.taskName}:${String(args[0])}`;
 * const report = task({ name: 'report', cacheKeyFn: byDay }, (day: string) => day.length);
 * console.log(await report('2026-12-06')); // 10
 * ```
 */
export interface CacheKeyContext {
  readonly taskName: string;
  /** The body's source text (`fn.toString()`). */
  readonly taskSource: string;
  /** The body's parameter names, where its source shows them (`undefined` for a destructured one). */
  readonly parameterNames: readonly (string | undefined)[];
  readonly flowName: string;
  /** The flow run the run belongs to. */
  readonly flowRunId: string;
  /** The arguments the flow was called with. */
  readonly flowParameters: readonly unknown[];
  readonly runId: string;
}

/**
 * A custom cache key: a string, or `undefined` for "do not cache this run".
 *
 * @example
 * ```ts
 * import type { CacheKeyFn } from 'sluice';
 * const byUser: CacheKeyFn = (_context, args) => (typeof args[0] === 'string' ? `user:${args[0]}` : undefined);
 * ```
 */
export type CacheKeyFn = (context: CacheKeyContext, args: readonly unknown[]) => string | undefined;

/**
 * Where an argument (or a part of one) is left out of the `inputs` key: a position (`2`), a
 * parameter name (`'debug'`), or a path into a plain-object argument (`'config.verbose'`,
 * `[1, 'verbose']`).
 *
 * @example
 * ```ts
 * import { cachePolicies, type ArgumentPath } from 'sluice';
 * const paths: ArgumentPath[] = [2, 'debug', 'config.verbose', [1, 'verbose']];
 * const policy = cachePolicies.inputs.minus(...paths);
 * ```
 */
export type ArgumentPath = number | string | readonly [number | string, ...(string | number)[]];

type Part =
  | { readonly kind: 'inputs'; readonly omit: readonly ArgumentPath[] }
  | { readonly kind: 'taskSource' | 'runId' | 'flowParameters' }
  | { readonly kind: 'keyFn'; readonly fn: CacheKeyFn };

/**
 * How a run's cache key is computed. Policies compose: `a.plus(b)` keys on both (Prefect's
 * `a + b`), `inputs.minus('debug')` leaves an argument out (Prefect's `INPUTS - 'debug'`). Every
 * key also holds the task's name, so two tasks never share a record unless a `cacheKeyFn` says so.
 * Build them from {@link cachePolicies}.
 *
 * @example
 * ```ts
 * import { cachePolicies, task } from 'sluice';
 * const policy = cachePolicies.inputs.plus(cachePolicies.taskSource).minus('verbose');
 * const train = task({ name: 'train', cachePolicy: policy }, (rows: number, verbose: boolean) => rows * 2);
 * console.log(policy.describe()); // inputs - verbose + taskSource
 * ```
 */
export class CachePolicy {
  /** @internal */
  readonly parts: readonly Part[];

  /** @internal */
  constructor(parts: readonly Part[]) {
    this.parts = parts;
  }

  /** True for {@link cachePolicies}`.none`: runs are neither looked up nor stored. */
  get isNone(): boolean {
    return this.parts.length === 0;
  }

  /** A policy keyed on this one's parts and `other`'s. Two `inputs` parts become one, leaving out what either leaves out. */
  plus(other: CachePolicy): CachePolicy {
    if (!(other instanceof CachePolicy)) throw new InvalidArgumentError(`CachePolicy.plus: expected a cache policy (from cachePolicies), got ${typeof other}`);
    const parts = [...this.parts];
    for (const part of other.parts) {
      const i = parts.findIndex((p) => p.kind === part.kind && part.kind !== 'keyFn');
      const existing = i < 0 ? undefined : parts[i];
      if (existing === undefined) parts.push(part);
      else if (existing.kind === 'inputs' && part.kind === 'inputs') parts[i] = { kind: 'inputs', omit: [...existing.omit, ...part.omit] };
    }
    return new CachePolicy(parts);
  }

  /** This policy with the given arguments (or parts of them) left out of its `inputs`. */
  minus(...paths: readonly ArgumentPath[]): CachePolicy {
    for (const path of paths) checkPath(path);
    if (!this.parts.some((p) => p.kind === 'inputs')) {
      throw new InvalidArgumentError(`CachePolicy.minus: "${this.describe()}" has no \`inputs\` to leave arguments out of: start from cachePolicies.inputs`);
    }
    return new CachePolicy(this.parts.map((p) => (p.kind === 'inputs' ? { kind: 'inputs', omit: [...p.omit, ...paths] } : p)));
  }

  /** The policy in words, as in `inputs - debug + taskSource`. */
  describe(): string {
    if (this.parts.length === 0) return 'none';
    return this.parts
      .map((p) => (p.kind === 'inputs' && p.omit.length > 0 ? `inputs - ${p.omit.map(pathText).join(' - ')}` : p.kind))
      .join(' + ');
  }

  /**
   * The run's key, or `undefined` not to cache it. `hashed` are the arguments as the key sees
   * them (a `params` codec's encoded form). Throws a {@link CacheKeyError}. @internal
   */
  computeKey(context: CacheKeyContext, args: readonly unknown[], hashed: readonly unknown[]): string | undefined {
    const parts = this.parts;
    if (parts.length === 0) return undefined;
    const only = parts[0];
    if (parts.length === 1 && only?.kind === 'keyFn') return callKeyFn(only.fn, context, args);
    const components: unknown[] = [context.taskName];
    for (const part of parts) {
      switch (part.kind) {
        case 'inputs':
          components.push(hashInputs(context, hashed, part.omit));
          break;
        case 'taskSource':
          components.push(stableHash(context.taskSource));
          break;
        case 'runId':
          components.push(context.flowRunId);
          break;
        case 'flowParameters':
          components.push(hashFlowParameters(context));
          break;
        case 'keyFn': {
          const key = callKeyFn(part.fn, context, args);
          if (key === undefined) return undefined;
          components.push(key);
          break;
        }
      }
    }
    return `${safeName(context.taskName)}-${stableHash(components)}`;
  }
}

/** A readable prefix: the task's name, kept to characters every store takes. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

function pathText(path: ArgumentPath): string {
  return typeof path === 'object' ? path.map(String).join('.') : String(path);
}

function checkPath(path: ArgumentPath): void {
  const ok =
    (typeof path === 'number' && Number.isInteger(path) && path >= 0) ||
    (typeof path === 'string' && path.length > 0) ||
    (Array.isArray(path) && path.length > 0 && path.every((k) => typeof k === 'string' || typeof k === 'number'));
  if (!ok) {
    throw new InvalidArgumentError(
      `CachePolicy.minus: an argument is a position (0, 1, ...), a parameter name ('debug'), or a path ('config.verbose' or [1, 'verbose']), got ${JSON.stringify(path) ?? String(path)}`,
    );
  }
}

function callKeyFn(fn: CacheKeyFn, context: CacheKeyContext, args: readonly unknown[]): string | undefined {
  let key: unknown;
  try {
    key = fn(context, args);
  } catch (error) {
    throw new CacheKeyError(context.taskName, undefined, `its cacheKeyFn threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (key === undefined || typeof key === 'string') return key;
  throw new CacheKeyError(context.taskName, undefined, `its cacheKeyFn must return a string (or undefined not to cache), got ${typeof key}`);
}

/** The position an omitted path starts at, and the keys into that argument. */
function resolvePath(context: CacheKeyContext, path: ArgumentPath): { index: number; keys: readonly (string | number)[] } {
  const segments: readonly (string | number)[] = typeof path === 'number' ? [path] : typeof path === 'string' ? path.split('.') : path;
  const [head, ...keys] = segments as [string | number, ...(string | number)[]];
  if (typeof head === 'number') return { index: head, keys };
  if (/^\d+$/.test(head)) return { index: Number(head), keys };
  const index = context.parameterNames.indexOf(head);
  if (index < 0) {
    const known = context.parameterNames.filter((n) => n !== undefined);
    throw new CacheKeyError(
      context.taskName,
      undefined,
      `its cache policy leaves out \`${pathText(path)}\`, but the task has no parameter named "${head}" (${known.length === 0 ? 'its parameters have no names to go by: use positions' : `its parameters: ${known.join(', ')}`})`,
    );
  }
  return { index, keys };
}

function isPlainObject(value: unknown): value is Record<string | number, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy of `value` without the key at `keys` (copied along the path only); unchanged if the path is not there. */
function without(value: unknown, keys: readonly (string | number)[]): unknown {
  const [key, ...rest] = keys;
  if (key === undefined) return undefined;
  if (Array.isArray(value) && typeof key === 'number') {
    if (key >= value.length) return value;
    const copy: unknown[] = [...(value as unknown[])];
    copy[key] = rest.length === 0 ? undefined : without(copy[key], rest);
    return copy;
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, key)) return value;
  const copy = { ...value };
  if (rest.length === 0) delete copy[key];
  else copy[key] = without(copy[key], rest);
  return copy;
}

function hashInputs(context: CacheKeyContext, hashed: readonly unknown[], omit: readonly ArgumentPath[]): string {
  let values = hashed;
  if (omit.length > 0) {
    const copy = [...hashed];
    for (const path of omit) {
      const { index, keys } = resolvePath(context, path);
      if (index >= copy.length) continue;
      copy[index] = keys.length === 0 ? undefined : without(copy[index], keys);
    }
    values = copy;
  }
  try {
    return stableHash(values);
  } catch (error) {
    if (!(error instanceof UnhashableValueError)) throw error;
    const [index, ...rest] = error.path;
    const position = typeof index === 'number' ? index : undefined;
    const name = position === undefined ? undefined : context.parameterNames[position];
    const where = position === undefined ? 'the arguments' : `argument ${position}${name === undefined ? '' : ` (\`${name}\`)`}${rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
    const leaveOut = position === undefined ? '' : `cachePolicies.inputs.minus(${name === undefined ? position : `'${[name, ...rest].join('.')}'`})`;
    throw new CacheKeyError(
      context.taskName,
      position,
      `${where} is ${error.what}, which cannot be hashed. Leave it out of the key (${leaveOut === '' ? 'cachePolicies.inputs.minus(...)' : leaveOut}), give the task a \`params\` codec that encodes it, or give a \`cacheKeyFn\``,
      { cause: error },
    );
  }
}

function hashFlowParameters(context: CacheKeyContext): string {
  try {
    return stableHash(context.flowParameters);
  } catch (error) {
    if (!(error instanceof UnhashableValueError)) throw error;
    throw new CacheKeyError(
      context.taskName,
      undefined,
      `its policy keys on the flow's parameters, and flow "${context.flowName}"'s argument at ${error.path.map((k) => `[${String(k)}]`).join('')} is ${error.what}, which cannot be hashed: key on \`inputs\` instead, or give a \`cacheKeyFn\``,
      { cause: error },
    );
  }
}

/**
 * The cache policies, to compose with `plus` and `minus` (Prefect's `cache_policies`).
 *
 * | policy | the key holds |
 * |---|---|
 * | `inputs` | the run's arguments, after futures are replaced by their values (a `params` codec's encoded form when the task has one) |
 * | `taskSource` | the body's source text: editing the body starts a new cache |
 * | `runId` | the flow run: a record is reused only within one flow run |
 * | `flowParameters` | the flow's arguments |
 * | `none` | nothing: the run is never cached |
 * | `keyFn(fn)` | what `fn(context, args)` returns (`undefined`: do not cache this run) |
 *
 * @example
 * ```ts
 * import { cachePolicies, flow, task } from 'sluice';
 * let calls = 0;
 * const square = task({ name: 'square', cachePolicy: cachePolicies.inputs.plus(cachePolicies.taskSource) }, (x: number) => {
 *   calls++;
 *   return x * x;
 * });
 * const squares = flow('squares', () => square.map([1, 2, 3]).result());
 * await squares();
 * await squares(); // every run is a hit: no body runs
 * console.log(calls); // 3
 * ```
 */
export const cachePolicies = {
  /** The run's arguments, after futures are replaced by their values (a `params` codec's encoded form). */
  inputs: new CachePolicy([{ kind: 'inputs', omit: [] }]),
  /** The body's source text: editing the body starts a new cache. */
  taskSource: new CachePolicy([{ kind: 'taskSource' }]),
  /** The flow run: a record is reused only within one flow run. */
  runId: new CachePolicy([{ kind: 'runId' }]),
  /** The flow's arguments. */
  flowParameters: new CachePolicy([{ kind: 'flowParameters' }]),
  /** Nothing: the run is neither looked up nor stored. */
  none: new CachePolicy([]),
  /** A policy whose key is what `fn(context, args)` returns (`undefined`: do not cache the run). */
  keyFn: (fn: CacheKeyFn): CachePolicy => {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`cachePolicies.keyFn: expected a function (context, args) => string | undefined, got ${typeof fn}`);
    return new CachePolicy([{ kind: 'keyFn', fn }]);
  },
} as const;
