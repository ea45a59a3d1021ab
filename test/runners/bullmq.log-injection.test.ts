/**
 * Names from task modules and from jobs are printed escaped by `sluice worker`: a line break or
 * a terminal escape in them cannot forge a log line or recolour a terminal. A real redis-server
 * and a real `sluice worker` process.
 */
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGED } from '../fixtures/bullmq-odd-names.js';
import { hasRedis, killWorkers, queueName, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

describe.skipIf(!hasRedis)('sluice worker log lines', () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  const queue = queueName('log-injection');

  beforeAll(async () => {
    redis = await startRedis();
    worker = startWorkerProcess({ queue, url: redis.url, modules: ['test/fixtures/bullmq-odd-names.ts'], concurrency: 1 });
    await worker.ready;
  }, 60_000);

  afterAll(async () => {
    await killWorkers([worker]);
    await redis.stop();
  });

  it('prints task names and job names with newlines or ANSI escapes escaped, one line each', async () => {
    const raw = new Queue(queue, { connection: { url: redis.url } });
    const events = new QueueEvents(queue, { connection: { url: redis.url } });
    try {
      await events.waitUntilReady();
      const job = await raw.add(`job\n${FORGED}\u001b[2J`, { v: 1, task: `missing\n${FORGED}\u001b[2J`, args: [], runId: 'r', attempt: 1 });
      await job.waitUntilFinished(events, 20_000).catch(() => undefined);
      const deadline = Date.now() + 10_000;
      while (!worker.output().includes('missing') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await Promise.all([raw.close(), events.close()]);
    }
    const output = worker.output();
    const ready = output.split('\n').find((line) => line.startsWith('sluice worker ready'));
    expect(ready).toContain(`(odd\\n${FORGED}\\u001b[31m)`);
    expect(output).toContain(`job\\n${FORGED}\\u001b[2J`);
    expect(output).toContain(`missing\\n${FORGED}\\u001b[2J`);
    expect(output).not.toContain('\u001b');
    expect(output.split('\n').filter((line) => line.startsWith(FORGED))).toEqual([]);
  });
});
