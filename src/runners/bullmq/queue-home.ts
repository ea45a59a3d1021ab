/**
 * Where a queue lives, Redis or PostgreSQL: BullMQ's classes bound to that backend and its
 * connection, and the few things sluice asks of the store past BullMQ's API (an event stream's
 * position, a lost job's failure, the flow runs' heartbeats), each written once per store. The
 * runner, the worker and `sluice clean` ask a home, never a store by name.
 *
 * @module
 * @internal
 */
import { ConnectionClosedError, createPostgresBackend, Queue, QueueEvents, QueueEventsProducer, Worker, type BackendFactory, type Processor, type QueueEventsOptions, type WorkerOptions } from 'bullmq';
import { bullmqConnection, connectionAddress, connectionSecrets, isPostgres, postgresConnection, type QueueConnection } from './connection.js';
import { checkInstalled } from '../../core/optional-package.js';
import { heartbeatKey } from './flow-heartbeat.js';
import type { SweptEvent } from './outcome-sweep.js';
import { cachedJob, deleteHeartbeats, eventsAfter, hasHeartbeat, isConnectionLoss, lastEventId, setCachedJobs, setHeartbeats } from './postgres-commands.js';
import { failedReasonOf, heartbeatClient, lastEntryId, redisRunId } from './redis-commands.js';
import { CANCEL_EVENT, controlQueue } from './protocol.js';

/** A BullMQ class, as far as the home's commands go. */
type Part = Queue | QueueEvents | Worker | QueueEventsProducer;

/** How many cancel events a control stream keeps. */
const CANCELS_KEPT = 1000;

/**
 * How long a worker on PostgreSQL waits, after a query failed for want of a connection, before it
 * tries again (BullMQ's `runRetryDelay`, 15 s). ioredis hides a Redis restart from BullMQ (its
 * commands wait for the reconnect); node-postgres fails them at once (ECONNREFUSED), so after
 * even a brief restart of PostgreSQL a worker sat idle for 15 s. One try a second, as ioredis does.
 */
const POSTGRES_RETRY_MS = 1000;

/**
 * A queue's home. Made by {@link queueHome}; every BullMQ object it makes has a connection of its
 * own, as BullMQ's classes do.
 */
export interface QueueHome {
  readonly kind: 'redis' | 'postgres';
  /** Where it is, for messages: scheme, host, port and database, never a user or password. */
  readonly address: string;
  /** The passwords its setting holds: no message or log line may quote them. */
  readonly secrets: readonly string[];
  /** The key prefix (Redis; PostgreSQL has its schema instead). */
  readonly prefix: string;
  queue(name: string): Queue;
  events(name: string, options?: Omit<QueueEventsOptions, 'connection' | 'prefix'>): QueueEvents;
  producer(name: string): QueueEventsProducer;
  worker(name: string, processor: Processor, options: Omit<WorkerOptions, 'connection' | 'prefix'>): Worker;
  /** The id of the last event on the event stream of the queue named `name`, asked of the store (never this machine's clock), or `undefined` when it has none. */
  lastEventId(part: Part, name: string): Promise<string | undefined>;
  /** The position before any event, to read a stream from its start. */
  readonly streamStart: string;
  /**
   * Reads again the events named `event` after the id `after` on the stream of the queue named
   * `name`: where the store's stream can skip an event (PostgreSQL; see `outcome-sweep.ts`), else
   * absent.
   */
  readonly eventsAfter?: (part: Part, name: string, after: string, event: string) => Promise<SweptEvent[]>;
  /** An id the store takes anew at each start (Redis' `run_id`): another means it restarted empty. `undefined` where the store keeps its data through a restart, or will not say. */
  serverRunId(queue: Queue): Promise<string | undefined>;
  /** What to do about an error of the store, as a sentence to add to its message (`''` when it says enough). */
  advice(error: unknown): string;
  /** Asks the worker running the job to abort it, on the queue's own connection (one made for it could still be opening when the process exits). */
  sendCancel(queue: Queue, jobId: string): Promise<void>;
  /** Why a job failed, for a job BullMQ could not read (its data not JSON); `null` when not known. */
  failedReason(queue: Queue, jobId: string): Promise<string | null>;
  /** Sets or renews the heartbeats of these flow runs of the queue, to lapse in `lease` ms by the store's clock. */
  setHeartbeats(part: Part, queue: string, flowRunIds: readonly string[], lease: number): Promise<void>;
  /** Whether the flow run's heartbeat is there and has not lapsed. */
  hasHeartbeat(part: Part, queue: string, flowRunId: string): Promise<boolean>;
  /** Removes one flow run's heartbeat, or (without one) all of the queue's, and the notes of its cached runs. */
  deleteHeartbeats(part: Part, queue: string, flowRunId?: string): Promise<void>;
  /** Notes the jobs of cached runs by cache key (`[key, jobId]`), for `ttl` ms. */
  setCachedJobs(part: Part, queue: string, jobs: readonly (readonly [string, string])[], ttl: number): Promise<void>;
  /** The job noted for a cache key, if its note has not lapsed. */
  cachedJob(part: Part, queue: string, key: string): Promise<string | undefined>;
}

