/**
 * Faults on PostgreSQL (BullMQ's PostgreSQL backend), with real parts: `sluice worker --postgres`
 * processes killed with SIGKILL mid-run, hand-made bad jobs, dead flow processes and `sluice
 * clean`, as on Redis (./bullmq-faults.shared.ts); and a database that requires a password (no
 * error or log line quotes it, and a worker that cannot start says why in PostgreSQL's words),
 * restarts under a flow (on its data, unlike a Redis without persistence) and goes away for good.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner, QueueConnectionError, startWorker } from '../../src/bullmq.js';
import { flow, isSluiceError, type FlowEvent } from '../../src/index.js';
import { add, removeProbes } from '../conformance/tasks.js';
import { work } from '../fixtures/bullmq-tasks.js';
import { startPostgresStore, type PostgresTestStore } from '../helpers/bullmq-store.js';
import { runSluice, type CliProcess } from '../helpers/cli-process.js';
import { ENABLE_POSTGRES, hasPostgres } from '../helpers/postgres.js';
import { freePort, killWorkers, queueName, startWorkerProcess, type WorkerProcess } from '../helpers/redis.js';
import { expectCleanError, expectNoSecret } from '../helpers/secrets.js';
import { cleanDeadFlowThenQueue, failHandMadeBadJobs, keepLiveFlowsJobs, killTwoOfThreeWorkers, MODULES, rerunKilledWorkersJob, skipDeadFlowsJobs, storeGoneMidFlow, until } from './bullmq-faults.shared.js';

const salt = Math.random().toString(36).slice(2, 8);
/** The password PostgreSQL requires of the postgres user. */
const PASSWORD = `s3cret-${salt}`;
/** A password PostgreSQL refuses (an old one, say): no less secret. */
const WRONG = `wr0ng-${salt}`;

function expectNoPassword(text: string): void {
  expectNoSecret(text, [PASSWORD, WRONG]);
}

describe.skipIf(!hasPostgres)('BullMQ faults on PostgreSQL', () => {
  let postgres: PostgresTestStore;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    postgres = await startPostgresStore();
  }, 60_000);

  afterEach(async () => {
    await killWorkers(workers);
    workers = [];
    removeProbes();
  });

  afterAll(async () => {
    await postgres.stop(true);
  });

  it('loses nothing when two of three workers are killed mid-run: all 500 results, in input order', async () => {
    await killTwoOfThreeWorkers(postgres, workers);
  }, 120_000);

  it("runs a SIGKILLed worker's job again on another worker within seconds, with the default lock and stall check", async () => {
    await rerunKilledWorkersJob(postgres, workers);
  }, 120_000);

  it('fails malformed and unknown-task jobs added by hand with clear reasons, and goes on serving', async () => {
    const queue = queueName('bad-jobs');
    const worker = startWorkerProcess({ queue, url: postgres.url, modules: [...MODULES, 'test/conformance/tasks.ts'], concurrency: 4 });
    workers.push(worker);
    await worker.ready;
    const runner = new BullMQTaskRunner({ queue, connection: postgres.url });
    await failHandMadeBadJobs(postgres, queue, worker, runner);
  }, 60_000);

  it("skips a dead flow process's queued jobs once its heartbeat lapses, instead of running them for nobody", async () => {
    await skipDeadFlowsJobs(postgres, workers);
  }, 60_000);

  it('never skips the jobs of a live flow, however long they wait past the lease', async () => {
    await keepLiveFlowsJobs(postgres, workers);
  }, 60_000);

  it("sluice clean takes out one dead flow run's queued jobs, then the whole queue with sluice's streams", async () => {
    await cleanDeadFlowThenQueue(postgres);
  }, 90_000);
});

