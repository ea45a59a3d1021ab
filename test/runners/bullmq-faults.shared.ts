/**
 * Fault-test bodies that hold on either store a BullMQ queue lives in (Redis or PostgreSQL): each
 * store's test file calls them from tests of the same name, with real `sluice worker` processes
 * and real signals. What only one store does (Redis restarting empty, PostgreSQL restarting on its
 * data) stays in that store's file.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { Queue } from 'bullmq';
import { expect } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow, isSluiceError, unmapped, type FlowEvent } from '../../src/index.js';
import { flowRunIdOf, type JobData } from '../../src/runners/bullmq/protocol.js';
import { add, newProbe } from '../conformance/tasks.js';
import { nap, napsStarted, work } from '../fixtures/bullmq-tasks.js';
import type { TestStore } from '../helpers/bullmq-store.js';
import { queueName, root, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';

/** The task modules of the workers these tests start. */
export const MODULES = ['test/fixtures/bullmq-tasks.ts'];
/** Short locks, so a dead worker's jobs are found stalled within seconds, not BullMQ's 30. */
export const FAST_STALLS = ['--lock-duration', '2000', '--stalled-interval', '1000'];

const exec = promisify(execFile);

/** Polls `condition` until it holds (or fails the test after `ms`). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts workers on the store (added to `workers`, which the caller ends), and waits until they are ready. */
async function startWorkers(store: TestStore, queue: string, workers: WorkerProcess[], count: number, concurrency: number, args: readonly string[] = []): Promise<WorkerProcess[]> {
  const started = Array.from({ length: count }, () => startWorkerProcess({ queue, url: store.url, modules: MODULES, concurrency, args }));
  workers.push(...started);
  await Promise.all(started.map((worker) => worker.ready));
  return started;
}

/** Three workers, two of them SIGKILLed mid-run: the flow still gets all 500 results, in input order. */
export async function killTwoOfThreeWorkers(store: TestStore, workers: WorkerProcess[]): Promise<void> {
  const queue = queueName('kill');
  const [first, second] = await startWorkers(store, queue, workers, 3, 4, FAST_STALLS);
  const runner = new BullMQTaskRunner({ queue, connection: store.url });
  // Jobs that were on a killed worker come back through BullMQ's stalled-job check.
  const events = store.events(queue);
  let stalled = 0;
  events.on('stalled', () => stalled++);
  try {
    await events.waitUntilReady();
    const inputs = Array.from({ length: 500 }, (_, i) => i);
    const handle = flow({ name: 'kill-workers', taskRunner: runner }, () => work.map(inputs, 20).result()).start();
    let completed = 0;
    handle.events$.subscribe((event: FlowEvent) => {
      if (event.type === 'run-state' && event.state.type === 'Completed') completed++;
    });
    await until(() => completed >= 100, '100 runs completed');
    first?.signal('SIGKILL');
    await until(() => completed >= 200, '200 runs completed');
    second?.signal('SIGKILL');
    const out = await handle.result();
    expect(out).toEqual(inputs.map((i) => i * 2));
    expect(await first?.exited).toBe('SIGKILL');
    expect(await second?.exited).toBe('SIGKILL');
    expect(stalled).toBeGreaterThan(0);
  } finally {
    await events.close();
  }
}

/** A SIGKILLed worker's job runs again on another worker within seconds, with the default lock and stall check. */
export async function rerunKilledWorkersJob(store: TestStore, workers: WorkerProcess[]): Promise<void> {
  const queue = queueName('recover');
  // No lock or stall options: the defaults must recover quickly (BullMQ's own took up to a minute).
  const [first] = await startWorkers(store, queue, workers, 1, 1);
  const runner = new BullMQTaskRunner({ queue, connection: store.url });
  const probe = newProbe();
  let recovery = 0;
  const out = await flow({ name: 'recover', taskRunner: runner }, async () => {
    const future = nap.submit(probe, 4000);
    await until(() => napsStarted(probe) === 1, 'the nap started');
    // Another worker is up before the kill, as in a deployment of several.
    await startWorkers(store, queue, workers, 1, 1);
    first?.signal('SIGKILL');
    const killedAt = Date.now();
    await until(() => napsStarted(probe) === 2, 'the nap started again');
    recovery = Date.now() - killedAt;
    return future.result();
  })();
  expect(out).toBe('slept');
  expect(napsStarted(probe)).toBe(2);
  // From the kill to the body's second start: the default lock (5 s) and one stall check (2 s) at
  // most; BullMQ's own defaults (30 s and 30 s) took up to a minute.
  expect(recovery).toBeLessThan(9_000);
}

