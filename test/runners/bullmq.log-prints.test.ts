/**
 * `logPrints` on BullMQTaskRunner: a body runs in a `sluice worker` process, and prints there, as
 * it printed, on that process's stdout; nothing comes back to the flow's logger.
 * `getRunContext().logger` there writes to the worker's console too, tagged with the run.
 * Real redis-server, a real worker process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow, type Logger } from '../../src/index.js';
import { shout } from '../fixtures/print-tasks.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!hasRedis)('logPrints on a sluice worker', () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  let runner: BullMQTaskRunner;
  const queue = queueName('log-prints');

  beforeAll(async () => {
    redis = await startRedis();
    worker = startWorkerProcess({ queue, url: redis.url, modules: ['test/fixtures/print-tasks.ts'], concurrency: 1 });
    await worker.ready;
    runner = new BullMQTaskRunner({ queue, connection: redis.url, keepAlive: true });
  }, 60_000);

  afterAll(async () => {
    await runner.destroy();
    await killWorkers([worker]);
    await redis.stop();
  });

  it("leaves a body's prints on the worker's stdout as they are, and sends none to the flow's logger", async () => {
    const logged: string[] = [];
    const at = (fields: unknown, message?: unknown): void => void logged.push(`${JSON.stringify(fields)} ${String(message)}`);
    const logger: Logger = { info: at, warn: at, error: at, debug: at };
    const out = await flow({ name: 'prints', taskRunner: runner, logger, logPrints: true }, () => shout.submit('hi').result())();
    expect(out).toBe('hi');
    await until(() => worker.output().includes('logged away: hi'), "the body's lines reached the worker's output");
    expect(worker.output()).toMatch(/^printed away: hi$/m);
    expect(worker.output()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[prints \/ shout-0\] logged away: hi$/m);
    expect(logged).toEqual([]);
  });
});

if (!hasRedis) {
  describe.skip(`logPrints on a sluice worker (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
