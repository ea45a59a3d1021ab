/**
 * A finished flow on BullMQTaskRunner does not keep its process alive, however it ended: each
 * flow runs in a process of its own (test/fixtures/bullmq-exit-flow.ts) against a real store
 * (Redis or PostgreSQL) and a `sluice worker` process, and that process must exit by itself. Each
 * store's test file runs these tests with {@link describeFlowProcessExits}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newProbe, removeProbes } from '../conformance/tasks.js';
import type { TestStore } from '../helpers/bullmq-store.js';
import { killWorkers, queueName, root, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';
import { MODULES } from './bullmq-faults.shared.js';

/** How long a process may take to exit once its flow has ended (closing waits up to 2 s for the store). */
const EXIT_WITHIN_MS = 5000;
/** Past this, the process is killed and the test fails. */
const KILL_AFTER_MS = 10_000;

interface FlowProcess {
  /** Resolves with the line the flow printed for its outcome. */
  readonly outcome: Promise<string>;
  /** Resolves when it printed `started` (a worker holds its job). */
  readonly started: Promise<void>;
  /** Resolves with how long after its outcome it exited, or `undefined` if it had to be killed. */
  readonly exitedAfter: Promise<number | undefined>;
  output(): string;
  /** Resolves when the worker's body saw its run's signal abort (the flow's cancel reached it). */
  aborted(): Promise<void>;
}

/** The flow processes started, to kill any a failed test leaves running. */
const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Runs the fixture's flow for `outcome` in a process of its own, and watches it exit. */
function runFlow(outcome: string, url: string, queue: string): FlowProcess {
  const probe = newProbe();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-exit-flow.ts', outcome, url, queue, probe.file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  let outcomeAt = 0;
  let onOutcome: (line: string) => void = () => undefined;
  let onStarted: () => void = () => undefined;
  const outcomeLine = new Promise<string>((resolve) => (onOutcome = resolve));
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  let killer: NodeJS.Timeout | undefined;
  const listen = (chunk: Buffer): void => {
    output += chunk.toString();
    if (/^started$/m.test(output)) onStarted();
    const line = /^outcome: .*$/m.exec(output)?.[0];
    if (line !== undefined && outcomeAt === 0) {
      outcomeAt = Date.now();
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      onOutcome(line);
    }
  };
  child.stdout.on('data', listen);
  child.stderr.on('data', listen);
  const exitedAfter = new Promise<number | undefined>((resolve) => {
    child.once('exit', (_code, signal) => {
      clearTimeout(killer);
      onOutcome(`(exited with no outcome)\n${output}`);
      resolve(signal === 'SIGKILL' || outcomeAt === 0 ? undefined : Date.now() - outcomeAt);
    });
  });
  const aborted = async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!readFileSync(probe.file, 'utf8').includes('a')) {
      if (Date.now() > deadline) throw new Error(`the body on the worker was never aborted (probe: ${readFileSync(probe.file, 'utf8')}); the flow printed:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { outcome: outcomeLine, started, exitedAfter, output: () => output, aborted };
}

async function expectExit(flow: FlowProcess): Promise<void> {
  const after = await flow.exitedAfter;
  expect(after, `the process did not exit by itself:\n${flow.output()}`).toBeDefined();
  expect(after).toBeLessThan(EXIT_WITHIN_MS);
}

/**
 * Describes the tests that a flow process on a store exits by itself, however its flow ended.
 * `start` starts a store: one for all the tests, and one more for the test that stops it.
 */
export function describeFlowProcessExits(store: TestStore['name'], start: () => Promise<TestStore>): void {
  describe(`a BullMQ flow process on ${store} exits by itself`, () => {
    let server: TestStore | undefined;
    let workers: WorkerProcess[] = [];
    let url = '';
    let queue = '';

    beforeAll(async () => {
      server = await start();
      url = server.url;
      queue = queueName('exit');
      const worker = startWorkerProcess({ queue, url, modules: MODULES, concurrency: 4 });
      workers.push(worker);
      await worker.ready;
    }, 60_000);

    afterEach(killChildren);

    afterAll(async () => {
      await killWorkers(workers);
      workers = [];
      await server?.stop(true);
      removeProbes();
    });

    it('after a flow that succeeded', async () => {
      const flow = runFlow('success', url, queue);
      expect(await flow.outcome).toBe('outcome: value [2,4,6]');
      await expectExit(flow);
    }, 30_000);

    it('after a flow that failed', async () => {
      const flow = runFlow('failure', url, queue);
      expect(await flow.outcome).toMatch(/^outcome: NotSerializableError: /);
      await expectExit(flow);
    }, 30_000);

    it('after a flow whose function threw while a worker ran its job', async () => {
      const flow = runFlow('throws', url, queue);
      expect(await flow.outcome).toBe('outcome: Error: the flow gave up');
      await expectExit(flow);
      // The cancel went out before the connections closed.
      await flow.aborted();
    }, 30_000);

    it('after a flow whose run timed out while a worker held its job', async () => {
      const flow = runFlow('time-out', url, queue);
      expect(await flow.outcome).toMatch(/^outcome: TaskTimeoutError: /);
      await expectExit(flow);
      // The cancel went out before the connections closed.
      await flow.aborted();
    }, 30_000);

    it('after a flow whose run was cancelled while a worker held its job', async () => {
      const flow = runFlow('cancel', url, queue);
      expect(await flow.outcome).toMatch(/^outcome: CancelledError: /);
      await expectExit(flow);
      // The cancel went out before the connections closed.
      await flow.aborted();
    }, 30_000);
  });

  describe(`a BullMQ flow process that lost ${store} exits by itself`, () => {
    let server: TestStore | undefined;
    let workers: WorkerProcess[] = [];

    afterEach(async () => {
      killChildren();
      await killWorkers(workers);
      workers = [];
      await server?.stop(true);
      server = undefined;
      removeProbes();
    });

    it('after its runs failed with a QueueConnectionError', async () => {
      const lost = await start();
      server = lost;
      const queue = queueName('exit-lost');
      const worker = startWorkerProcess({ queue, url: lost.url, modules: MODULES, concurrency: 1 });
      workers.push(worker);
      await worker.ready;
      const flow = runFlow('lost-connection', lost.url, queue);
      await flow.started;
      await lost.stop(true);
      expect(await flow.outcome).toMatch(/^outcome: QueueConnectionError: /);
      await expectExit(flow);
    }, 30_000);
  });
}
