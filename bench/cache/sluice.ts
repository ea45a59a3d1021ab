import { cachePolicies, ConcurrentTaskRunner, FileResultStore, flow, task } from '../../src/index.js';
import type { FRun } from './common.js';

/**
 * sluice's disk cache: a task with `cachePolicy: cachePolicies.inputs` and a `FileResultStore`
 * in `dir`, mapped over the items in a flow on a `ConcurrentTaskRunner({ maxConcurrency })`.
 * A run's lookup comes before its slot (a hit takes none), so only bodies and the writes of their
 * values (stored before a run completes) are bounded by `concurrency`.
 */
export function sluice(dir: string, fn: (x: number) => number, concurrency: number): FRun {
  const double = task({ name: 'double', cachePolicy: cachePolicies.inputs, resultStorage: new FileResultStore({ directory: dir }) }, fn);
  const run = flow({ name: 'F', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, (items: readonly number[]) =>
    double.map(items).result(),
  );
  return (items) => run(items);
}
