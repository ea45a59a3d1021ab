/**
 * BullMQTaskRunner and `sluice worker`, beyond the conformance suite: what crosses as JSON, what
 * a worker refuses, hand-made jobs, cancellation of waiting and active jobs, graceful shutdown.
 * Real redis-server, real worker processes.
 */
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BullMQTaskRunner, startWorker, type SluiceWorker } from '../../src/bullmq.js';
import * as t from 'io-ts';
import { flow, getRunContext, isSluiceError, task, type TaskFuture } from '../../src/index.js';
import { add, newProbe, removeProbes } from '../conformance/tasks.js';
import { nowhere } from '../fixtures/bullmq-elsewhere.js';
import { badValue, describeArgs, nap, napsStarted, nextDay, nextDayZod, noValue, seeDate, untilAborted, work } from '../fixtures/bullmq-tasks.js';
import { startRedisStore, type TestStore } from '../helpers/bullmq-store.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';
import { failHandMadeBadJobs } from './bullmq-faults.shared.js';

const MODULES = ['test/fixtures/bullmq-tasks.ts', 'test/conformance/tasks.ts'];

async function failure(future: TaskFuture<unknown>): Promise<unknown> {
  return future.result().then(
    () => {
      throw new Error(`expected run "${future.name}" to fail`);
    },
    (error: unknown) => error,
  );
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A hand-added job's value, once it completed, read from the job: BullMQ's waitUntilFinished
 * misses an event that comes before its QueueEvents' first read, which a loaded machine makes
 * likely.
 */
async function valueOf(probe: Queue, id: string | undefined): Promise<unknown> {
  await until(async () => ['completed', 'failed'].includes(await probe.getJobState(String(id))), `job ${String(id)} ended`);
  const job = await probe.getJob(String(id));
  if (job?.failedReason !== undefined && job.failedReason !== '') throw new Error(`job ${String(id)} failed: ${job.failedReason}`);
  return (job?.returnvalue as { value: unknown } | undefined)?.value;
}

describe.skipIf(!hasRedis)('BullMQTaskRunner with sluice worker processes', () => {
  let redis: TestStore;
  const workers: WorkerProcess[] = [];
  const queue = queueName('bullmq');
  let runner: BullMQTaskRunner;

  const inFlow = <T>(body: () => Promise<T>, taskRunner: BullMQTaskRunner = runner): Promise<T> =>
    flow({ name: 'bullmq-test', taskRunner }, body)() as Promise<T>;

  beforeAll(async () => {
    redis = await startRedisStore();
    workers.push(startWorkerProcess({ queue, url: redis.url, modules: MODULES, concurrency: 4 }));
    await workers[0]?.ready;
    runner = new BullMQTaskRunner({ queue, connection: redis.url, keepAlive: true });
  }, 60_000);

  afterAll(async () => {
    await runner.destroy();
    await killWorkers(workers);
    await redis.stop();
    removeProbes();
  });

  it('carries a Date through the task codecs, both ways', async () => {
    const out = await inFlow(() => nextDay.submit(new Date('2026-11-25T12:00:00.000Z')).result());
    expect(out).toBeInstanceOf(Date);
    expect(out.toISOString()).toBe('2026-11-26T12:00:00.000Z');
  });

  it('runs a copy renamed by with({ name }): its job names the task it was defined as', async () => {
    const out = await inFlow(() => work.with({ name: 'work_renamed' }).submit(3, 0).result());
    expect(out).toBe(6);
  });

  it('carries a Date through zod schemas as JSON, made a Date again by z.coerce.date() on arrival, both ways', async () => {
    const out = await inFlow(async () => ({
      seen: await seeDate.submit(new Date('2026-11-25T12:00:00.000Z')).result(),
      next: await nextDayZod.submit(new Date('2026-11-25T12:00:00.000Z')).result(),
    }));
    expect(out.seen).toEqual({ isDate: true, iso: '2026-11-25T12:00:00.000Z' });
    expect(out.next).toBeInstanceOf(Date);
    expect(out.next.toISOString()).toBe('2026-11-26T12:00:00.000Z');
  });

  it("a job added by hand whose arguments do not fit the task's schema fails in the worker, naming the path", async () => {
    const probe = new Queue(queue, { connection: { url: redis.url } });
    try {
      const job = await probe.add('see_date', { v: 1, task: 'see_date', attempt: 1, args: ['not a date'], runId: 'by-hand' });
      await until(async () => (await probe.getJobState(String(job.id))) === 'failed', 'the job failed');
      const reason = (await probe.getJob(String(job.id)))?.failedReason;
      expect(reason).toContain('task "see_date": invalid arguments: argument 0: Invalid date');
    } finally {
      await probe.close();
    }
  });

  it('keeps undefined arguments undefined (JSON has none), and a void value', async () => {
    const out = await inFlow(async () => ({
      args: await describeArgs.submit(1, undefined, null, 'x').result(),
      none: await noValue.submit().result(),
    }));
    expect(out).toEqual({ args: { count: 4, undefinedAt: [1], types: ['number', 'undefined', 'null', 'string'] }, none: undefined });
  });

  it('refuses an argument JSON would change before adding a job, naming the task and the argument', async () => {
    const probe = new Queue(queue, { connection: { url: redis.url } });
    try {
      const before = await probe.count();
      const errors = await inFlow(async () =>
        Promise.all([
          failure(describeArgs.submit(1, () => 'a function')),
          failure(describeArgs.submit({ when: new Date() })),
          failure(describeArgs.submit([1, Number.NaN])),
        ]),
      );
      expect(errors.map((error) => (isSluiceError(error) ? [error.code, (error as unknown as { argumentIndex: unknown }).argumentIndex] : error))).toEqual([
        ['NOT_SERIALIZABLE', 1],
        ['NOT_SERIALIZABLE', 0],
        ['NOT_SERIALIZABLE', 0],
      ]);
      expect((errors[0] as Error).message).toMatch(/^task "describe_args": argument 1 cannot be sent to a worker: it is a function/);
      expect((errors[1] as Error).message).toContain('argument 0.when cannot be sent to a worker: it is a Date');
      expect((errors[2] as Error).message).toContain('argument 0[1] cannot be sent to a worker: it is NaN');
      expect(await probe.count()).toBe(before);
    } finally {
      await probe.close();
    }
  });

  it("fails a body's value that JSON cannot carry, with the task's name", async () => {
    const error = await inFlow(() => failure(badValue.submit()));
    expect(isSluiceError(error, 'NOT_SERIALIZABLE')).toBe(true);
    expect((error as Error).message).toMatch(/^task "bad_value": the value its body returned cannot cross back from the worker: it is a Map/);
  });

  it('fails a task the workers do not know, saying which queue and what they know', async () => {
    const error = await inFlow(() => failure(nowhere.submit(1)));
    expect(isSluiceError(error, 'UNKNOWN_TASK')).toBe(true);
    expect((error as Error).message).toMatch(/^unknown task "nowhere" on queue "bullmq-[^"]+": .*it knows .*"next_day"/);
    expect(error).toMatchObject({ taskName: 'nowhere', queue, retryable: false });
  });

  it('fails malformed and unknown-task jobs added by hand with clear reasons, and goes on serving', async () => {
    const worker = workers[0];
    if (worker === undefined) throw new Error('no worker');
    await failHandMadeBadJobs(redis, queue, worker, runner);
  });

  it('removes a cancelled run’s waiting job, and aborts an active one so the worker takes the next', async () => {
    const single = queueName('cancel');
    const worker = startWorkerProcess({ queue: single, url: redis.url, modules: MODULES, concurrency: 1 });
    workers.push(worker);
    await worker.ready;
    const own = new BullMQTaskRunner({ queue: single, connection: redis.url });
    const raw = new Queue(single, { connection: { url: redis.url } });
    try {
      const probe = newProbe();
      const out = await inFlow(async () => {
        const active = nap.submit(probe, 60_000);
        await until(() => napsStarted(probe) === 1, 'the first nap started');
        const waiting = nap.submit(probe, 60_000);
        await until(async () => (await raw.getWaitingCount()) === 1, 'the second job waits');
        waiting.cancel('not needed');
        await until(async () => (await raw.getWaitingCount()) === 0, 'the waiting job is removed');
        active.cancel('not needed either');
        // With concurrency 1, this runs only once the active job was let go.
        const next = await work.submit(21, 1).result();
        return { next, states: [active.state.name, waiting.state.name], started: napsStarted(probe) };
      }, own);
      expect(out).toEqual({ next: 42, states: ['Cancelled', 'Cancelled'], started: 1 });
      expect(worker.output()).toMatch(/failed: .*cancelled by its flow/);
    } finally {
      await raw.close();
      await killWorkers([worker]);
    }
  });

  it("aborts an active body's getRunContext().signal when its run is cancelled", async () => {
    const probe = newProbe();
    const aborted = (): boolean => readFileSync(probe.file, 'latin1').includes('a');
    const out = await inFlow(async () => {
      const running = untilAborted.submit(probe);
      await until(() => napsStarted(probe) === 1, 'the body started');
      running.cancel('stop it');
      await until(aborted, "the body's signal aborted");
      return running.state.name;
    });
    expect(out).toBe('Cancelled');
  });

  it('finishes its active job on SIGTERM, then exits', async () => {
    const single = queueName('sigterm');
    const worker = startWorkerProcess({ queue: single, url: redis.url, modules: MODULES, concurrency: 2 });
    workers.push(worker);
    await worker.ready;
    const own = new BullMQTaskRunner({ queue: single, connection: redis.url });
    const probe = newProbe();
    const out = await inFlow(async () => {
      const running = nap.submit(probe, 500);
      await until(() => napsStarted(probe) === 1, 'the nap started');
      worker.signal('SIGTERM');
      return running.result();
    }, own);
    expect(out).toBe('slept');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toMatch(/SIGTERM: finishing 1 active job\(s\)[\s\S]*stopped/);
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new BullMQTaskRunner({ queue: '' })).toThrow(/`queue` must be a non-empty string without ':'/);
    expect(() => new BullMQTaskRunner({ queue: 'a:b' })).toThrow(/without ':'/);
    expect(() => new BullMQTaskRunner({ queue: 'q', connection: 'http://x' })).toThrow(/redis:\/\/, rediss:\/\/ or postgres:\/\/ URL/);
    expect(() => new BullMQTaskRunner({ queue: 'q', connection: { keyPrefix: 'x' } })).toThrow(/use the `prefix` option/);
    expect(() => new BullMQTaskRunner({ queue: 'q', bulkSize: 0 })).toThrow(/`bulkSize` must be an integer from 1/);
    expect(() => new BullMQTaskRunner({ queue: 'q', maxConcurrency: 0 })).toThrow(/maxConcurrency/);
  });

  it('refuses to start a worker with no tasks, or two tasks of one name', async () => {
    const error = await startWorker({ queue: 'q', connection: redis.url }).catch((e: unknown) => e);
    expect(isSluiceError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/no tasks to run/);
    const { task } = await import('../../src/index.js');
    const twin = task({ name: 'add' }, (x: number) => x);
    const clash = await startWorker({ queue: 'q', connection: redis.url, modules: ['test/conformance/tasks.ts'], tasks: [twin] }).catch((e: unknown) => e);
    expect((clash as Error).message).toMatch(/two different tasks are named "add"/);
  });

  it('fails runs whose jobs a worker that is not sluice worker completed or failed, with what it found', async () => {
    const foreign = queueName('foreign');
    // A plain BullMQ worker on the queue: it completes 'add' jobs with a value of its own and fails the rest.
    const impostor = new Worker(
      foreign,
      // eslint-disable-next-line @typescript-eslint/require-await
      async (job) => {
        if ((job.data as { task?: unknown }).task === 'add') return 'not a sluice result';
        throw new Error('this worker runs no sluice tasks');
      },
      { connection: { url: redis.url } },
    );
    try {
      // Such a worker publishes no outcomes: the runner finds them by looking the jobs up.
      const own = new BullMQTaskRunner({ queue: foreign, connection: redis.url, checkInterval: 300 });
      const [completed, failed] = await inFlow(() => Promise.all([failure(add.submit(1, 2)), failure(work.submit(1, 1))]), own);
      expect(completed).toMatchObject({ code: 'JOB_PAYLOAD', retryable: false });
      expect((completed as Error).message).toMatch(/^task "add": job \S+ completed with a value that is not a sluice result \(was it run by `sluice worker`\?\)/);
      expect(failed).toMatchObject({ code: 'JOB_FAILED', taskName: 'work' });
      expect((failed as Error).message).toMatch(/^task run "work-\d+" \(task "work", job [^)]+\) failed in BullMQ: this worker runs no sluice tasks$/);
    } finally {
      await impostor.close();
    }
  });

  it("names a body's run from the job: its data's names, else the job's name and what its run id says", async () => {
    const probe = new Queue(queue, { connection: { url: redis.url } });
    try {
      const run = async (name: string, data: Record<string, unknown>): Promise<unknown> => {
        const job = await probe.add(name, { v: 1, task: 'who_am_i', attempt: 1, flowName: 'by hand', ...data });
        return valueOf(probe, job.id);
      };
      await expect(run('ignored', { args: ['a'], runId: 'r-1', runName: 'named-in-data', flowRunId: 'f-1' })).resolves.toMatchObject({
        label: 'a',
        runName: 'named-in-data',
        runId: 'r-1',
        flowRunId: 'f-1',
        flowName: 'by hand',
      });
      // What a runner sends: the run's name as the job's, the flow run id implied by the run id.
      await expect(run('who-b', { args: ['b'], runId: 'f-2.1c' })).resolves.toMatchObject({ label: 'b', runName: 'who-b', runId: 'f-2.1c', flowRunId: 'f-2' });
    } finally {
      await probe.close();
    }
  });

  it('gives getRunContext() to a body whose job has no flow name and no flow run id (added by raw BullMQ)', async () => {
    const probe = new Queue(queue, { connection: { url: redis.url } });
    try {
      const job = await probe.add('raw-job', { v: 1, task: 'who_am_i', attempt: 1, args: ['raw'], runId: 'no-flow' });
      expect(await valueOf(probe, job.id)).toMatchObject({ label: 'raw', runName: 'raw-job', runId: 'no-flow', taskName: 'who_am_i', attempt: 1, flowName: '', flowRunId: '' });
    } finally {
      await probe.close();
    }
  });

  it('gets outcomes whose events it missed by looking the jobs up (bullmq#85)', async () => {
    // This process's QueueEvents hears no outcome event at all.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its own `this`
    const emit = QueueEvents.prototype.emit;
    const spy = vi.spyOn(QueueEvents.prototype, 'emit').mockImplementation(function (this: QueueEvents, event: string | symbol, ...args: unknown[]) {
      if (event === 'sluice:outcomes') return false;
      return (emit as (this: QueueEvents, ...all: unknown[]) => boolean).call(this, event, ...args);
    });
    try {
      const deaf = new BullMQTaskRunner({ queue, connection: redis.url, checkInterval: 1 });
      const out = await inFlow(async () => ({
        values: await work.map([1, 2, 3, 4, 5, 6], 300).result(),
        error: await failure(nowhere.submit(1)),
      }), deaf);
      expect(out.values).toEqual([2, 4, 6, 8, 10, 12]);
      expect(out.error).toMatchObject({ code: 'UNKNOWN_TASK' });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('hears outcomes from the workers, a few batched events for many jobs, and failures as soon as BullMQ records them', async () => {
    const local = queueName('outcomes');
    const worker = await startWorker({ queue: local, connection: redis.url, tasks: [add], concurrency: 50, log: () => undefined });
    // With look-ups an hour apart, every outcome below must come as an event.
    const patient = new BullMQTaskRunner({ queue: local, connection: redis.url, checkInterval: 3_600_000 });
    let outcomeEvents = 0;
    let jobEvents = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its own `this`
    const emit = QueueEvents.prototype.emit;
    const spy = vi.spyOn(QueueEvents.prototype, 'emit').mockImplementation(function (this: QueueEvents, event: string | symbol, ...args: unknown[]) {
      if (event === 'sluice:outcomes') outcomeEvents++;
      if (event === 'completed') jobEvents++;
      return (emit as (this: QueueEvents, ...all: unknown[]) => boolean).call(this, event, ...args);
    });
    try {
      const inputs = Array.from({ length: 300 }, (_, i) => i);
      const out = await inFlow(async () => ({ values: await add.map(inputs, 1).result(), error: await failure(nowhere.submit(1)) }), patient);
      expect(out.values).toEqual(inputs.map((i) => i + 1));
      expect(out.error).toMatchObject({ code: 'UNKNOWN_TASK' });
      // 301 jobs: far fewer events, and none of the job queue's own is read here.
      expect(outcomeEvents).toBeGreaterThan(0);
      expect(outcomeEvents).toBeLessThan(100);
      expect(jobEvents).toBe(0);
    } finally {
      spy.mockRestore();
      await Promise.all([patient.destroy(), worker.close()]);
    }
  });

  it("gives a body on an in-process worker its own run, though the worker was started in another run's body", async () => {
    const local = queueName('scope');
    const whoAmI = task('who_am_i', () => {
      const { runName, flowRun } = getRunContext();
      return { runName, flowName: flowRun.name };
    });
    let worker: SluiceWorker | undefined;
    // The worker's loop, and every job it runs, descends from this body's async context.
    const starter = task('start_worker', async () => {
      worker = await startWorker({ queue: local, connection: redis.url, tasks: [whoAmI], log: () => undefined });
    });
    try {
      await flow({ name: 'host' }, () => starter())();
      const own = new BullMQTaskRunner({ queue: local, connection: redis.url });
      const seen = await inFlow(() => whoAmI.submit().result(), own);
      expect(seen).toEqual({ runName: expect.stringMatching(/^who_am_i-\d+$/) as unknown, flowName: 'bullmq-test' });
    } finally {
      await worker?.close();
    }
  });

  it('still runs an attempt as an Observable through execute, for code that drives a runner itself', async () => {
    const call = (args: unknown[]) => ({
      task: { name: 'add', module: undefined, params: undefined, returns: undefined },
      args,
      runId: 'by-hand.1',
      runName: 'add-by-hand',
      attempt: 1,
      flowRunId: 'by-hand',
      flowName: 'by hand',
      parentRunId: undefined,
    });
    await expect(firstValueFrom(runner.execute(call([20, 22])))).resolves.toBe(42);
    await expect(firstValueFrom(runner.execute(call([1, () => 2])))).rejects.toMatchObject({ code: 'NOT_SERIALIZABLE', taskName: 'add' });
    // Unsubscribed before its job is added: no job is (finished jobs are kept, so one would count).
    const probe = new Queue(queue, { connection: { url: redis.url } });
    const jobs = async (): Promise<number> => Object.values(await probe.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).reduce((a, b) => a + b, 0);
    try {
      const before = await jobs();
      runner.execute(call([1, 1])).subscribe().unsubscribe();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await jobs()).toBe(before);
      expect(runner.pendingJobs).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('keeps finished jobs as long as the worker says, unless the runner says otherwise', async () => {
    const local = queueName('keep');
    const worker = await startWorker({ queue: local, connection: redis.url, tasks: [add], concurrency: 4, removeOnComplete: 2, log: () => undefined });
    const probe = new Queue(local, { connection: { url: redis.url } });
    const five = [1, 2, 3, 4, 5];
    try {
      // A flow hears a value as BullMQ starts recording it: wait for the records to settle.
      const settled = async (count: number): Promise<void> => {
        await until(async () => (await probe.getCompletedCount()) === count, `${count} completed jobs are kept`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await probe.getCompletedCount()).toBe(count);
      };
      await inFlow(() => add.map(five, 1).result(), new BullMQTaskRunner({ queue: local, connection: redis.url }));
      await settled(2);
      // The runner's own retention rides on its jobs, and wins.
      await inFlow(() => add.map(five, 1).result(), new BullMQTaskRunner({ queue: local, connection: redis.url, removeOnComplete: false }));
      await settled(7);
    } finally {
      await Promise.all([worker.close(), probe.close()]);
    }
    // `sluice worker --keep-completed 0`: gone as soon as they complete; the flow still gets every value.
    const other = queueName('keep-cli');
    const process = startWorkerProcess({ queue: other, url: redis.url, modules: MODULES, args: ['--keep-completed', '0'] });
    const otherProbe = new Queue(other, { connection: { url: redis.url } });
    try {
      await process.ready;
      await expect(inFlow(() => add.map(five, 1).result(), new BullMQTaskRunner({ queue: other, connection: redis.url }))).resolves.toEqual([2, 3, 4, 5, 6]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await otherProbe.getJobCounts('completed', 'active', 'waiting')).toEqual({ completed: 0, active: 0, waiting: 0 });
      // A retention too short for a flow to read a missed outcome back is said at start, once.
      expect(process.output().match(/warning: the retention of completed jobs keeps jobs for 0 s only/g)).toHaveLength(1);
      expect(process.output()).toMatch(/`--keep-completed 60`/);
      expect(process.output()).not.toMatch(/retention of failed jobs/);
    } finally {
      await Promise.all([killWorkers([process]), otherProbe.close()]);
    }
    await expect(startWorker({ queue: local, connection: redis.url, tasks: [add], removeOnFail: { age: -1 } })).rejects.toThrow(
      'sluice worker: `removeOnFail` must be a boolean, a count, or { age (seconds), count }, got {"age":-1}',
    );
  });

  it('adds the runs that get a slot together with addBulk, in chunks of bulkSize', async () => {
    const local = queueName('bulk');
    const sizes: number[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its own `this`
    const addBulkOriginal = Queue.prototype.addBulk;
    const spy = vi.spyOn(Queue.prototype, 'addBulk').mockImplementation(function (this: Queue, jobs) {
      sizes.push(jobs.length);
      return addBulkOriginal.call(this, jobs);
    });
    let worker: SluiceWorker | undefined;
    try {
      worker = await startWorker({ queue: local, connection: redis.url, tasks: [add], concurrency: 50, log: () => undefined });
      const own = new BullMQTaskRunner({ queue: local, connection: redis.url, bulkSize: 1000 });
      const inputs = Array.from({ length: 2500 }, (_, i) => i);
      const out = await inFlow(() => add.map(inputs, 1).result(), own);
      expect(out).toEqual(inputs.map((i) => i + 1));
      expect(sizes).toEqual([1000, 1000, 500]);
      sizes.length = 0;
      const limited = new BullMQTaskRunner({ queue: local, connection: redis.url, maxConcurrency: 8 });
      await inFlow(() => add.map(inputs.slice(0, 100), 1).result(), limited);
      expect(sizes.length).toBeGreaterThan(0);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    } finally {
      spy.mockRestore();
      await worker?.close();
    }
  });

  it('fails a job whose returns codec throws while encoding, and serves the next job', async () => {
    const local = queueName('encode');
    const unencodable = new t.Type<number, number, unknown>(
      'Unencodable',
      (u): u is number => typeof u === 'number',
      (u, c) => (typeof u === 'number' ? t.success(u) : t.failure(u, c)),
      () => {
        throw new Error('cannot encode this number');
      },
    );
    const stubborn = task({ name: 'stubborn', returns: unencodable }, async (x: number) => {
      await Promise.resolve();
      return x;
    });
    let worker: SluiceWorker | undefined;
    try {
      worker = await startWorker({ queue: local, connection: redis.url, tasks: [stubborn, add], concurrency: 2, log: () => undefined });
      const own = new BullMQTaskRunner({ queue: local, connection: redis.url });
      const out = await inFlow(async () => {
        const failed = stubborn.submit(1);
        const error = await failed.result().catch((e: unknown) => e);
        return { error: (error as Error).message, next: await add.submit(2, 3).result() };
      }, own);
      expect(out.error).toContain('cannot encode this number');
      expect(out.next).toBe(5);
      expect(worker.active).toBe(0);
    } finally {
      await worker?.close();
    }
  });

  it("fails a job whose params codec throws while decoding the job's arguments, and serves the next job", async () => {
    const local = queueName('decode');
    // Fine for the flow (a Date is what it checks), throws on what crossed (a string).
    const unreadable = new t.Type<[Date], [string], unknown>(
      'Unreadable',
      (u): u is [Date] => Array.isArray(u) && u[0] instanceof Date,
      (u) => {
        if (Array.isArray(u) && u[0] instanceof Date) return t.success(u as [Date]);
        throw new Error('cannot read these arguments');
      },
      ([d]) => [d.toISOString()],
    );
    const when = task({ name: 'when', params: unreadable }, (d: Date) => d.getTime());
    let worker: SluiceWorker | undefined;
    try {
      worker = await startWorker({ queue: local, connection: redis.url, tasks: [when, add], concurrency: 2, log: () => undefined });
      const own = new BullMQTaskRunner({ queue: local, connection: redis.url });
      const out = await inFlow(async () => {
        const error = await when.submit(new Date(0)).result().catch((e: unknown) => e);
        return { error: { name: (error as Error).name, message: (error as Error).message }, next: await add.submit(2, 3).result() };
      }, own);
      // What the codec threw comes back as itself, as any body's error does.
      expect(out.error).toEqual({ name: 'Error', message: 'cannot read these arguments' });
      expect(out.next).toBe(5);
    } finally {
      await worker?.close();
    }
  });

  it('runs tasks on an in-process worker started with startWorker', async () => {
    const local = queueName('local');
    let worker: SluiceWorker | undefined;
    try {
      worker = await startWorker({ queue: local, connection: redis.url, tasks: [work, add], concurrency: 8, log: () => undefined });
      expect(worker.tasks).toEqual(['work', 'add']);
      const own = new BullMQTaskRunner({ queue: local, connection: redis.url });
      const out = await inFlow(() => work.map([1, 2, 3, 4, 5], 5).result(), own);
      expect(out).toEqual([2, 4, 6, 8, 10]);
    } finally {
      await worker?.close();
    }
  });
});

if (!hasRedis) {
  describe.skip(`BullMQTaskRunner (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
