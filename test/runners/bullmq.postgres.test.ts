/**
 * BullMQTaskRunner on PostgreSQL, what is its own: the outcome events its event stream skips
 * (ids taken when written, visible when committed, so out of order) are read again, and no run
 * waits for a look-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow } from '../../src/index.js';
import { OutcomeSweep, SETTLE_MS } from '../../src/runners/bullmq/outcome-sweep.js';
import { add } from '../conformance/tasks.js';
import { ENABLE_POSTGRES, hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { killWorkers, queueName, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';

describe('OutcomeSweep', () => {
  it('hands on only the events it has not heard, and forgets those below the floor once they settled', () => {
    const sweep = new OutcomeSweep('10');
    sweep.heard('12');
    sweep.heard('14');
    // 13 committed after 14 was read: the stream's reader skipped it.
    expect(sweep.unheard([{ id: '12', outcomes: 'a' }, { id: '13', outcomes: 'b' }, { id: '14', outcomes: 'c' }], 0)).toEqual([{ id: '13', outcomes: 'b' }]);
    expect(sweep.floor).toBe('10');
    // A settle later, everything up to the highest id heard then is taken as seen.
    expect(sweep.unheard([{ id: '15', outcomes: 'd' }], SETTLE_MS)).toEqual([{ id: '15', outcomes: 'd' }]);
    expect(sweep.floor).toBe('14');
    expect(sweep.unheard([{ id: '9', outcomes: 'old' }, { id: '15', outcomes: 'd' }], SETTLE_MS + 1)).toEqual([]);
  });
});

if (hasPostgres) {
  describe('BullMQTaskRunner on PostgreSQL', () => {
    let postgres: PostgresServer | undefined;
    let workers: WorkerProcess[] = [];
    const queue = queueName('pg-outcomes');

    beforeAll(async () => {
      postgres = await startPostgres();
      const { url } = postgres;
      workers = [0, 1].map(() => startWorkerProcess({ queue, url, modules: ['test/conformance/tasks.ts'], concurrency: 16 }));
      await Promise.all(workers.map((worker) => worker.ready));
    }, 60_000);

    afterAll(async () => {
      await killWorkers(workers);
      await postgres?.stop();
    });

    it('hears every outcome of 3000 runs over two workers through events, even those the stream skipped: none waits for a look-up', async () => {
      if (postgres === undefined) throw new Error('PostgreSQL did not start');
      // Look-ups an hour apart: a run whose outcome event went unheard would wait that long.
      const runner = new BullMQTaskRunner({ queue, connection: postgres.url, maxConcurrency: 64, checkInterval: 3_600_000 });
      const xs = Array.from({ length: 3000 }, (_, i) => i);
      const sums = await flow({ name: 'many', taskRunner: runner }, () => add.map(xs, 1).result())();
      expect(sums).toEqual(xs.map((x) => x + 1));
    }, 60_000);
  });
} else {
  describe.skip(`BullMQTaskRunner on PostgreSQL (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
