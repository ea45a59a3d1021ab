import { Effect } from 'effect';
import type { Contender } from '../lib.js';

/** `Effect.forEach(items, x => Effect.promise(() => fn(x)), { concurrency })`; it copies the iterable into an array first. */
export const contender: Contender = {
  name: 'effect-forEach',
  source: 'copied to an array',
  run: (source, fn, concurrency) =>
    Effect.runPromise(Effect.forEach(source, (x) => Effect.promise(() => fn(x)), { concurrency })),
};
