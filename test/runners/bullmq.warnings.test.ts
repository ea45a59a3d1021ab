/**
 * A BullMQ runner that cannot do its work fully says so, and does not depend on the flow machine's
 * clock: a Redis ACL that refuses commands, a flow process whose clock is ahead of Redis', a queue
 * with no worker. Real redis-server, real `sluice worker` processes, flows in child processes where
 * their exit or their clock matters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow, type Logger, type TaskFuture } from '../../src/index.js';
import { add, newProbe, removeProbes } from '../conformance/tasks.js';
import { nap, napsStarted, untilAborted, work } from '../fixtures/bullmq-tasks.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

const MODULES = ['test/fixtures/bullmq-tasks.ts', 'test/conformance/tasks.ts'];
/** Short locks, so a dead worker's job is found stalled within seconds. */
const FAST_STALLS = ['--lock-duration', '2000', '--stalled-interval', '1000'];
/** Look-ups an hour apart: what arrives within a test came as an event. */
const NO_LOOK_UPS = 3_600_000;
const PASSWORD = 'acl-password';

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A flow logger that keeps what it is told to warn. */
function warningsLogger(): { readonly logger: Logger; readonly warnings: string[] } {
  const warnings: string[] = [];
  // A logger without `child` gets the run's fields first, then the line.
  const keep = (...args: unknown[]): void => {
    const line = args.find((arg): arg is string => typeof arg === 'string');
    if (line !== undefined) warnings.push(line);
  };
  return { warnings, logger: { info: () => undefined, debug: () => undefined, warn: keep, error: keep } };
}

