/**
 * Rejects options that `task()`, `task.with()` or `flow()` do not have, naming the nearest known
 * one: an ignored typo (`retires`) or a Prefect name (`timeoutSeconds`) would silently mean "no
 * retries" or "no time-out".
 *
 * @module
 * @internal
 */
import { UnknownOptionError } from './errors/input.js';

/**
 * Every key of `T`, each mapped to `true`: a key list typed this way stops compiling when `T` gains
 * an option nobody listed, so the checker cannot fall behind the options' types.
 *
 * @internal
 */
export type KeyList<T> = { readonly [K in keyof T]-?: true };


/** What to tell someone who used a name from Prefect: the sluice option, if there is one, and why. */
interface PrefectName {
  readonly use?: string;
  readonly note: string;
}

const PERSIST: PrefectName = { use: 'cachePolicy', note: 'sluice stores the results of cached runs: give a `cachePolicy` (and a `resultStorage`)' };
const NO_MEMORY: PrefectName = { note: 'sluice keeps a value in memory while its future is referenced; the store holds the record' };
const MILLISECONDS = 'sluice takes milliseconds';

// Keyed by the name lower-cased without `_` or `-`, so `timeout_seconds` and `timeoutSeconds` both match.
const PREFECT_TASK: Readonly<Record<string, PrefectName>> = {
  timeoutseconds: { use: 'timeout', note: MILLISECONDS },
  retrydelayseconds: { use: 'retryDelay', note: MILLISECONDS },
  retryconditionfn: { use: 'retryCondition', note: 'it is given the error' },
  persistresult: PERSIST,
  resultstoragekey: { use: 'cacheKeyFn', note: 'the key a record is stored under comes from the cache policy, or a `cacheKeyFn`' },
  cacheresultinmemory: NO_MEMORY,
  description: { note: 'sluice has no description option' },
  version: { note: 'sluice has no version option' },
};

const PREFECT_FLOW: Readonly<Record<string, PrefectName>> = {
  retrydelayseconds: { use: 'retryDelay', note: MILLISECONDS },
  timeoutseconds: { use: 'timeout', note: MILLISECONDS },
  maxconcurrency: { use: 'taskRunner', note: 'limit the runner: `taskRunner: new ConcurrentTaskRunner({ maxConcurrency })`' },
  flowrunname: { use: 'flowRunName', note: 'a template such as `sync-{day}` or a function of the flow\'s arguments' },
  validateparameters: { use: 'params', note: 'give the flow a `params` (an io-ts codec or a Standard Schema such as zod) of its argument list; without one, its arguments are not checked' },
  persistresult: PERSIST,
  cacheresultinmemory: NO_MEMORY,
  description: { note: 'sluice has no description option' },
  version: { note: 'sluice has no version option' },
};

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The known key nearest to `key` (its plain spelling, a near typo), or none. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const plain = normalise(key);
  // Up to one edit in three letters: `retires` finds `retries`, `retry` is too far from it.
  const limit = Math.min(3, Math.max(1, Math.floor(plain.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = distance(plain, normalise(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Throws an {@link UnknownOptionError} for the first own key of `given` that is not in `known`.
 * `elsewhere` says, for keys that belong to another call (`name` to `task()`, not `with()`), where
 * they go.
 *
 * @internal
 */
export function checkOptionKeys(
  kind: 'task' | 'flow',
  name: string,
  given: object,
  known: readonly string[],
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const placed = Object.hasOwn(elsewhere, key) ? elsewhere[key] : undefined;
    if (placed !== undefined) throw new UnknownOptionError(kind, name, key, undefined, placed);
    // A name from Prefect first: `timeout_seconds` is near no key but means `timeout`, in other units.
    const prefect = (kind === 'task' ? PREFECT_TASK : PREFECT_FLOW)[normalise(key)];
    if (prefect !== undefined) {
      const hint = prefect.use === undefined ? prefect.note : `did you mean \`${prefect.use}\`? (${prefect.note})`;
      throw new UnknownOptionError(kind, name, key, prefect.use, hint);
    }
    const suggestion = nearest(key, known);
    if (suggestion !== undefined) throw new UnknownOptionError(kind, name, key, suggestion, `did you mean \`${suggestion}\`?`);
    throw new UnknownOptionError(kind, name, key, undefined, `${kind === 'task' ? 'a task' : 'a flow'} takes ${known.map((k) => `\`${k}\``).join(', ')}`);
  }
}
