/**
 * examples/distributed.ts as the steps of "Running on many machines" in docs/runners.md run it: a redis-server, two `sluice worker`
 * processes, and the flow in a third process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE_REDIS, hasRedis, killWorkers, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

describe.skipIf(!hasRedis)('examples/distributed.ts, with two worker processes', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    workers = [0, 1].map(() => startWorkerProcess({ queue: 'elevator', url: redis.url, modules: ['examples/distributed-tasks.ts'], concurrency: 2 }));
    await Promise.all(workers.map((worker) => worker.ready));
  }, 60_000);

  afterAll(async () => {
    await killWorkers(workers);
    await redis.stop();
  });

  it('serves every floor on the workers, prints who served it, and exits by itself', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/distributed.ts'], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, REDIS_URL: redis.url },
    });
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.replace(/ served by .*/, ''))).toEqual(Array.from({ length: 10 }, (_, i) => `floor ${10 - i}`));
    const pids = new Set(lines.map((line) => /pid (\d+)/.exec(line)?.[1]));
    expect([...pids].sort()).toEqual(workers.map((worker) => String(worker.child.pid)).sort());
    for (let floor = 10; floor > 0; floor--) {
      const output = workers.map((worker) => worker.output()).join('\n');
      expect(output).toContain(`elevator moving to floor ${floor}`);
      expect(output).toContain(`elevator stops on floor ${floor}`);
    }
  }, 60_000);
});

if (!hasRedis) {
  describe.skip(`examples/distributed.ts (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
