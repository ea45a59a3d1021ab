/**
 * The runner conformance suite against BullMQTaskRunner, with two `sluice worker` processes on a
 * real redis-server.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { describeRunnerConformance } from '../conformance/suite.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

if (hasRedis) {
  let redis: RedisServer | undefined;
  let workers: WorkerProcess[] = [];
  const queue = queueName('conformance');

  beforeAll(async () => {
    redis = await startRedis();
    const url = redis.url;
    workers = [0, 1].map(() => startWorkerProcess({ queue, url, modules: ['test/conformance/tasks.ts'], concurrency: 4 }));
    await Promise.all(workers.map((worker) => worker.ready));
  }, 60_000);

  afterAll(async () => {
    await killWorkers(workers);
    await redis?.stop();
  });

  describeRunnerConformance(
    'BullMQTaskRunner (two sluice worker processes)',
    ({ maxConcurrency }) => {
      if (redis === undefined) throw new Error('redis-server did not start');
      return new BullMQTaskRunner({ queue, connection: redis.url, maxConcurrency, keepAlive: true });
    },
    { dispose: (runner) => (runner as BullMQTaskRunner).destroy() },
  );
} else {
  describe.skip(`runner conformance: BullMQTaskRunner (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
