import { ConcurrentTaskRunner, flow, task } from '../../src/index.js';
import type { Contender } from '../lib.js';

/** `t.mapStream(source, { maxConcurrency: c })` inside a flow, read with `for await`: the source is pulled as slots free. */
export const contender: Contender = {
  name: 'sluice-mapStream',
  source: 'pulled when a slot frees (lazy)',
  run: async (source, fn, concurrency) => {
    const t = task('work', fn);
    const bench = flow({ name: 'bench', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, async () => {
      const out: number[] = [];
      for await (const value of t.mapStream(source, { maxConcurrency: concurrency })) out.push(value);
      return out;
    });
    return bench();
  },
};
