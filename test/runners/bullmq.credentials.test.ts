/**
 * No error, cause or log line quotes a Redis password. Against a real redis-server that requires
 * one, each way a connection fails is triggered (a wrong password, a mistyped URL, a host that
 * does not answer, a worker that cannot start), and the passwords given are looked for in the
 * error's message, in `util.inspect` of it with its whole cause chain, in what `sluice worker`
 * prints, and in what a flow process prints. A password on the command line draws a warning;
 * `$REDIS_URL` and a password file are the ways that keep it off.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner, startWorker } from '../../src/bullmq.js';
import { flow } from '../../src/index.js';
import { add } from '../conformance/tasks.js';
import { runSluice, type CliProcess } from '../helpers/cli-process.js';
import { ENABLE_REDIS, freePort, hasRedis, queueName, root, startRedis, type RedisServer } from '../helpers/redis.js';
import { expectCleanError, expectNoSecret } from '../helpers/secrets.js';

const salt = Math.random().toString(36).slice(2, 8);
/** The password Redis requires. */
const PASSWORD = `s3cret-${salt}`;
/** A password Redis refuses (an old one, say): no less secret. */
const WRONG = `wr0ng-${salt}`;
const MODULES = ['--module', 'test/conformance/tasks.ts'];

function expectNoPassword(text: string): void {
  expectNoSecret(text, [PASSWORD, WRONG]);
}

/** What a flow on this connection fails with (or what the runner's constructor throws). */
async function flowError(connection: string | Readonly<Record<string, unknown>>): Promise<unknown> {
  try {
    const runner = new BullMQTaskRunner({ queue: queueName('credentials'), connection, connectionTimeout: 1000 });
    return await flow({ name: 'credentials', taskRunner: runner }, () => add.submit(1, 1).result())().then(
      () => new Error('the flow succeeded'),
      (error: unknown) => error,
    );
  } catch (error) {
    return error;
  }
}

describe.skipIf(!hasRedis)('Redis passwords never show', () => {
  let redis: RedisServer;
  let dir: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-credentials-'));
  });

  afterAll(async () => {
    for (const child of processes) child.kill();
    await Promise.all(processes.map((child) => child.exited));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `sluice worker` with these arguments and environment, ended after `within` ms if still running. */
  async function worker(args: readonly string[], env: Readonly<Record<string, string>> = {}, within = 15_000): Promise<CliProcess> {
    const child = runSluice(['worker', '--queue', queueName('credentials'), ...MODULES, ...args], env);
    processes.push(child);
    await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, within))]);
    child.kill();
    await child.exited;
    return child;
  }

  it('a runner given a wrong password fails its runs with an error that quotes no password, in its message or its causes', async () => {
    for (const connection of [`redis://:${WRONG}@127.0.0.1:${redis.port}`, { host: '127.0.0.1', port: redis.port, password: WRONG }]) {
      const error = await flowError(connection);
      expectCleanError(error, [PASSWORD, WRONG]);
      expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(/WRONGPASS/) as unknown });
    }
  });

  it('a mistyped URL is refused without echoing its password', async () => {
    const mistyped = [
      `redis://:${PASSWORD}@127.0.0.1:${redis.port}:6379`,
      `redis://:${PASSWORD}@127.0.0.1:99999`,
      `redis//:${PASSWORD}@127.0.0.1:${redis.port}`,
      `http://:${PASSWORD}@127.0.0.1:${redis.port}`,
    ];
    for (const url of mistyped) {
      const error = await flowError(url);
      expectCleanError(error, [PASSWORD, WRONG]);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/`connection` (must be a redis:\/\/, rediss:\/\/ or postgres:\/\/ URL|is not a URL that can be read)/) as unknown });
      const inOptions = await flowError({ url });
      expectCleanError(inOptions, [PASSWORD, WRONG]);
      expect(inOptions).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('a host that does not answer fails the runs without the password', async () => {
    const error = await flowError(`redis://:${PASSWORD}@127.0.0.1:${await freePort()}`);
    expectCleanError(error, [PASSWORD, WRONG]);
    expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(/ECONNREFUSED/) as unknown });
  });

  it('a worker that cannot start rejects with an error, and logs lines, that quote no password', async () => {
    const lines: string[] = [];
    const error = await startWorker({
      queue: queueName('credentials'),
      tasks: [add],
      connection: `redis://:${WRONG}@127.0.0.1:${redis.port}`,
      connectTimeout: 1000,
      log: (line) => lines.push(line),
    }).then(
      () => new Error('the worker started'),
      (e: unknown) => e,
    );
    expectCleanError(error, [PASSWORD, WRONG]);
    expectNoPassword(lines.join('\n'));
    expect(lines.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(/refused/) as unknown });
  });

  it('sluice worker prints no password, however its Redis URL is wrong', async () => {
    const workers = await Promise.all([
      worker(['--redis', `redis://:${WRONG}@127.0.0.1:${redis.port}`, '--connect-timeout', '1000']),
      worker(['--redis', `http://:${PASSWORD}@127.0.0.1:${redis.port}`]),
      worker(['--redis', `redis://:${PASSWORD}@127.0.0.1:${redis.port}:6379`]),
      worker([], { REDIS_URL: `redis//:${PASSWORD}@127.0.0.1:${redis.port}` }),
    ]);
    for (const child of workers) {
      expectNoPassword(child.output());
      expect((await child.exited).code, child.output()).not.toBe(0);
      expect(child.output()).toMatch(/sluice: /);
    }
  });

  it('a password given with --redis draws a warning on stderr; $REDIS_URL and --redis-password-file do not', async () => {
    const file = path.join(dir, 'redis-password');
    writeFileSync(file, `${PASSWORD}\n`);
    const url = `redis://127.0.0.1:${redis.port}`;
    const started = [
      runSluice(['worker', '--queue', queueName('credentials'), ...MODULES, '--redis', `redis://:${PASSWORD}@127.0.0.1:${redis.port}`]),
      runSluice(['worker', '--queue', queueName('credentials'), ...MODULES], { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` }),
      runSluice(['worker', '--queue', queueName('credentials'), ...MODULES, '--redis', url, '--redis-password-file', file]),
      runSluice(['worker', '--queue', queueName('credentials'), ...MODULES], { REDIS_URL: url, REDIS_PASSWORD_FILE: file }),
    ];
    processes.push(...started);
    await Promise.all(started.map((child) => child.ready));
    const [onCommandLine, ...others] = started.map((child) => child.stderr());
    expect(onCommandLine).toMatch(/warning: the password in --redis shows on the command line/);
    expect(onCommandLine).toMatch(/\$REDIS_URL|--redis-password-file/);
    for (const stderr of others) expect(stderr).not.toMatch(/warning/);
    for (const child of started) expectNoPassword(child.output());
  });

  it('a flow process that prints its QueueConnectionError, with console.error, inspect or as an uncaught error, prints no password', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-credentials-flow.ts', `redis://:${WRONG}@127.0.0.1:${redis.port}`, queueName('credentials')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expectNoPassword(output);
    expect(code).toBe(1);
    expect(output).toMatch(/QueueConnectionError: queue "credentials-[^"]+": Redis has been unreachable/);
    expect(output).toMatch(/\[cause\]: .*WRONGPASS/);
  });
});

if (!hasRedis) {
  describe.skip(`Redis passwords never show (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
