import { ConcurrentTaskRunner, flow, task } from '../../src/index.js';
import type { Contender } from '../lib.js';

/** `flow(..., () => t.map(items).result())` on a `ConcurrentTaskRunner({ maxConcurrency: c })`. `map` copies an iterable into an array. */
export const contender: Contender = {
  name: 'sluice-map',
  source: 'copied to an array, all runs created up front',
  run: async (source, fn, concurrency) => {
    const t = task('work', fn);
    const bench = flow({ name: 'bench', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, () =>
      t.map(source).result(),
    );
    return bench();
  },
};
