import { firstValueFrom, from, mergeMap, toArray } from 'rxjs';
import type { Contender } from '../lib.js';

/**
 * Stock RxJS: `from(source).pipe(mergeMap(fn, c), toArray())`, completion order. `from()` pushes
 * every item at subscribe time and `mergeMap` drains its buffer with `shift()`: O(N^2) at large N
 * (measured on this machine type), lazy source or not.
 */
export const contender: Contender = {
  name: 'rxjs-mergeMap',
  source: 'pushed at subscribe, buffered',
  run: (source, fn, concurrency) => firstValueFrom(from(source).pipe(mergeMap(fn, concurrency), toArray())),
};