/** A cancel, on the queue's control stream, through the backend's own publish (both stores have it). */
async function sendCancel(queue: Queue, prefix: string, jobId: string): Promise<void> {
  await queue.backend.forQueue(controlQueue(queue.name), prefix).publishEvent({ event: CANCEL_EVENT, jobId }, CANCELS_KEPT);
}

/** The Redis backend's ioredis client, for the heartbeats' commands. */
interface RedisKeys {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
}

function redisHome(connection: QueueConnection, prefix: string, who: string): QueueHome {
  const options = (): ReturnType<typeof bullmqConnection> => bullmqConnection(connection, who);
  options();
  return {
    kind: 'redis',
    address: connectionAddress(connection),
    secrets: connectionSecrets(connection),
    prefix,
    queue: (name) => new Queue(name, { connection: options(), prefix }),
    events: (name, more) => new QueueEvents(name, { ...more, connection: options(), prefix }),
    producer: (name) => new QueueEventsProducer(name, { connection: options(), prefix }),
    worker: (name, processor, more) => new Worker(name, processor, { ...more, connection: options(), prefix }),
    lastEventId: (part, name) => lastEntryId(part as Queue, `${prefix}:${name}:events`),
    streamStart: '0-0',
    serverRunId: redisRunId,
    advice: () => '',
    sendCancel: (queue, jobId) => sendCancel(queue, prefix, jobId),
    failedReason: failedReasonOf,
    async setHeartbeats(part, queue, flowRunIds, lease) {
      const client = await heartbeatClient(part as Queue);
      await Promise.all(flowRunIds.map((id) => client.set(heartbeatKey(prefix, queue, id), '1', 'PX', lease)));
    },
    async hasHeartbeat(part, queue, flowRunId) {
      return (await (await heartbeatClient(part as Queue)).exists(heartbeatKey(prefix, queue, flowRunId))) > 0;
    },
    async deleteHeartbeats(part, queue, flowRunId) {
      const redis = (await (part as Queue).backend.client) as unknown as RedisKeys;
      if (flowRunId !== undefined) {
        await redis.del(heartbeatKey(prefix, queue, flowRunId));
        return;
      }
      for (const pattern of [heartbeatKey(prefix, queue, '*'), `${prefix}:${queue}:sluice-cached:*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      }
    },
    async setCachedJobs(part, queue, jobs, ttl) {
      const redis = (await (part as Queue).backend.client) as unknown as RedisKeys;
      await Promise.all(jobs.map(([key, id]) => redis.set(`${prefix}:${queue}:sluice-cached:${key}`, id, 'PX', Math.max(1, Math.round(ttl)))));
    },
    async cachedJob(part, queue, key) {
      const redis = (await (part as Queue).backend.client) as unknown as RedisKeys;
      return (await redis.get(`${prefix}:${queue}:sluice-cached:${key}`)) ?? undefined;
    },
  };
}

/** The private query method of BullMQ's PostgreSQL backend, through which all its commands go. */
type BackendQuery = (text: string, params?: unknown[]) => Promise<unknown>;

/**
 * BullMQ's PostgreSQL backend for a worker, whose queries that lose their connection fail with
 * BullMQ's ConnectionClosedError. BullMQ tells a lost connection from a failed command by that
 * class (or ECONNREFUSED) alone: node-postgres' "Connection terminated unexpectedly" or a server
 * shutting down was the command's fault to it, and a job whose body had finished while PostgreSQL
 * restarted was failed with that message. A lost connection is tried again instead, as ioredis
 * waits for Redis.
 */
const workerBackend: BackendFactory = (name, opts, options) => {
  const backend = (createPostgresBackend as unknown as BackendFactory)(name, opts, options);
  const target = backend as unknown as { query: BackendQuery };
  const query = target.query.bind(backend);
  target.query = (text, params) =>
    query(text, params).catch((error: unknown) => {
      throw isConnectionLoss(error) ? new ConnectionClosedError((error as Error).message, error) : error;
    });
  return backend;
};

function postgresHome(connection: string | { readonly connectionString: string }, prefix: string, who: string): QueueHome {
  const options = (): ReturnType<typeof postgresConnection> => postgresConnection(connection, who);
  options();
  // BullMQ loads pg when it first connects, and would fail there, in the middle of a flow.
  checkInstalled('pg', `${who} on PostgreSQL`);
  // BullMQ's classes take a backend factory last; their types are Redis' by default, and sluice
  // uses only what both backends have.
  const factory = createPostgresBackend as unknown as BackendFactory;
  const connectionOf = options as unknown as () => ReturnType<typeof bullmqConnection>;
  return {
    kind: 'postgres',
    address: connectionAddress(connection),
    secrets: connectionSecrets(connection),
    prefix,
    queue: (name) => new Queue(name, { connection: connectionOf(), prefix }, factory as never),
    // A reader waits for a NOTIFY between two reads, and one sent in between is not heard: it
    // reads again after a second at most, not BullMQ's 10.
    events: (name, more) => new QueueEvents(name, { blockingTimeout: 1000, ...more, connection: connectionOf(), prefix }, factory as never),
    producer: (name) => new QueueEventsProducer(name, { connection: connectionOf(), prefix }, factory as never),
    worker: (name, processor, more) => new Worker(name, processor, { runRetryDelay: POSTGRES_RETRY_MS, ...more, connection: connectionOf(), prefix }, workerBackend as never),
    lastEventId,
    streamStart: '0',
    eventsAfter,
    // PostgreSQL keeps its data through a restart: no restart empties it.
    serverRunId: () => Promise.resolve(undefined),
    advice: (error) =>
      (error as { name?: unknown } | null)?.name === 'SchemaMigrationRequiredError'
        ? `; run \`sluice migrate --postgres <url>${options().schema === undefined ? '' : ` --schema ${String(options().schema)}`}\` once, as a role that may create tables, or connect with migrate: true`
        : '',
    sendCancel: (queue, jobId) => sendCancel(queue, prefix, jobId),
    // Job data is jsonb there: BullMQ reads every job, and its failure with it.
    failedReason: async (queue, jobId) => (await queue.getJob(jobId))?.failedReason ?? null,
    setHeartbeats,
    hasHeartbeat,
    deleteHeartbeats,
    setCachedJobs,
    cachedJob,
  };
}

/**
 * The home of a connection setting: PostgreSQL for a `postgres://` URL or pool options with a
 * `connectionString`, Redis otherwise. Checks the setting (a typed error names `who`).
 */
export function queueHome(connection: QueueConnection, prefix: string, who: string): QueueHome {
  return isPostgres(connection) ? postgresHome(connection, prefix, who) : redisHome(connection, prefix, who);
}
