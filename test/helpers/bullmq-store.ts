/**
 * The store a BullMQ queue lives in, as the fault tests see it: a real redis-server or PostgreSQL
 * server, with BullMQ's own classes on it (for hand-made jobs and for counting jobs), so that a
 * test's body can be written once for both.
 */
import { createPostgresBackend, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { startPostgres, type PostgresServerOptions } from './postgres.js';
import { startRedis } from './redis.js';

/** A running store. */
export interface TestStore {
  /** For messages and patterns: `Redis` or `PostgreSQL`. */
  readonly name: 'Redis' | 'PostgreSQL';
  readonly url: string;
  /** BullMQ's own Queue on it, as code of its own that uses BullMQ would make one. */
  queue(name: string): Queue;
  /** BullMQ's own QueueEvents on it. */
  events(name: string): QueueEvents;
  /** What it still holds of the queues whose names start with `queue` (Redis keys; PostgreSQL rows, as `<table> <queue> <field>`). */
  leftovers(queue: string): Promise<string[]>;
  /** Stops it (`hard`: as when the machine goes away). */
  stop(hard?: boolean): Promise<void>;
}

/** A running PostgreSQL store, which can also be restarted on its data. */
export interface PostgresTestStore extends TestStore {
  /** Stops it (`hard`: as a crash) and starts it again on the same data and port; `whileDown` runs in between. */
  restart(hard?: boolean, whileDown?: () => Promise<void>): Promise<void>;
}

/** Starts a redis-server on a free loopback port. */
export async function startRedisStore(): Promise<TestStore> {
  const server = await startRedis();
  const connection = (): { url: string } => ({ url: server.url });
  return {
    name: 'Redis',
    url: server.url,
    queue: (name) => new Queue(name, { connection: connection() }),
    events: (name) => new QueueEvents(name, { connection: connection() }),
    async leftovers(queue) {
      const redis = new Redis(server.url);
      try {
        return await redis.keys(`bull:${queue}*`);
      } finally {
        redis.disconnect();
      }
    },
    stop: (hard) => server.stop(hard),
  };
}

/** BullMQ's tables that hold rows of a queue (its jobs' logs and dependencies go with the jobs). */
const QUEUE_TABLES = ['job', 'event', 'meta', 'scheduler', 'rate_limit', 'metrics', 'dedup', 'dedup_next'];

/** Starts a PostgreSQL server on a free loopback port; BullMQ's classes on it migrate its schema as sluice's do. */
export async function startPostgresStore(options: PostgresServerOptions = {}): Promise<PostgresTestStore> {
  const server = await startPostgres(options);
  const connection = (): { connectionString: string; migrate: boolean } => ({ connectionString: server.url, migrate: true });
  return {
    name: 'PostgreSQL',
    url: server.url,
    // Typed as Redis' (BullMQ's default): the tests use only what both backends have.
    queue: (name) => new Queue(name, { connection: connection() }, createPostgresBackend) as unknown as Queue,
    events: (name) => new QueueEvents(name, { connection: connection() }, createPostgresBackend) as unknown as QueueEvents,
    async leftovers(queue) {
      const like = `'${queue.replace(/'/g, "''")}%'`;
      const rows = QUEUE_TABLES.map((table) => `SELECT '${table}' || ' ' || queue${table === 'meta' ? " || ' ' || field" : ''} AS row FROM bullmq.${table} WHERE queue LIKE ${like}`);
      const out = await server.sql(rows.join(' UNION ALL '));
      return out === '' ? [] : out.split('\n');
    },
    stop: (hard) => server.stop(hard),
    restart: (hard, whileDown) => server.restart(hard, whileDown),
  };
}
