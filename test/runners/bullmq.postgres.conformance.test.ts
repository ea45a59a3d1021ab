/**
 * The runner conformance suite against BullMQTaskRunner on PostgreSQL (BullMQ's PostgreSQL
 * backend), with two `sluice worker --postgres` processes on a real PostgreSQL server.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { describeRunnerConformance } from '../conformance/suite.js';
import { ENABLE_POSTGRES, hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { killWorkers, queueName, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';

if (hasPostgres) {
  let postgres: PostgresServer | undefined;
  let workers: WorkerProcess[] = [];
  const queue = queueName('conformance');

  beforeAll(async () => {
    postgres = await startPostgres();
    const { url } = postgres;
    workers = [0, 1].map(() => startWorkerProcess({ queue, url, modules: ['test/conformance/tasks.ts'], concurrency: 4 }));
    await Promise.all(workers.map((worker) => worker.ready));
  }, 60_000);

  afterAll(async () => {
    await killWorkers(workers);
    await postgres?.stop();
  });

  describeRunnerConformance(
    'BullMQTaskRunner on PostgreSQL (two sluice worker --postgres processes)',
    ({ maxConcurrency }) => {
      if (postgres === undefined) throw new Error('PostgreSQL did not start');
      return new BullMQTaskRunner({ queue, connection: postgres.url, maxConcurrency, keepAlive: true });
    },
    { dispose: (runner) => (runner as BullMQTaskRunner).destroy() },
  );
} else {
  describe.skip(`runner conformance: BullMQTaskRunner on PostgreSQL (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