function count(lines: readonly string[], pattern: RegExp): number {
  return lines.filter((line) => pattern.test(line)).length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The ACL user docs/runners.md documents, for `queue`: the `ACL SETUSER` line's rules. */
function documentedAcl(queue: string): { readonly user: string; readonly rules: string[] } {
  const docs = readFileSync(path.join(root, 'docs/runners.md'), 'utf8');
  const line = /^ACL SETUSER (\S+) (.+)$/m.exec(docs);
  if (line?.[1] === undefined || line[2] === undefined) throw new Error('docs/runners.md has no ACL SETUSER line');
  const rules = line[2].split(/\s+/).map((rule) => (rule === '>password' ? `>${PASSWORD}` : rule.replaceAll('<queue>', queue)));
  return { user: line[1], rules };
}

/** The children a failed test leaves running. */
const children = new Set<ChildProcess>();

interface FlowProcess {
  /** Resolves with the line the flow printed for its outcome (or what it printed, if none). */
  readonly outcome: Promise<string>;
  /** Resolves with how long after its outcome it exited, or `undefined` if it had to be killed. */
  readonly exitedAfter: Promise<number | undefined>;
  output(): string;
}

/** Runs test/fixtures/bullmq-warnings-flow.ts in a process of its own, killed after `killAfterMs`. */
function runFlow(mode: 'clock' | 'no-worker', url: string, queue: string, killAfterMs: number, preload: readonly string[] = []): FlowProcess {
  const args = ['--import', 'tsx', ...preload.flatMap((file) => ['--import', file]), 'test/fixtures/bullmq-warnings-flow.ts', mode, url, queue];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  let output = '';
  let outcomeAt = 0;
  let onOutcome: (line: string) => void = () => undefined;
  const outcome = new Promise<string>((resolve) => (onOutcome = resolve));
  const listen = (chunk: Buffer): void => {
    output += chunk.toString();
    const line = /^outcome: .*$/m.exec(output)?.[0];
    if (line !== undefined && outcomeAt === 0) {
      outcomeAt = Date.now();
      onOutcome(line);
    }
  };
  child.stdout.on('data', listen);
  child.stderr.on('data', listen);
  const exitedAfter = new Promise<number | undefined>((resolve) => {
    child.once('exit', (_code, signal) => {
      clearTimeout(killer);
      onOutcome(`(no outcome)\n${output}`);
      resolve(signal === 'SIGKILL' || outcomeAt === 0 ? undefined : Date.now() - outcomeAt);
    });
  });
  return { outcome, exitedAfter, output: () => output };
}

describe.skipIf(!hasRedis)('a BullMQ runner that cannot do its work fully says so', () => {
  let redis: RedisServer;
  let admin: Redis;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  }, 30_000);

  afterEach(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
    await killWorkers(workers);
    workers = [];
    removeProbes();
  });

  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  /** A worker process for `queue`, ready. */
  async function worker(queue: string, url: string = redis.url, args: readonly string[] = [], concurrency = 4): Promise<WorkerProcess> {
    const started = startWorkerProcess({ queue, url, modules: MODULES, concurrency, args });
    workers.push(started);
    await started.ready;
    return started;
  }

  /** A user of `rules` on this Redis, and its URL. */
  async function user(name: string, rules: readonly string[]): Promise<string> {
    await admin.call('ACL', 'SETUSER', name, 'reset', ...rules);
    return `redis://${name}:${PASSWORD}@127.0.0.1:${redis.port}`;
  }

  it('runs a flow with outcomes as events, cancels, a killed worker and retention under exactly the ACL the docs give, and Redis refuses nothing', async () => {
    const queue = queueName('acl');
    const { user: name, rules } = documentedAcl(queue);
    const url = await user(name, rules);
    await admin.call('ACL', 'LOG', 'RESET');
    const first = await worker(queue, url, [...FAST_STALLS, '--keep-completed', '1'], 2);
    const { logger, warnings } = warningsLogger();
    const runner = new BullMQTaskRunner({ queue, connection: url, checkInterval: NO_LOOK_UPS });
    const probe = newProbe();
    const out = await flow({ name: 'acl-documented', taskRunner: runner, logger }, async () => {
      const values = await add.map([1, 2, 3, 4, 5], 10).result();
      // A cancel reaches the active body.
      const running = untilAborted.submit(probe);
      await until(() => napsStarted(probe) === 1, 'the body started');
      running.cancel();
      await until(() => readFileSync(probe.file, 'utf8').includes('a'), 'the body saw its cancel');
      // A killed worker's job runs again on another.
      const long = nap.submit(probe, 1500);
      await until(() => napsStarted(probe) === 2, 'the nap started');
      first.signal('SIGKILL');
      await worker(queue, url, [...FAST_STALLS, '--keep-completed', '1'], 2);
      const slept = await long.result();
      // Past the retention of a second, the next completion removes the finished jobs.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      return { values, slept, last: await work.submit(1, 1).result() };
    })();
    expect(out).toEqual({ values: [11, 12, 13, 14, 15], slept: 'slept', last: 2 });
    expect(napsStarted(probe)).toBe(3);
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
    expect(warnings).toEqual([]);
    for (const each of workers) expect(each.output()).not.toMatch(/refused/);
    // Retention ran: the jobs of the first five runs are gone.
    const jobs = new Queue(queue, { connection: { url: redis.url } });
    try {
      expect(await jobs.getCompletedCount()).toBeLessThan(5);
    } finally {
      await jobs.close();
    }
    // And the user reaches no other queue.
    const other = new Queue(queueName('other'), { connection: { url } });
    try {
      await expect(other.add('x', {})).rejects.toThrow(/NOPERM/);
    } finally {
      await other.close();
    }
  }, 60_000);

  it("says once on each side which command, key and permission Redis refused, when the ACL leaves out sluice's streams", async () => {
    const queue = queueName('acl-short');
    const url = await user('short', ['on', `>${PASSWORD}`, `~bull:${queue}:*`, '+@all']);
    const station = await worker(queue, url);
    const { logger, warnings } = warningsLogger();
    const runner = new BullMQTaskRunner({ queue, connection: url, checkInterval: 300 });
    const probe = newProbe();
    const out = await flow({ name: 'acl-short', taskRunner: runner, logger }, async () => {
      // Two rounds of outcomes, each published (and refused) on its own.
      const first = await add.map([1, 2, 3], 10).result();
      const second = await add.map([4, 5, 6], 10).result();
      // Two cancels, each published (and refused) on its own.
      const running: TaskFuture<string>[] = [untilAborted.submit(probe), untilAborted.submit(probe)];
      await until(() => napsStarted(probe) === 2, 'both bodies started');
      for (const future of running) future.cancel();
      const ends = await Promise.all(running.map((future) => future.result().then(() => 'value', (error: unknown) => (error as Error).name)));
      return { first, second, ends };
    })();
    expect(out).toEqual({ first: [11, 12, 13], second: [14, 15, 16], ends: ['CancelledError', 'CancelledError'] });
    const outcomes = `bull:${queue}.sluice-outcomes:events`;
    const control = `bull:${queue}.sluice-control:events`;
    const refused = (command: string, key: string): RegExp => new RegExp(`Redis refused ${command} on key "${escape(key)}": NOPERM [^.]*permissions`);
    // The flow: its logger, once for each key.
    expect(warnings.filter((line) => line.startsWith('QUEUE_COMMAND_REFUSED: ')), warnings.join('\n')).toHaveLength(2);
    expect(count(warnings, refused('XREVRANGE', outcomes))).toBe(1);
    expect(count(warnings, refused('XADD', control))).toBe(1);
    expect(warnings.join('\n')).toMatch(new RegExp(`~bull:${escape(queue)}\\.sluice-outcomes:\\*`));
    // The worker: its log, once for each key, though it published six outcomes.
    const lines = station.output().split('\n');
    expect(count(lines, refused('XADD', outcomes)), station.output()).toBe(1);
    expect(count(lines, refused('XREAD', control)), station.output()).toBe(1);
    expect(count(lines, /refused/)).toBe(2);
  }, 60_000);

  it("hears its outcomes as events though the flow process's clock is 10 s ahead of Redis'", async () => {
    const queue = queueName('clock');
    await worker(queue);
    const started = Date.now();
    const flowProcess = runFlow('clock', redis.url, queue, 30_000, ['./test/fixtures/clock-ahead.ts']);
    const outcome = await flowProcess.outcome;
    expect(outcome, flowProcess.output()).toBe(`outcome: value ${JSON.stringify(Array.from({ length: 50 }, (_, i) => i + 1))}`);
    const ahead = Number(/^ahead: (-?\d+)$/m.exec(flowProcess.output())?.[1]);
    expect(ahead).toBeGreaterThan(9000);
    // Look-ups are an hour apart: only events could end it, well before the 30 s kill.
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 40_000);

  it('warns once, naming the queue and the command that starts a worker, while no worker takes its jobs, and runs them once one comes', async () => {
    const queue = queueName('lonely');
    const { logger, warnings } = warningsLogger();
    const runner = new BullMQTaskRunner({ queue, connection: redis.url, noWorkerWarning: 1000 });
    const handle = flow({ name: 'lonely', taskRunner: runner, logger }, () => add.map([1, 2, 3], 1).result()).start();
    await until(() => warnings.length > 0, 'the flow warned');
    // Three more ticks with no worker: still one warning.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await worker(queue);
    expect(await handle.result()).toEqual([2, 3, 4]);
    expect(warnings, warnings.join('\n')).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^QUEUE_NO_WORKER: no worker has taken a job of queue "${escape(queue)}" in \\d+\\.\\d s `));
    expect(warnings[0]).toContain(`Start one: sluice worker --queue ${queue} --module test/conformance/tasks.ts`);
  }, 40_000);

  it('fails the waiting runs with NoWorkerError after noWorkerTimeout, takes their jobs back, and the flow process exits', async () => {
    const queue = queueName('no-worker');
    const flowProcess = runFlow('no-worker', redis.url, queue, 30_000);
    const outcome = await flowProcess.outcome;
    expect(outcome, flowProcess.output()).toMatch(/^outcome: NoWorkerError NO_WORKER: task run "add-\d" \(task "add"\) waited [34]\.\d s, and no worker took a job of queue "[^"]+" in that time/);
    expect(outcome).toContain(`Start one: sluice worker --queue ${queue} --module test/conformance/tasks.ts`);
    const after = await flowProcess.exitedAfter;
    expect(after, `the process did not exit by itself:\n${flowProcess.output()}`).toBeDefined();
    expect(after).toBeLessThan(5000);
    // Warned once, on the console (the flow has no logger of its own), before it failed.
    expect(count(flowProcess.output().split('\n'), /QUEUE_NO_WORKER: no worker has taken a job of queue/)).toBe(1);
    const jobs = new Queue(queue, { connection: { url: redis.url } });
    try {
      expect(await jobs.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
    } finally {
      await jobs.close();
    }
  }, 40_000);

  it('neither warns nor fails the runs that wait behind a busy worker', async () => {
    const queue = queueName('busy');
    await worker(queue, redis.url, [], 1);
    const { logger, warnings } = warningsLogger();
    const runner = new BullMQTaskRunner({ queue, connection: redis.url, noWorkerWarning: 500, noWorkerTimeout: 1500 });
    const probe = newProbe();
    const out = await flow({ name: 'busy', taskRunner: runner, logger }, async () => {
      const long = nap.submit(probe, 4000);
      await until(() => napsStarted(probe) === 1, 'the nap started');
      // They wait about 4 s for the only worker, past noWorkerTimeout.
      const behind = [work.submit(1, 1), work.submit(2, 1)];
      return { slept: await long.result(), after: await Promise.all(behind.map((future) => future.result())) };
    })();
    expect(out).toEqual({ slept: 'slept', after: [2, 4] });
    expect(warnings).toEqual([]);
  }, 40_000);
});

if (!hasRedis) {
  describe.skip(`BullMQ warnings (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
