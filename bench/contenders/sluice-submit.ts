import { ConcurrentTaskRunner, flow, task, type TaskFuture } from '../../src/index.js';
import type { Contender } from '../lib.js';

/** A `submit` loop inside a flow, then `Promise.all` of every future's `result()`. */
export const contender: Contender = {
  name: 'sluice-submit',
  source: 'all runs created up front',
  run: async (source, fn, concurrency) => {
    const t = task('work', fn);
    const bench = flow({ name: 'bench', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, () => {
      const futures: TaskFuture<number>[] = [];
      for (const x of source) futures.push(t.submit(x));
      return Promise.all(futures.map((f) => f.result()));
    });
    return bench();
  },
};