/**
 * The store goes away for good mid-flow: the flow fails with a QueueConnectionError that names
 * the store, within 30 s, its stranded runs `Crashed`. Resolves with the flow's error.
 */
export async function storeGoneMidFlow(store: TestStore, workers: WorkerProcess[]): Promise<Error> {
  const queue = queueName('store-down');
  await startWorkers(store, queue, workers, 1, 2);
  // The default connectionTimeout (10 s).
  const runner = new BullMQTaskRunner({ queue, connection: store.url });
  let completed = 0;
  let crashed = 0;
  const handle = flow({ name: 'store-down', taskRunner: runner }, () => work.map(Array.from({ length: 200 }, (_, i) => i), 50).result()).start();
  handle.events$.subscribe((event: FlowEvent) => {
    if (event.type === 'run-state' && event.state.type === 'Completed') completed++;
    if (event.type === 'run-state' && event.state.type === 'Crashed' && isSluiceError(event.state.error, 'QUEUE_CONNECTION')) crashed++;
  });
  await until(() => completed >= 5, 'some runs completed');
  await store.stop(true);
  const stoppedAt = Date.now();
  const error = await handle.result().catch((e: unknown) => e);
  const took = Date.now() - stoppedAt;
  expect(isSluiceError(error, 'QUEUE_CONNECTION')).toBe(true);
  expect((error as Error).message).toMatch(new RegExp(`^queue "store-down-[^"]+": ${store.name} has been unreachable for \\d+\\.\\d s`));
  expect(took).toBeLessThan(30_000);
  expect(completed).toBeLessThan(200);
  // The store went away, not the bodies: the runs it stranded ended Crashed.
  expect(crashed).toBeGreaterThan(0);
  return error as Error;
}

/**
 * Jobs added by hand with BullMQ's own Queue whose data is not a sluice job, names a task the
 * worker does not know, or has bad arguments: each fails with a clear reason, and the worker
 * goes on serving (`runner`'s next flow). The worker runs `test/fixtures/bullmq-tasks.ts` and
 * `test/conformance/tasks.ts`.
 */
export async function failHandMadeBadJobs(store: TestStore, queue: string, worker: WorkerProcess, runner: BullMQTaskRunner): Promise<void> {
  const raw = store.queue(queue);
  // Why a job failed, once it did, read from the job: BullMQ's waitUntilFinished misses an event
  // that comes before its QueueEvents' first read, which a loaded machine makes likely.
  const reasonOf = async (id: string | undefined): Promise<string> => {
    const ended = async (): Promise<boolean> => ['completed', 'failed'].includes(await raw.getJobState(String(id)));
    await until(ended, `job ${String(id)} ended`, 20_000);
    return (await raw.getJob(String(id)))?.failedReason ?? 'completed';
  };
  try {
    const garbage = await raw.add('garbage', { hello: 'world' });
    // A payload can never make a worker import something: `module` is not part of a job.
    const unknown = await raw.add('unknown', { v: 1, task: 'rm_rf', module: 'file:///tmp/evil.js', args: [], encoded: false, runId: 'r', runName: 'r-1', attempt: 1 });
    const wrongArgs = await raw.add('wrong', { v: 1, task: 'next_day', args: ['not a date'], encoded: true, runId: 'r', runName: 'r-2', attempt: 1 });
    // An error argument that is V8 data (as only a thrown value comes back), not an Error: refused.
    const cloneArg = await raw.add('clone', { v: 1, task: 'describe_args', args: [{ kind: 'clone', base64: 'AAAA' }], errorArgs: [0], runId: 'r', runName: 'r-3', attempt: 1 });
    const reasons = await Promise.all([garbage, unknown, wrongArgs, cloneArg].map((job) => reasonOf(job.id)));
    expect(reasons[0]).toMatch(/^the job's data is not a sluice job \(protocol 1\): v: expected 1, got undefined/);
    expect(reasons[1]).toMatch(new RegExp(`^unknown task "rm_rf" on queue "${queue}"; this worker knows .*"next_day"`));
    expect(reasons[2]).toMatch(/^task "next_day": invalid arguments: /);
    expect(reasons[3]).toBe("the job's argument 0 should be an error as sluice sends one, and is not");
    // The same worker process serves the next flow.
    expect(await flow({ name: 'after-bad-jobs', taskRunner: runner }, () => add.submit(2, 2).result())()).toBe(4);
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toContain('failed: unknown task "rm_rf"');
  } finally {
    await raw.close();
  }
}

/** Starts test/fixtures/bullmq-orphan-flow.ts: a flow of 40 naps of 250 ms, in a process of its own. */
function orphanFlow(store: TestStore, queue: string, probeFile: string, lease: number): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-orphan-flow.ts', store.url, queue, probeFile, String(lease)], { cwd: root, stdio: 'ignore' });
}

