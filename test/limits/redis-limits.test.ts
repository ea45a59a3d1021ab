/**
 * Limits kept in Redis, seen from one process: the same calls as in-process limits, counts in a
 * real redis-server, and what happens when Redis stops answering. (Several processes sharing a
 * limit: redis-limits.processes.test.ts.)
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { concurrency, concurrencyLimits, flow, isSluiceError, rateLimit, setDefaultLimits, task, type FlowRunHandle, type Limits } from '../../src/index.js';
import { ENABLE_REDIS, hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { expectCleanError } from '../helpers/secrets.js';

const PASSWORD = 'limits-s3cret-pw';

/** A promise and its resolve, to hold a slot until the test lets go. */
function gate(): { readonly promise: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let prefixes = 0;
const prefix = (): string => `limits-test-${process.pid}-${++prefixes}:`;

describe.skipIf(!hasRedis)('limits kept in Redis', () => {
  let server: RedisServer;
  let probe: Redis;

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    probe = new Redis(server.url);
  }, 30_000);

  afterEach(() => {
    setDefaultLimits(undefined);
    server.signal('SIGCONT');
  });

  afterAll(async () => {
    probe.disconnect();
    await server.stop(true);
  });

  const redisLimits = (slots: Record<string, number>, options: { rate?: Record<string, { limit: number; per: number }>; lease?: number; commandTimeout?: number } = {}) => {
    const at = prefix();
    const limits = concurrencyLimits(slots, { rate: options.rate ?? {}, redis: { connection: server.url, prefix: at, lease: options.lease ?? 5000, commandTimeout: options.commandTimeout ?? 5000 } });
    return { limits, at };
  };

  it('says where its counts are kept', () => {
    expect(redisLimits({ crm: 1 }).limits.home).toBe('redis');
    expect(concurrencyLimits({ crm: 1 }).home).toBe('memory');
  });

  it('holds a tag limit of 2 over 30 runs, and keeps one lease per held slot in Redis', async () => {
    const { limits, at } = redisLimits({ crm: 2 });
    let now = 0;
    let max = 0;
    let maxLeases = 0;
    const call = task({ name: 'call', tags: ['crm'] }, async (i: number) => {
      max = Math.max(max, ++now);
      maxLeases = Math.max(maxLeases, await probe.zcard(`semaphore:${at}slots:crm`));
      await new Promise((resolve) => setTimeout(resolve, 5));
      now--;
      return i;
    });
    const out = await flow({ name: 'sync', limits, progress: false }, () => call.map(Array.from({ length: 30 }, (_, i) => i)).result())();
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(max).toBe(2);
    expect(maxLeases).toBe(2);
    // All given back.
    await until(async () => (await probe.zcard(`semaphore:${at}slots:crm`)) === 0, 'the slots are given back');
  });

  it("serves this process's waiters in the order they came", async () => {
    const { limits } = redisLimits({ db: 1 });
    setDefaultLimits(limits);
    const first = gate();
    const order: number[] = [];
    const holder = concurrency('db', () => first.promise);
    // Started one after another while the slot is held: they queue in this order.
    const waiters = [0, 1, 2, 3, 4].map((i) => concurrency('db', () => void order.push(i)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    const handedAt = Date.now();
    first.open();
    await holder;
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    // 5 hand-overs of a few round trips each (a slot freed here wakes the next waiter without waiting for its poll).
    expect(Date.now() - handedAt).toBeLessThan(2000);
  });

  it('wakes a waiter of another process (another set of limits, its own connections) when a slot is given back, without waiting for its next poll', async () => {
    const at = prefix();
    // Polls a minute apart: a hand-over within one shows the wake-up, whatever the machine's load.
    const redis = { connection: server.url, prefix: at, pollInterval: 60_000 };
    // Two homes over the same keys: as two processes would be.
    const here = concurrencyLimits({ db: 1 }, { redis });
    const there = concurrencyLimits({ db: 1 }, { redis });
    const handOvers: number[] = [];
    for (let round = 0; round < 5; round++) {
      const [holder, waiter] = round % 2 === 0 ? [here, there] : [there, here];
      const held = gate();
      let releasedAt = 0;
      const holding = flow({ name: 'holder', limits: holder, progress: false }, () => concurrency('db', () => held.promise.then(() => void (releasedAt = Date.now()))))();
      await until(async () => (await probe.zcard(`semaphore:${at}slots:db`)) === 1, 'the holder holds the slot');
      const waiting = flow({ name: 'waiter', limits: waiter, progress: false }, () => concurrency('db', () => Date.now()))();
      // Past its first request: it waits between polls now.
      await new Promise((resolve) => setTimeout(resolve, 30));
      held.open();
      await holding;
      handOvers.push((await waiting) - releasedAt);
    }
    handOvers.sort((x, y) => x - y);
    // Quiet, 2-8 ms each; polling alone would take up to a minute.
    expect(handOvers[4], `hand-overs: ${handOvers.join(', ')} ms`).toBeLessThan(2000);
  });

  it('takes rate tokens in Redis: a burst of the limit goes at once, the next waits for the first to come back', async () => {
    const { limits, at } = redisLimits({}, { rate: { api: { limit: 3, per: 400 } } });
    setDefaultLimits(limits);
    const t0 = Date.now();
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await rateLimit('api');
      starts.push(Date.now() - t0);
    }
    // The first waits for the connection; the next two come straight after it.
    expect((starts[2] as number) - (starts[0] as number)).toBeLessThan(300);
    expect(starts[3]).toBeGreaterThanOrEqual(400);
    // Each token is a lease in Redis while it is out.
    expect(await probe.zcard(`semaphore:${at}tokens:api`)).toBeGreaterThan(0);
  });

  it('fails the waiters, Crashed with LIMITS_UNAVAILABLE and no password, when Redis stops answering; the holder runs on', async () => {
    const { limits } = redisLimits({ crm: 1 }, { commandTimeout: 400 });
    const held = gate();
    const call = task({ name: 'call', tags: ['crm'] }, () => held.promise.then(() => 'done'));
    const handle: FlowRunHandle<{ holder: string; waiter: unknown; inBody: unknown; state: string }> = flow({ name: 'outage', limits, progress: false }, async () => {
      const holder = call.submit();
      await until(() => holder.state.type === 'Running', 'the holder runs');
      const waiter = call.submit();
      const inBody = concurrency('crm', () => 'never').catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.signal('SIGSTOP');
      const started = Date.now();
      const [waited, body] = await Promise.all([waiter.result().catch((e: unknown) => e), inBody]);
      const took = Date.now() - started;
      // Bounded: the commandTimeout and an attempt's own time-out, not forever.
      expect(took).toBeLessThan(3000);
      held.open();
      return { holder: await holder.result(), waiter: waited, inBody: body, state: waiter.state.type };
    }).start();
    const out = await handle.result();
    expect(out.holder).toBe('done');
    expect(out.state).toBe('Crashed');
    for (const error of [out.waiter, out.inBody]) {
      expect(isSluiceError(error, 'LIMITS_UNAVAILABLE')).toBe(true);
      expectCleanError(error, [PASSWORD]);
    }
    expect((out.waiter as Error).message).toMatch(/^task run "call-\d+" \(task "call"\): waiting for "crm" in Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: no answer for 400 ms/);
    expect((out.inBody as Error).message).toMatch(/^concurrency\(\): waiting for "crm" in Redis at/);
  }, 20_000);

  it('counts no slot twice once Redis answers again: a request that went unanswered is undone', async () => {
    const { limits, at } = redisLimits({ db: 1 }, { commandTimeout: 300, lease: 5000 });
    setDefaultLimits(limits);
    // Connected first: then a request is on its way when Redis freezes, and carried out when it wakes.
    expect(await concurrency('db', () => 'warm')).toBe('warm');
    await until(async () => (await probe.zcard(`semaphore:${at}slots:db`)) === 0, 'the first slot is given back');
    server.signal('SIGSTOP');
    const failed = await concurrency('db', () => 'never').catch((e: unknown) => e);
    expect(isSluiceError(failed, 'LIMITS_UNAVAILABLE')).toBe(true);
    server.signal('SIGCONT');
    // Nobody holds the slot: it is free again at once, not a lease later.
    await until(async () => (await probe.zcard(`semaphore:${at}slots:db`)) === 0, 'the unanswered request is undone', 2000);
    const started = Date.now();
    expect(await concurrency('db', () => 'got it')).toBe('got it');
    expect(Date.now() - started).toBeLessThan(1000);
  }, 20_000);

  it('rejects bad Redis options with the option named and no password shown', () => {
    const bad = (redis: unknown): unknown => {
      try {
        concurrencyLimits({ crm: 1 }, { redis: redis as never });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect((bad({ lease: 10 }) as Error).message).toBe('concurrencyLimits(): `redis`: `lease` must be a number of ms from 1000 up, got 10 (number)');
    expect((bad({ commandTimeout: 0 }) as Error).message).toMatch(/`commandTimeout` must be a positive number of ms/);
    expect((bad({ leases: 1000 }) as Error).message).toMatch(/unknown option `leases`; it takes `connection`, `prefix`, `lease`, `commandTimeout`, `pollInterval`/);
    expect((bad({ prefix: 3 }) as Error).message).toMatch(/`prefix` must be a string/);
    const url = bad({ connection: `http://:${PASSWORD}@example.com` });
    expect(isSluiceError(url, 'INVALID_ARGUMENT')).toBe(true);
    expectCleanError(url, [PASSWORD]);
    expect((bad('redis://x') as Error).message).toMatch(/^concurrencyLimits\(\): `redis` must be an object/);
  });
});

describe('limits in Redis, with no Redis', () => {
  it('fails the wait with LIMITS_UNAVAILABLE within about commandTimeout when Redis cannot be reached', async () => {
    const limits: Limits = concurrencyLimits({ db: 1 }, { redis: { connection: 'redis://127.0.0.1:1', commandTimeout: 300 } });
    const started = Date.now();
    const error = await flow({ name: 'nowhere', limits, progress: false }, () => concurrency('db', () => 1))().catch((e: unknown) => e);
    expect(isSluiceError(error, 'LIMITS_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

if (!hasRedis) {
  describe.skip(`limits kept in Redis (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
