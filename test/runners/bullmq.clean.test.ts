/**
 * `sluice clean`: a dead flow process's queued jobs, or a whole queue, taken out of Redis.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { flowRunIdOf, type JobData } from '../../src/runners/bullmq/protocol.js';
import { newProbe, removeProbes } from '../conformance/tasks.js';
import { ENABLE_REDIS, hasRedis, queueName, root, startRedis, type RedisServer } from '../helpers/redis.js';

const exec = promisify(execFile);

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a flow of 40 jobs in a process of its own, with no worker, and kills it once they are queued. */
async function deadFlow(url: string, queue: string, jobs: Queue, before: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/bullmq-orphan-flow.ts', url, queue, newProbe().file, '30000'], { cwd: root, stdio: 'ignore' });
  await until(async () => (await jobs.getWaitingCount()) === before + 40, 'its 40 jobs queued');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

function sluice(...args: string[]): Promise<{ stdout: string }> {
  return exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root });
}

describe.skipIf(!hasRedis)('sluice clean', () => {
  let redis: RedisServer | undefined;

  afterEach(async () => {
    await redis?.stop(true);
    redis = undefined;
    removeProbes();
  });

  it("takes out one dead flow run's queued jobs, then the whole queue with sluice's streams", async () => {
    redis = await startRedis();
    const url = redis.url;
    const queue = queueName('clean');
    const jobs = new Queue(queue, { connection: { url } });
    const raw = new Redis(url);
    try {
      await deadFlow(url, queue, jobs, 0);
      await deadFlow(url, queue, jobs, 40);
      const waiting = await jobs.getWaiting(0, 79);
      const flowRuns = [...new Set(waiting.map((job) => flowRunIdOf(job.data as JobData)))];
      expect(flowRuns).toHaveLength(2);
      const [first, second] = flowRuns as [string, string];
      const one = await sluice('clean', '--queue', queue, '--redis', url, '--flow-run', first);
      expect(one.stdout).toContain(`removed 40 job(s) of flow run ${first} from queue "${queue}"`);
      const left = await jobs.getWaiting(0, 79);
      expect(left.map((job) => flowRunIdOf(job.data as JobData))).toEqual(Array.from({ length: 40 }, () => second));
      const all = await sluice('clean', '--queue', queue, '--redis', url);
      expect(all.stdout).toContain(`queue "${queue}" removed, with the 40 job(s) it held`);
      expect(await raw.keys(`bull:${queue}*`)).toEqual([]);
    } finally {
      await jobs.close();
      raw.disconnect();
    }
  }, 90_000);
});

if (!hasRedis) {
  describe.skip(`sluice clean (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