/** A SIGKILLed flow process's queued jobs are skipped once its heartbeat lapses, not run for nobody. */
export async function skipDeadFlowsJobs(store: TestStore, workers: WorkerProcess[]): Promise<void> {
  const queue = queueName('orphans');
  const [worker] = await startWorkers(store, queue, workers, 1, 1);
  const probe = newProbe();
  const lease = 3000;
  const child = orphanFlow(store, queue, probe.file, lease);
  await until(() => napsStarted(probe) >= 2, 'two naps started', 30_000);
  child.kill('SIGKILL');
  const killedAt = Date.now();
  const jobs = store.queue(queue);
  try {
    // Every job leaves the queue: the rest are skipped, not run at 250 ms each (40 would take 10 s).
    await until(async () => (await jobs.getJobCountByTypes('waiting', 'active', 'delayed')) === 0, 'the queue emptied', 30_000);
    const started = napsStarted(probe);
    // Those that started before the heartbeat lapsed (a lease and a renewal at most), no more.
    expect(started).toBeLessThanOrEqual(2 + Math.ceil((lease + 1000) / 250) + 1);
    expect(Date.now() - killedAt).toBeLessThan(lease + 5000);
    const failed = await jobs.getFailed();
    expect(failed.length).toBe(40 - started);
    expect(failed[0]?.failedReason).toMatch(/the flow run .* is gone \(its heartbeat lapsed/);
    expect(worker?.output().match(/is gone \(its heartbeat lapsed/g)).toHaveLength(1);
  } finally {
    await jobs.close();
  }
}

/** A live flow's jobs are never skipped, however long they wait past the lease (it is renewed). */
export async function keepLiveFlowsJobs(store: TestStore, workers: WorkerProcess[]): Promise<void> {
  const queue = queueName('alive');
  const [worker] = await startWorkers(store, queue, workers, 1, 1);
  const probe = newProbe();
  const runner = new BullMQTaskRunner({ queue, connection: store.url, flowLease: 3000 });
  // 12 naps of 500 ms one at a time: the last waits 5.5 s, past its lease, renewed meanwhile.
  const out = await flow({ name: 'alive', taskRunner: runner, progress: false }, () => nap.map(unmapped(probe), Array.from({ length: 12 }, () => 500)).result())();
  expect(out).toEqual(Array.from({ length: 12 }, () => 'slept'));
  expect(napsStarted(probe)).toBe(12);
  expect(worker?.output()).not.toMatch(/is gone/);
}

/** Runs a flow of 40 jobs in a process of its own, with no worker, and kills it once they are queued. */
async function deadFlow(store: TestStore, queue: string, jobs: Queue, before: number): Promise<void> {
  const child = orphanFlow(store, queue, newProbe().file, 30_000);
  await until(async () => (await jobs.getWaitingCount()) === before + 40, 'its 40 jobs queued', 30_000);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** `sluice clean` on the store: one dead flow run's queued jobs, then the whole queue, with what sluice keeps beside it. */
export async function cleanDeadFlowThenQueue(store: TestStore): Promise<void> {
  const queue = queueName('clean');
  const jobs = store.queue(queue);
  const sluice = (...args: string[]): Promise<{ stdout: string }> =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'clean', '--queue', queue, store.name === 'Redis' ? '--redis' : '--postgres', store.url, ...args], { cwd: root });
  try {
    await deadFlow(store, queue, jobs, 0);
    await deadFlow(store, queue, jobs, 40);
    const waiting = await jobs.getWaiting(0, 79);
    const flowRuns = [...new Set(waiting.map((job) => flowRunIdOf(job.data as JobData)))];
    expect(flowRuns).toHaveLength(2);
    const [first, second] = flowRuns as [string, string];
    const one = await sluice('--flow-run', first);
    expect(one.stdout).toContain(`removed 40 job(s) of flow run ${first} from queue "${queue}"`);
    const left = await jobs.getWaiting(0, 79);
    expect(left.map((job) => flowRunIdOf(job.data as JobData))).toEqual(Array.from({ length: 40 }, () => second));
    const all = await sluice();
    expect(all.stdout).toContain(`queue "${queue}" removed, with the 40 job(s) it held`);
  } finally {
    await jobs.close();
  }
  // Closed first: BullMQ's Queue writes its own bookkeeping as it starts.
  expect(await store.leftovers(queue)).toEqual([]);
}