describe.skipIf(!hasPostgres)('BullMQ on a PostgreSQL that requires a password, restarts, and goes away', () => {
  let postgres: PostgresTestStore;
  let workers: WorkerProcess[] = [];
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    postgres = await startPostgresStore({ password: PASSWORD });
  }, 60_000);

  afterEach(async () => {
    for (const worker of workers) expectNoPassword(worker.output());
    await killWorkers(workers);
    workers = [];
    for (const child of processes.splice(0)) child.kill();
    removeProbes();
  });

  afterAll(async () => {
    await postgres.stop(true);
  });

  /** A URL of the server with this password, or none. */
  const urlWith = (password?: string): string => `postgres://postgres${password === undefined ? '' : `:${password}`}@127.0.0.1:${new URL(postgres.url).port}/postgres`;
  const where = (): string => `postgres://127.0.0.1:${new URL(postgres.url).port}/postgres`;

  it('a worker given a wrong password exits with status 1, saying PostgreSQL refused it and where, and prints no password', async () => {
    const child = runSluice(['worker', '--queue', queueName('start-up'), '--module', 'test/conformance/tasks.ts', '--backend', 'postgres', '--connect-timeout', '2000'], {
      DATABASE_URL: urlWith(WRONG),
    });
    processes.push(child);
    expect((await child.exited).code, child.output()).toBe(1);
    const last = child.stderr().trim().split('\n').at(-1) ?? '';
    expect(last).toContain(`the worker could not start on PostgreSQL at ${where()}: PostgreSQL refused the user name or password (password authentication failed`);
    expectNoPassword(child.output());
  }, 30_000);

  it('a worker given no password, or nothing that listens, says what is wrong in the words of PostgreSQL', async () => {
    const cases = [
      { connection: urlWith(), why: /: PostgreSQL wants a password and none was given \(/ },
      { connection: `postgres://postgres:${PASSWORD}@127.0.0.1:${await freePort()}/postgres`, why: /: nothing listens there: is PostgreSQL running, on that host and port\? \(.*ECONNREFUSED/ },
    ];
    for (const { connection, why } of cases) {
      const lines: string[] = [];
      const error = await startWorker({ queue: queueName('start-up'), tasks: [add], connection, connectTimeout: 2000, log: (line) => lines.push(line) }).then(
        (running) => running.close().then(() => new Error('it started')),
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(why) as unknown });
      expect((error as Error).message).not.toMatch(/Redis/);
      expectCleanError(error, [PASSWORD, WRONG]);
      expectNoPassword(lines.join('\n'));
    }
  }, 30_000);

  it('a runner given a wrong password fails its runs with an error that quotes no password, in its message or its causes', async () => {
    for (const connection of [urlWith(WRONG), { connectionString: urlWith(), password: WRONG }]) {
      const runner = new BullMQTaskRunner({ queue: queueName('credentials'), connection, connectionTimeout: 1000 });
      const error = await flow({ name: 'credentials', taskRunner: runner }, () => add.submit(1, 1).result())().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(/password authentication failed/) as unknown });
      expectCleanError(error, [PASSWORD, WRONG]);
    }
  }, 30_000);

  it('takes the user and password as pool options beside a URL without them', async () => {
    const queue = queueName('password-option');
    const connection = { connectionString: where(), user: 'postgres', password: PASSWORD };
    const worker = await startWorker({ queue, tasks: [add], connection, log: () => undefined });
    try {
      const runner = new BullMQTaskRunner({ queue, connection });
      expect(await flow({ name: 'password-option', taskRunner: runner }, () => add.submit(1, 2).result())()).toBe(3);
    } finally {
      await worker.close();
    }
  }, 30_000);

  for (const hard of [false, true]) {
    it(`finishes a flow whose PostgreSQL restarts under it${hard ? ' after a crash' : ''}, or fails its runs with QUEUE_CONNECTION, within connectionTimeout`, async () => {
      const queue = queueName('restart');
      const worker = startWorkerProcess({ queue, url: postgres.url, modules: MODULES, concurrency: 4 });
      workers.push(worker);
      await worker.ready;
      // The default connectionTimeout: an outage shorter than it is ridden out.
      const connectionTimeout = 10_000;
      const runner = new BullMQTaskRunner({ queue, connection: postgres.url, connectionTimeout });
      const inputs = Array.from({ length: 60 }, (_, i) => i);
      let completed = 0;
      const ends: string[] = [];
      const handle = flow({ name: 'restart', taskRunner: runner }, () => work.map(inputs, 100).result()).start();
      handle.events$.subscribe((event: FlowEvent) => {
        if (event.type !== 'run-state') return;
        const { state } = event;
        if (state.type === 'Completed') completed++;
        if (state.type === 'Failed' || state.type === 'Crashed') ends.push(`${state.type} ${isSluiceError(state.error) ? state.error.code : String(state.error)}`);
      });
      await until(() => completed >= 8, 'some runs completed');
      await postgres.restart(hard);
      const backAt = Date.now();
      const outcome = await handle.result().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      // Its jobs were in PostgreSQL all along: the worker takes them again within a second of its
      // return, and the flow looks up the outcomes it did not hear meanwhile (checkInterval).
      expect(Date.now() - backAt).toBeLessThan(connectionTimeout);
      if ('value' in outcome) expect(outcome.value).toEqual(inputs.map((i) => i * 2));
      else expect(isSluiceError(outcome.error, 'QUEUE_CONNECTION'), String(outcome.error)).toBe(true);
      // The database went away for a moment, not the bodies.
      for (const end of ends) expect(end).toBe('Crashed QUEUE_CONNECTION');
    }, 60_000);
  }

  it('runs the next flow on a keepAlive runner whose connections opened while PostgreSQL was down, once it is back', async () => {
    const queue = queueName('opened-down');
    const worker = startWorkerProcess({ queue, url: postgres.url, modules: MODULES, concurrency: 1 });
    workers.push(worker);
    await worker.ready;
    const runner = new BullMQTaskRunner({ queue, connection: postgres.url, keepAlive: true });
    const run = (): Promise<unknown> => flow({ name: 'opened-down', taskRunner: runner }, () => work.submit(1, 1).result())().catch((e: unknown) => e);
    try {
      await postgres.restart(false, async () => {
        expect(isSluiceError(await run(), 'QUEUE_CONNECTION')).toBe(true);
      });
      expect(await run()).toBe(2);
    } finally {
      await runner.destroy();
    }
  }, 60_000);

  it("quotes no password from a cause that node-postgres' pool reported, even shown with its hidden fields", async () => {
    // The pool's error for a connection it lost carries that client, whose parameters hold the
    // password (hidden from a plain inspect): the runner's QueueConnectionError takes such an
    // error as its cause when PostgreSQL stays away.
    const queue = postgres.queue(queueName('pool-error'));
    const errors: Error[] = [];
    queue.on('error', (error) => errors.push(error));
    try {
      await queue.getJobCounts();
      await postgres.restart(true);
      await until(() => errors.length > 0, 'the pool reported the connection it lost');
    } finally {
      await queue.close();
    }
    expect(errors[0]).toHaveProperty('client');
    const error = new QueueConnectionError(queue.name, 'PostgreSQL has been unreachable', { cause: errors[0], secrets: [PASSWORD] });
    expectCleanError(error, [PASSWORD, WRONG]);
  }, 30_000);

  it('fails the flow with a connection error naming PostgreSQL and no password, within 30 s, when PostgreSQL goes away for good', async () => {
    const error = await storeGoneMidFlow(postgres, workers);
    expectCleanError(error, [PASSWORD, WRONG]);
  }, 60_000);
});

if (!hasPostgres) {
  describe.skip(`BullMQ faults on PostgreSQL (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
