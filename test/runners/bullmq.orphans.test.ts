/**
 * Orphans: when a flow process dies, workers skip its queued jobs once its heartbeat lapses,
 * instead of running them for nobody.
 */
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { newProbe, removeProbes } from '../conformance/tasks.js';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow, unmapped } from '../../src/index.js';
import { nap, napsStarted } from '../fixtures/bullmq-tasks.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

const MODULES = ['test/fixtures/bullmq-tasks.ts'];

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!hasRedis)('orphaned jobs', () => {
  let redis: RedisServer | undefined;
  let workers: WorkerProcess[] = [];

  afterEach(async () => {
    await killWorkers(workers);
    workers = [];
    await redis?.stop(true);
    redis = undefined;
    removeProbes();
  });

  it("skips a dead flow process's queued jobs once its heartbeat lapses, instead of running them for nobody", async () => {
    redis = await startRedis();
    const url = redis.url;
    const queue = queueName('orphans');
    const worker = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1 });
    workers.push(worker);
    await worker.ready;
    const probe = newProbe();
    const lease = 3000;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-orphan-flow.ts', url, queue, probe.file, String(lease)], { cwd: root, stdio: 'ignore' });
    await until(() => napsStarted(probe) >= 2, 'two naps started');
    child.kill('SIGKILL');
    const killedAt = Date.now();
    const jobs = new Queue(queue, { connection: { url } });
    try {
      // Every job leaves the queue: the rest are skipped, not run at 250 ms each (40 would take 10 s).
      await until(async () => (await jobs.getJobCountByTypes('waiting', 'active', 'delayed')) === 0, 'the queue emptied');
      const started = napsStarted(probe);
      // Those that started before the heartbeat lapsed (a lease and a renewal at most), no more.
      expect(started).toBeLessThanOrEqual(2 + Math.ceil((lease + 1000) / 250) + 1);
      expect(Date.now() - killedAt).toBeLessThan(lease + 5000);
      const failed = await jobs.getFailed();
      expect(failed.length).toBe(40 - started);
      expect(failed[0]?.failedReason).toMatch(/the flow run .* is gone \(its heartbeat lapsed/);
      expect(worker.output().match(/is gone \(its heartbeat lapsed/g)).toHaveLength(1);
    } finally {
      await jobs.close();
    }
  }, 60_000);

  it('never skips the jobs of a live flow, however long they wait past the lease', async () => {
    redis = await startRedis();
    const url = redis.url;
    const queue = queueName('alive');
    const worker = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1 });
    workers.push(worker);
    await worker.ready;
    const probe = newProbe();
    const runner = new BullMQTaskRunner({ queue, connection: url, flowLease: 3000 });
    // 12 naps of 500 ms one at a time: the last waits 5.5 s, past its lease, renewed meanwhile.
    const out = await flow({ name: 'alive', taskRunner: runner, progress: false }, () => nap.map(unmapped(probe), Array.from({ length: 12 }, () => 500)).result())();
    expect(out).toEqual(Array.from({ length: 12 }, () => 'slept'));
    expect(napsStarted(probe)).toBe(12);
    expect(worker.output()).not.toMatch(/is gone/);
  }, 60_000);
});

if (!hasRedis) {
  describe.skip(`orphaned jobs (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
