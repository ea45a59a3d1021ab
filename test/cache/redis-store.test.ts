/**
 * RedisResultStore against a real redis-server: records under the prefix, Redis' own expiry,
 * a lock that several processes contend for, and Redis down (a closed port, a server that never
 * answers) failing within `commandTimeout`, without the password.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSluiceError, RedisResultStore, ResultStoreError } from '../../src/index.js';
import { ENABLE_REDIS, hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { contend, holdersInTurn } from '../fixtures/store-work.js';
import { killAll, startStoreProcess, startTogether, type StoreProcess } from '../helpers/store-process.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));
const PASSWORD = 'hunter2-not-for-logs';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address !== null ? address.port : 1;
}

describe.skipIf(!hasRedis)('RedisResultStore', () => {
  let redis: RedisServer;
  let raw: Redis;
  let processes: StoreProcess[] = [];
  const stores: RedisResultStore[] = [];
  const made = (options: ConstructorParameters<typeof RedisResultStore>[0] = {}): RedisResultStore => {
    const store = new RedisResultStore({ connection: redis.url, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  }, 30_000);

  afterEach(async () => {
    await killAll(processes);
    processes = [];
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await raw.flushall();
  });

  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });

  it('reads back what was written, overwrites, deletes, and reads a missing key as undefined', async () => {
    const store = made();
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', bytes('one'), {});
    expect(text(await store.get('k'))).toBe('one');
    await store.set('k', bytes('two'), {});
    expect(text(await store.get('k'))).toBe('two');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    await store.delete('k');
  });

  it('keeps each record at <prefix><key>, as given, whatever characters the key has', async () => {
    const store = made();
    const custom = made({ prefix: 'etl:cache:' });
    const keys = ['a/b:c', 'sp ace', 'ü日本', '', 'nul\u0000byte', 'UPPER'];
    for (const key of keys) await store.set(key, bytes(`default ${key}`), {});
    await custom.set('a/b:c', bytes('custom'), {});
    for (const key of keys) {
      expect(text(await store.get(key))).toBe(`default ${key}`);
      expect((await raw.getBuffer(`sluice:results:${key}`))?.toString()).toBe(`default ${key}`);
    }
    expect((await raw.getBuffer('etl:cache:a/b:c'))?.toString()).toBe('custom');
    expect((await raw.keys('*')).sort()).toEqual([...keys.map((key) => `sluice:results:${key}`), 'etl:cache:a/b:c'].sort());
  });

  it("gives a record with a ttl Redis' own expiry, which really drops it; without ttl, none", async () => {
    const store = made();
    await store.set('short', bytes('soon gone'), { ttl: 150 });
    await store.set('forever', bytes('stays'), {});
    const pttl = await raw.pttl('sluice:results:short');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(150);
    expect(await raw.pttl('sluice:results:forever')).toBe(-1);
    expect(text(await store.get('short'))).toBe('soon gone');
    const deadline = Date.now() + 3000;
    while ((await store.get('short')) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await store.get('short')).toBeUndefined();
    expect(text(await store.get('forever'))).toBe('stays');
    // A write without ttl clears an earlier one's.
    await store.set('k', bytes('x'), { ttl: 60_000 });
    await store.set('k', bytes('y'), {});
    expect(await raw.pttl('sluice:results:k')).toBe(-1);
  });

  it('uses a client it is given, and leaves it open on close', async () => {
    const client = new Redis(redis.url);
    try {
      const store = new RedisResultStore({ connection: client, prefix: 'mine:' });
      await store.set('k', bytes('v'), {});
      await store.close();
      expect(client.status).toBe('ready');
      expect((await client.getBuffer('mine:k'))?.toString()).toBe('v');
      await expect(store.get('k')).rejects.toThrow(/the store is closed/);
    } finally {
      client.disconnect();
    }
  });

  it('lets one holder at a time have a key, across processes', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'sluice-redis-lock-'));
    try {
      const work = { key: 'k', rounds: 4, hold: 15, lease: 1000, log: path.join(directory, 'holders.log') };
      processes = await startTogether([1, 2].map((who) => ({ store: { kind: 'redis', url: redis.url }, mode: 'contend', who, ...work })));
      // This process contends too, with its own store.
      await contend(made(), { who: 3, ...work });
      await Promise.all(processes.map((p) => p.printed('done')));
      expect(holdersInTurn(readFileSync(work.log, 'utf8'))).toEqual({ turns: 3 * 4, overlaps: 0 });
      // Released locks leave nothing behind.
      expect(await raw.keys('sluice:results:lock:*')).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("keeps a live holder's lock past its lease, gives up waiting on abort, and frees it within the lease once the holder is SIGKILLed", async () => {
    const lease = 600;
    const holder = startStoreProcess({ store: { kind: 'redis', url: redis.url }, mode: 'hold', key: 'k', lease });
    processes.push(holder);
    await holder.printed('ready');
    holder.go();
    await holder.printed('held');
    const store = made();
    const waited = await store.lock('k', { lease, signal: AbortSignal.timeout(2.5 * lease) }).catch((e: unknown) => e);
    expect(waited).toMatchObject({ name: 'TimeoutError' });
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killed = performance.now();
    const lock = await store.lock('k', { lease });
    expect(performance.now() - killed).toBeLessThan(lease + 1000);
    await lock.release();
    await lock.release();
  }, 20_000);

  it('serialises holders in one process first come first served', async () => {
    const store = made();
    const order: number[] = [];
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3, 4].map(async (who) => {
        const lock = await store.lock('k', { lease: 1000 });
        most = Math.max(most, ++inFlight);
        order.push(who);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        await lock.release();
      }),
    );
    expect(most).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
  });
});

describe('RedisResultStore with Redis down', () => {
  it('rejects a get on a closed port within commandTimeout, with a typed error that never shows the password', async () => {
    const port = await closedPort();
    const store = new RedisResultStore({ connection: `redis://:${PASSWORD}@127.0.0.1:${port}/2`, commandTimeout: 500 });
    try {
      const started = performance.now();
      const error = await store.get('report').catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(500 + 500);
      expect(error).toBeInstanceOf(ResultStoreError);
      expect(isSluiceError(error, 'RESULT_STORE_UNAVAILABLE')).toBe(true);
      expect(error).toMatchObject({ operation: 'get', key: 'report' });
      expect((error as Error).message).toMatch(new RegExp(`^RedisResultStore\\(redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/2\\): get of key "report" failed: `));
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
      expect(JSON.stringify(error)).not.toContain(PASSWORD);
      const set = await store.set('report', bytes('x'), {}).catch((e: unknown) => e);
      expect(set).toMatchObject({ code: 'RESULT_STORE_UNAVAILABLE', operation: 'set' });
      const lock = await store.lock('report', { lease: 1000 }).catch((e: unknown) => e);
      expect(lock).toMatchObject({ code: 'RESULT_STORE_UNAVAILABLE', operation: 'lock' });
      expect(inspect([set, lock], { depth: 10 })).not.toContain(PASSWORD);
    } finally {
      await store.close();
    }
  });

  it('rejects within commandTimeout when Redis accepts the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 1;
    const store = new RedisResultStore({ connection: { host: '127.0.0.1', port, password: PASSWORD }, commandTimeout: 400 });
    try {
      const started = performance.now();
      const error = await store.get('k').catch((e: unknown) => e);
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(400 + 500);
      expect(error).toMatchObject({ code: 'RESULT_STORE_UNAVAILABLE', operation: 'get' });
      expect((error as Error).message).toMatch(new RegExp(`^RedisResultStore\\(127\\.0\\.0\\.1:${port}\\): get of key "k" failed: `));
      expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('refuses a connection it cannot use without quoting its password', () => {
    for (const connection of [`http://user:${PASSWORD}@cache.internal:6379`, `redis://:${PASSWORD}@127.0.0.1:99999`]) {
      const error = (() => {
        try {
          return new RedisResultStore({ connection });
        } catch (e) {
          return e;
        }
      })();
      expect(isSluiceError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(inspect(error)).not.toContain(PASSWORD);
    }
  });
});

if (!hasRedis) {
  describe.skip(`RedisResultStore against redis-server (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
