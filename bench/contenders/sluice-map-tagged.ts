import { ConcurrentTaskRunner, concurrencyLimits, flow, task } from '../../src/index.js';
import type { Contender } from '../lib.js';

/** `sluice-map` with the task tagged and one in-process tag limit of 16: what a tag limit costs per run. */
export const contender: Contender = {
  name: 'sluice-map-tagged',
  source: 'copied to an array, all runs created up front; one tag limited to 16',
  run: async (source, fn, concurrency) => {
    const t = task({ name: 'work', tags: ['bench'] }, fn);
    const limits = concurrencyLimits({ bench: 16 });
    const bench = flow({ name: 'bench', limits, taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, () =>
      t.map(source).result(),
    );
    return bench();
  },
};
