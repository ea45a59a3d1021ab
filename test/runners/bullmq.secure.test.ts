/**
 * A secured Redis: a password, TLS with a certificate of its own, another db and a key prefix.
 * The connection options pass through to ioredis on the flow side (an options object) and in
 * `sluice worker` (a rediss:// URL with password and db, and the CA through NODE_EXTRA_CA_CERTS).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow } from '../../src/index.js';
import { add } from '../conformance/tasks.js';
import { ENABLE_REDIS, hasRedis, killWorkers, queueName, root, startRedis, startWorkerProcess, type RedisServer, type WorkerProcess } from '../helpers/redis.js';

const tls = { cert: path.join(root, 'test/fixtures/tls/cert.pem'), key: path.join(root, 'test/fixtures/tls/key.pem') };
const PASSWORD = 'not so secret';

describe.skipIf(!hasRedis)('BullMQTaskRunner on a Redis with a password, TLS, a db and a prefix', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  const queue = queueName('secure');

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD, tls });
    workers = [startWorkerProcess({ queue, url: `${redis.url}/3`, modules: ['test/conformance/tasks.ts'], args: ['--prefix', 'secure'], env: { NODE_EXTRA_CA_CERTS: tls.cert } })];
    await workers[0]?.ready;
  }, 60_000);

  afterAll(async () => {
    await killWorkers(workers);
    await redis.stop();
  });

  it('runs a flow through it, with its jobs under the prefix in that db', async () => {
    const connection = { host: '127.0.0.1', port: redis.port, password: PASSWORD, db: 3, tls: { ca: readFileSync(tls.cert), servername: 'localhost' } };
    const runner = new BullMQTaskRunner({ queue, connection, prefix: 'secure' });
    const out = await flow({ name: 'secure', taskRunner: runner }, () => add.map([1, 2, 3], 10).result())();
    expect(out).toEqual([11, 12, 13]);
    const there = new Queue(queue, { connection, prefix: 'secure' });
    const elsewhere = new Queue(queue, { connection: { ...connection, db: 0 }, prefix: 'secure' });
    try {
      expect(await there.getCompletedCount()).toBe(3);
      expect(await elsewhere.getCompletedCount()).toBe(0);
    } finally {
      await Promise.all([there.close(), elsewhere.close()]);
    }
  });

  it('fails fast, with a connection error, without the password', async () => {
    const runner = new BullMQTaskRunner({ queue, connection: { host: '127.0.0.1', port: redis.port, db: 3, tls: { ca: readFileSync(tls.cert), servername: 'localhost' } }, prefix: 'secure', connectionTimeout: 1000 });
    const error = await flow({ name: 'no-password', taskRunner: runner }, () => add.submit(1, 1).result())().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'QUEUE_CONNECTION' });
    expect((error as Error).message).toMatch(/NOAUTH/);
  });
});

if (!hasRedis) {
  describe.skip(`BullMQ on a secured Redis (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
