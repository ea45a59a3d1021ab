/**
 * Faults, with real parts: worker processes killed with SIGKILL mid-run, a job that stalls more
 * often than allowed, Redis going away, restarting empty or filling up under a flow, and job data
 * damaged in Redis.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow, isSluiceError, unmapped, type FlowEvent } from '../../src/index.js';
import { newProbe, removeProbes } from '../conformance/tasks.js';
import { nap, napsStarted, work } from '../fixtures/bullmq-tasks.js';
import { startRedisStore, type TestStore } from '../helpers/bullmq-store.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';
import { FAST_STALLS, killTwoOfThreeWorkers, MODULES, rerunKilledWorkersJob, storeGoneMidFlow, until } from './bullmq-faults.shared.js';


describe.skipIf(!hasRedis)('BullMQ faults', () => {
  let redis: RedisServer | undefined;
  /** A store of the tests shared with PostgreSQL (./bullmq-faults.shared.ts). */
  let store: TestStore | undefined;
  let workers: WorkerProcess[] = [];

  afterEach(async () => {
    await killWorkers(workers);
    workers = [];
    await redis?.stop(true);
    redis = undefined;
    await store?.stop(true);
    store = undefined;
    removeProbes();
  });

  it('loses nothing when two of three workers are killed mid-run: all 500 results, in input order', async () => {
    store = await startRedisStore();
    await killTwoOfThreeWorkers(store, workers);
  }, 120_000);

  it('fails a job that stalls more often than allowed with its own error', async () => {
    redis = await startRedis();
    const queue = queueName('stall');
    const url = redis.url;
    const strict = [...FAST_STALLS, '--max-stalled-count', '0'];
    const first = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1, args: strict });
    workers.push(first);
    await first.ready;
    const runner = new BullMQTaskRunner({ queue, connection: url });
    const probe = newProbe();
    const { error, state } = await flow({ name: 'stall', taskRunner: runner }, async () => {
      const future = nap.submit(probe, 60_000);
      await until(() => napsStarted(probe) === 1, 'the nap started');
      first.signal('SIGKILL');
      // Another worker's stalled-job check finds the dead worker's job.
      const second = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1, args: strict });
      workers.push(second);
      return { error: await future.result().catch((e: unknown) => e), state: future.state };
    })();
    expect(isSluiceError(error, 'JOB_STALLED')).toBe(true);
    // Its workers died, not its body.
    expect(state).toMatchObject({ type: 'Crashed', name: 'Crashed', error });
    expect((error as Error).message).toMatch(/^task run "nap-[^"]+" \(task "nap", job [^)]+\) stalled too often: job stalled more than allowable limit/);
    expect(napsStarted(probe)).toBe(1);
  }, 60_000);

  it("runs a SIGKILLed worker's job again on another worker within seconds, with the default lock and stall check", async () => {
    store = await startRedisStore();
    await rerunKilledWorkersJob(store, workers);
  }, 120_000);

  for (const keep of ['default', '0']) {
    it(`catches up after its flow process was stopped (SIGSTOP) for 8 s, in proportion to the backlog (retention: ${keep})`, async () => {
      redis = await startRedis();
      const queue = queueName('pause');
      const url = redis.url;
      const args = keep === 'default' ? [] : ['--keep-completed', keep];
      workers = [0, 1].map(() => startWorkerProcess({ queue, url, modules: MODULES, concurrency: 50, args }));
      await Promise.all(workers.map((worker) => worker.ready));
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-pause-flow.ts', url, queue, '8000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      await until(() => out.includes('first-done'), 'the first run completed');
      child.kill('SIGSTOP');
      // Meanwhile the workers finish the 8000 jobs: their outcomes wait in Redis.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      const resumedAt = Date.now();
      child.kill('SIGCONT');
      await closed;
      const done = /^all-done (\d+) (\d+) (.*)$/m.exec(out);
      expect(done, out).not.toBeNull();
      const otherwise = JSON.parse(done?.[3] ?? '{}') as Record<string, number>;
      if (keep === 'default') {
        expect(Number(done?.[1])).toBe(8000);
        expect(otherwise).toEqual({});
      } else {
        // Retention 0 removes a job as it finishes: a run whose outcome event came after its
        // look-up fails, for its job is gone. The workers say so as they start; every run still ends.
        for (const worker of workers) expect(worker.output()).toMatch(/warning: the retention of completed jobs/);
        expect(Object.keys(otherwise).every((what) => what === 'Failed/JOB_FAILED'), out).toBe(true);
        expect(Number(done?.[1]) + (otherwise['Failed/JOB_FAILED'] ?? 0)).toBe(8000);
      }
      // Read as a backlog of events, not 200 look-ups a second (that took 26 s here). With retention
      // 0, the runs whose events came late fail on a look-up each: bounded, but slower (7 s once in CI).
      expect(Number(done?.[2]) - resumedAt).toBeLessThan(keep === 'default' ? 6000 : 15_000);
    }, 90_000);
  }

  it('hands an active job back on a second SIGTERM; another worker runs it and the flow gets its value', async () => {
    redis = await startRedis();
    const queue = queueName('hand-back');
    const url = redis.url;
    const first = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1, args: FAST_STALLS });
    workers.push(first);
    await first.ready;
    const runner = new BullMQTaskRunner({ queue, connection: url });
    const probe = newProbe();
    const out = await flow({ name: 'hand-back', taskRunner: runner }, async () => {
      const future = nap.submit(probe, 3000);
      await until(() => napsStarted(probe) === 1, 'the nap started');
      first.signal('SIGTERM');
      await until(() => first.output().includes('SIGTERM: finishing 1 active job(s)'), 'the worker began to stop');
      first.signal('SIGTERM');
      expect(await first.exited).toBe(0);
      const second = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 1, args: FAST_STALLS });
      workers.push(second);
      return future.result();
    })();
    expect(out).toBe('slept');
    expect(first.output()).toMatch(/SIGTERM again: handing back 1 active job\(s\)/);
    // Started twice: at least once delivery.
    expect(napsStarted(probe)).toBe(2);
  }, 60_000);

  it('fails the flow with a connection error, within 30 s, when Redis goes away mid-flow', async () => {
    store = await startRedisStore();
    await storeGoneMidFlow(store, workers);
  }, 60_000);

  it('ends the runs a Redis restarted empty lost Crashed with QUEUE_CONNECTION, not Failed', async () => {
    const first = await startRedis();
    redis = first;
    const queue = queueName('redis-restart');
    const worker = startWorkerProcess({ queue, url: first.url, modules: MODULES, concurrency: 2 });
    workers.push(worker);
    await worker.ready;
    const runner = new BullMQTaskRunner({ queue, connection: first.url, checkInterval: 500 });
    const probe = newProbe();
    const ends: { type: string; code: unknown; message: string }[] = [];
    // Every run ends before the flow reads the values: the first loss does not cancel the others.
    const handle = flow({ name: 'redis-restart', taskRunner: runner }, async () => {
      const runs = nap.map(unmapped(probe), Array.from({ length: 6 }, () => 3_000));
      await runs.wait();
      return runs.result();
    }).start();
    handle.events$.subscribe((event: FlowEvent) => {
      if (event.type === 'run-state' && (event.state.type === 'Crashed' || event.state.type === 'Failed')) {
        const error = event.state.error as Error;
        ends.push({ type: event.state.type, code: isSluiceError(error) ? error.code : undefined, message: error.message });
      }
    });
    await until(() => napsStarted(probe) >= 2, 'two naps started');
    // Killed and started again on the same port, with nothing saved: every job is gone.
    await first.stop(true);
    redis = await startRedis({ port: first.port });
    const error = await handle.result().catch((e: unknown) => e);
    expect(isSluiceError(error)).toBe(true);
    expect(ends.length).toBe(6);
    for (const end of ends) {
      expect(end).toMatchObject({ type: 'Crashed', code: 'QUEUE_CONNECTION' });
      expect(end.message).toMatch(/Redis restarted/);
    }
    await runner.destroy();
  }, 60_000);

  it('fails a run whose job Redis refuses for want of memory (maxmemory, noeviction) with QUEUE_OUT_OF_MEMORY', async () => {
    const server = await startRedis();
    redis = server;
    const queue = queueName('redis-oom');
    const runner = new BullMQTaskRunner({ queue, connection: server.url });
    const admin = new Redis(server.url);
    try {
      // Warm: connected, and the outcomes' position read, before Redis fills up.
      const warm = await flow({ name: 'redis-oom', taskRunner: runner }, async () => {
        const future = work.with({ timeout: 200 }).submit(1, 1);
        await future.wait();
        return future.state.name;
      })();
      expect(warm).toBe('TimedOut');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      const error = await flow({ name: 'redis-oom', taskRunner: runner }, () => work.submit(2, 1).result())().catch((e: unknown) => e);
      expect(isSluiceError(error, 'QUEUE_OUT_OF_MEMORY')).toBe(true);
      expect((error as Error).message).toMatch(/queue "redis-oom-[^"]+": Redis is out of memory .*maxmemory/);
      expect(error).toMatchObject({ queue });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      await runner.destroy();
    }
  }, 60_000);

  it('fails a job whose stored data is not JSON, and one that hit the stall limit so, instead of cycling between active and stalled', async () => {
    const server = await startRedis();
    redis = server;
    const queue = queueName('not-json');
    const raw = new Queue(queue, { connection: { url: server.url } });
    const admin = new Redis(server.url);
    try {
      const data = { v: 1, task: 'work', args: [1, 1], runId: 'r', attempt: 1 };
      const [plain, stalled] = await Promise.all([raw.add('plain', data), raw.add('stalled', data)]);
      // Damaged in Redis itself, where BullMQ parses it as a worker takes the job; the second as
      // BullMQ's stall check leaves a job that stalled too often (a failure deferred to the taker).
      await admin.hset(`bull:${queue}:${String(plain.id)}`, 'data', '{not json');
      await admin.hset(`bull:${queue}:${String(stalled.id)}`, 'data', '{not json', 'defa', 'job stalled more than allowable limit');
      const worker = startWorkerProcess({ queue, url: server.url, modules: MODULES, concurrency: 1, args: FAST_STALLS });
      workers.push(worker);
      await worker.ready;
      const states = async (): Promise<string[]> => Promise.all([plain, stalled].map((job) => raw.getJobState(String(job.id))));
      const deadline = Date.now() + 15_000;
      while ((await states()).some((state) => state !== 'failed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await states()).toEqual(['failed', 'failed']);
      const reasons = await Promise.all([plain, stalled].map((job) => admin.hget(`bull:${queue}:${String(job.id)}`, 'failedReason')));
      expect(reasons[0]).toMatch(/the job's data in Redis is not JSON/);
      expect(reasons[1]).toBe('job stalled more than allowable limit');
      // The worker goes on serving.
      // Read from the job: waitUntilFinished misses an event that comes before its QueueEvents' first read.
      const good = await raw.add('good', { ...data, args: [21, 1] });
      const goodBy = Date.now() + 20_000;
      while ((await raw.getJobState(String(good.id))) !== 'completed' && Date.now() < goodBy) await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await raw.getJob(String(good.id)))?.returnvalue).toMatchObject({ value: 42 });
    } finally {
      admin.disconnect();
      await raw.close();
    }
  }, 60_000);

  it('ends a run whose job hit the stall limit with data that is not JSON Crashed with JOB_STALLED, not waiting forever', async () => {
    const server = await startRedis();
    redis = server;
    const queue = queueName('not-json-run');
    const runner = new BullMQTaskRunner({ queue, connection: server.url, checkInterval: 500 });
    const raw = new Queue(queue, { connection: { url: server.url } });
    const admin = new Redis(server.url);
    try {
      const handle = flow({ name: 'not-json-run', taskRunner: runner }, () => work.submit(1, 1).result()).start();
      let waiting: string[] = [];
      const poll = setInterval(() => void raw.getWaiting().then((jobs) => (waiting = jobs.map((job) => String(job.id)))), 50);
      await until(() => waiting.length === 1, 'the job was added').finally(() => clearInterval(poll));
      await admin.hset(`bull:${queue}:${waiting[0] ?? ''}`, 'data', '{not json', 'defa', 'job stalled more than allowable limit');
      workers.push(startWorkerProcess({ queue, url: server.url, modules: MODULES, concurrency: 1, args: FAST_STALLS }));
      const error = await Promise.race([handle.result().catch((e: unknown) => e), sleep(15_000).then(() => 'still waiting after 15 s')]);
      expect(isSluiceError(error, 'JOB_STALLED'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/stalled more than allowable limit \(the job's data in Redis is not JSON\)/);
    } finally {
      admin.disconnect();
      await raw.close();
      await runner.destroy();
    }
  }, 30_000);
});

if (!hasRedis) {
  describe.skip(`BullMQ faults (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
