/**
 * A misconfigured worker fails start-up within `connectTimeout` (`--connect-timeout`) with a clear
 * message and a non-zero exit, rather than logging the same line every second for ever: real
 * `sluice worker` processes against real redis-servers (one with a password, one serving TLS).
 * A worker whose Redis comes up a little after it, within the bound, still starts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/bullmq.js';
import { add } from '../conformance/tasks.js';
import { runSluice, type CliProcess } from '../helpers/cli-process.js';
import { ENABLE_REDIS, freePort, hasRedis, queueName, root, startRedis, type RedisServer } from '../helpers/redis.js';

const tls = { cert: path.join(root, 'test/fixtures/tls/cert.pem'), key: path.join(root, 'test/fixtures/tls/key.pem') };
const PASSWORD = `s3cret-${Math.random().toString(36).slice(2, 8)}`;
/** The bound the tests give: short, so each case takes about that long. */
const BOUND_MS = 1500;
/** What a loaded machine may add to the bound, between the worker's first line and its exit. */
const SLACK_MS = 3000;
/** Past this (from the spawn), a worker still running has failed the test: it would never exit. */
const KILL_AFTER_MS = 20_000;
const MODULES = ['--module', 'test/conformance/tasks.ts'];

describe.skipIf(!hasRedis)('a worker that cannot reach Redis fails start-up within connectTimeout', () => {
  let plain: RedisServer;
  let secure: RedisServer;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    [plain, secure] = await Promise.all([startRedis({ password: PASSWORD }), startRedis({ password: PASSWORD, tls })]);
  });

  afterAll(async () => {
    for (const child of processes) child.kill();
    await Promise.all(processes.map((child) => child.exited));
    await Promise.all([plain.stop(), secure.stop()]);
  });

  /** `sluice worker` on this Redis URL (given as $REDIS_URL, so no warning), with a short bound. */
  function worker(url: string, env: Readonly<Record<string, string>> = {}): CliProcess {
    const child = runSluice(['worker', '--queue', queueName('start-up'), ...MODULES, '--connect-timeout', String(BOUND_MS)], { REDIS_URL: url, ...env });
    processes.push(child);
    const killer = setTimeout(() => child.kill(), KILL_AFTER_MS);
    void child.exited.then(() => clearTimeout(killer));
    return child;
  }

  /** It exited with status 1 within the bound (plus slack) of its first line, saying `why`. */
  async function expectFailedStart(child: CliProcess, why: RegExp, where: string): Promise<void> {
    const { code, at } = await child.exited;
    expect(code, `it was killed after ${KILL_AFTER_MS} ms; it printed:\n${child.output()}`).toBe(1);
    expect(at - (child.firstOutputAt() ?? at)).toBeLessThan(BOUND_MS + SLACK_MS);
    const last = child.stderr().trim().split('\n').at(-1) ?? '';
    expect(last).toContain(`could not connect to Redis at ${where} within ${BOUND_MS} ms`);
    expect(last).toMatch(why);
    expect(child.output()).not.toContain(PASSWORD);
  }

  it('a worker given a wrong password exits with status 1, saying Redis refused it and where', async () => {
    await expectFailedStart(worker(`redis://:wrong-${PASSWORD}@127.0.0.1:${plain.port}`), /Redis refused the user name or password \(WRONGPASS/, `redis://127.0.0.1:${plain.port}`);
  });

  it('a worker given redis:// for a TLS port exits with status 1, and says to use rediss://', async () => {
    await expectFailedStart(worker(`redis://:${PASSWORD}@127.0.0.1:${secure.port}`), /if it serves TLS, use a rediss:\/\/ URL/, `redis://127.0.0.1:${secure.port}`);
  });

  it('a worker given no password, or no CA for a TLS Redis, rejects after connectTimeout with what is missing', async () => {
    const cases = [
      { connection: `redis://127.0.0.1:${plain.port}`, why: /Redis wants a password and none was given \(NOAUTH/ },
      { connection: `rediss://:${PASSWORD}@127.0.0.1:${secure.port}`, why: /the certificate of Redis cannot be verified: give its CA/ },
    ];
    await Promise.all(
      cases.map(async ({ connection, why }) => {
        const started = Date.now();
        const error = await startWorker({ queue: queueName('start-up'), tasks: [add], connection, connectTimeout: BOUND_MS, log: () => undefined }).then(
          (running) => running.close().then(() => new Error('it started')),
          (e: unknown) => e,
        );
        expect(Date.now() - started).toBeLessThan(BOUND_MS + SLACK_MS);
        expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(why) as unknown });
      }),
    );
  });

  it('a worker started before its Redis, which comes up within --connect-timeout, starts', async () => {
    const port = await freePort();
    const child = runSluice(['worker', '--queue', queueName('start-up'), ...MODULES, '--connect-timeout', '8000'], { REDIS_URL: `redis://127.0.0.1:${port}` });
    processes.push(child);
    // Redis comes up a second after the worker first says it cannot reach it.
    const deadline = Date.now() + KILL_AFTER_MS;
    while (child.firstOutputAt() === undefined) {
      if (Date.now() > deadline) throw new Error(`the worker printed nothing within ${KILL_AFTER_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const late = await startRedis({ port });
    try {
      await child.ready;
      expect(child.output()).toMatch(/ECONNREFUSED/);
    } finally {
      child.kill();
      await child.exited;
      await late.stop();
    }
  });

  it('connectTimeout must be a whole number of ms from 1', async () => {
    await expect(startWorker({ queue: 'q', tasks: [add], connectTimeout: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/connectTimeout/) as unknown });
    const child = runSluice(['worker', '--queue', 'q', ...MODULES, '--connect-timeout', 'soon']);
    processes.push(child);
    expect((await child.exited).code).toBe(2);
    expect(child.stderr()).toMatch(/--connect-timeout must be a whole number/);
  });
});

if (!hasRedis) {
  describe.skip(`sluice worker start-up (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
