import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresBackend, Queue } from 'bullmq';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the resume fixture; `killWhen` SIGKILLs it once it holds. Resolves with its output. */
async function runFlow(args: readonly string[], env: Record<string, string>, killWhen?: () => boolean): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/resume-flow.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  if (killWhen !== undefined) {
    // Generous: a loaded machine can take long to start a process with tsx and its threads.
    const deadline = Date.now() + 45_000;
    while (!killWhen()) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`the flow never reached the point to kill it:\n${out}`);
      }
      await sleep(20);
    }
    child.kill('SIGKILL');
  }
  const signal = await ended;
  return { out, signal };
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

function records(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => !f.startsWith('.'));
  } catch {
    return [];
  }
}

describe('resuming a flow from its stored results', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-resume-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const runner of ['concurrent', 'threads']) {
    it(`should run only the bodies without a stored result after the flow process was SIGKILLed (${runner})`, { timeout: 120_000 }, async () => {
      const n = 8;
      const k = 5;
      const results = join(dir, 'results');
      const first = join(dir, 'first.log');
      const second = join(dir, 'second.log');
      writeFileSync(first, '');
      writeFileSync(second, '');
      // Killed while body k hangs, once every other body that ran has stored its result.
      const killed = await runFlow([runner, String(n), results, first, String(k)], { SIDE_EFFECTS: first, HANG_AT: String(k) }, () => {
        const ran = lines(first);
        return ran.includes(String(k)) && ran.length >= k + 1 && records(results).length === ran.length - 1;
      });
      expect(killed.signal).toBe('SIGKILL');
      const ranFirst = lines(first);
      const stored = ranFirst.filter((i) => i !== String(k));
      const resumed = await runFlow([runner, String(n), results, second], { SIDE_EFFECTS: second });
      expect(resumed.out.trim()).toBe(JSON.stringify([0, 2, 4, 6, 8, 10, 12, 14]));
      // Exactly the n - k bodies without a stored result ran again: the one killed, and those never started.
      const all = Array.from({ length: n }, (_, i) => String(i));
      expect(lines(second).sort()).toEqual(all.filter((i) => !stored.includes(i)).sort());
      expect(lines(second)).toHaveLength(n - stored.length);
      // At least k: the cache look-ups end in any order, so the runs may start out of index order.
      expect(stored.length).toBeGreaterThanOrEqual(k);
      expect(records(results)).toHaveLength(n);
    });
  }

  it('should run only the failed task again after a flow failed on one task', async () => {
    const results = join(dir, 'results');
    const first = join(dir, 'first.log');
    const second = join(dir, 'second.log');
    writeFileSync(first, '');
    writeFileSync(second, '');
    const failed = await runFlow(['concurrent', '6', results, first, '', '2'], { SIDE_EFFECTS: first, FAIL_AT: '2' });
    expect(failed.out).toMatch(/^failed: .*step 2 failed/m);
    // Every body ran (in whichever order their cache look-ups ended).
    expect(lines(first).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    const resumed = await runFlow(['concurrent', '6', results, second], { SIDE_EFFECTS: second });
    expect(resumed.out.trim()).toBe(JSON.stringify([0, 2, 4, 6, 8, 10]));
    expect(lines(second)).toEqual(['2']);
  });
});

/** The jobs of a queue that completed, as BullMQ counts them. */
async function completedJobs(queue: string, url: string): Promise<number> {
  const connection = /^postgres/.test(url) ? { connectionString: url } : { url };
  const jobs = /^postgres/.test(url) ? new Queue(queue, { connection }, createPostgresBackend as never) : new Queue(queue, { connection });
  try {
    return await jobs.getCompletedCount();
  } finally {
    await jobs.close();
  }
}

for (const store of ['Redis', 'PostgreSQL'] as const) {
  describe.skipIf(store === 'Redis' ? !hasRedis : !hasPostgres)(`resuming a flow on BullMQ (${store})`, () => {
    let server: RedisServer | PostgresServer | undefined;
    let workers: WorkerProcess[] = [];
    let dir = '';

    beforeAll(async () => {
      server = store === 'Redis' ? await startRedis() : await startPostgres();
      dir = mkdtempSync(join(tmpdir(), 'sluice-resume-bullmq-'));
    }, 60_000);

    afterAll(async () => {
      await killWorkers(workers);
      workers = [];
      await server?.stop(true);
      rmSync(dir, { recursive: true, force: true });
    });

    const resume = async (expiration?: number): Promise<{ readonly ranFirst: string[]; readonly ranSecond: string[] }> => {
      const url = (server as RedisServer | PostgresServer).url;
      const n = 6;
      const queue = queueName('resume');
      const k = 3;
      // A folder of each case's own: its release file, its log and (on PostgreSQL) its records.
      const own = mkdtempSync(join(dir, 'case-'));
      const log = join(own, 'bodies.log');
      const release = join(own, 'release');
      writeFileSync(log, '');
      // The bodies run on a worker process of their own, which outlives the killed flow process.
      const env = { SIDE_EFFECTS: log, HANG_AT: String(k), RELEASE_FILE: release };
      const worker = startWorkerProcess({ queue, url, modules: ['test/fixtures/resume-flow.ts'], concurrency: 2, env });
      workers.push(worker);
      await worker.ready;
      const flowEnv: Record<string, string> = {
        ...(store === 'Redis' ? { REDIS_URL: url } : { DATABASE_URL: url }),
        QUEUE: queue,
        LOG_RUNS: '1',
        ...(expiration === undefined ? {} : { CACHE_EXPIRATION: String(expiration) }),
      };
      const killed = await runFlow(['bullmq', String(n), own, log], flowEnv, () => lines(log).includes(String(k)));
      expect(killed.signal).toBe('SIGKILL');
      const ranFirst = lines(log);
      // The bodies that ran before the hung one, each stored: runs go one at a time, though not
      // always in index order (their cache look-ups end in any order).
      const stored = ranFirst.filter((i) => i !== String(k));
      // The hung body ends now, for a flow process that is gone: its job completes, an orphan.
      writeFileSync(release, '');
      const deadline = Date.now() + 20_000;
      while ((await completedJobs(queue, url)) < stored.length + 1) {
        if (Date.now() > deadline) throw new Error("the orphan's job never completed");
        await sleep(50);
      }
      const resumed = await runFlow(['bullmq', String(n), own, log], flowEnv);
      // Its last line: the runs' states come before it.
      expect(resumed.out.trim().split('\n').at(-1), resumed.out).toBe(JSON.stringify([0, 2, 4, 6, 8, 10]));
      return { ranFirst, ranSecond: lines(log).slice(ranFirst.length) };
    };

    it('should run only the jobs that neither stored a result nor finished as orphans after the flow process was SIGKILLed', { timeout: 90_000 }, async () => {
      const { ranFirst, ranSecond } = await resume();
      // Neither the stored ones nor the orphan's run again: only those never run.
      const all = Array.from({ length: 6 }, (_, i) => String(i));
      expect(ranSecond.sort()).toEqual(all.filter((i) => !ranFirst.includes(i)).sort());
    });

    it("should run an orphan's job again when it finished longer ago than cacheExpiration", { timeout: 90_000 }, async () => {
      // Stored values live as long: each run is stored and expires before the flow runs again.
      const { ranSecond } = await resume(1);
      expect(ranSecond.sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    });
  });
}

if (!hasRedis) {
  describe.skip(`resuming on BullMQ (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
