/**
 * What the BullMQ runner and workers ask of PostgreSQL past BullMQ's API, as SQL on the pool of
 * BullMQ's PostgreSQL backend (its `search_path` is BullMQ's schema): the position of an event
 * stream, and the flow runs' heartbeats. Each the counterpart of one in `redis-commands.ts`.
 *
 * The heartbeats are rows of BullMQ's own `meta` table, under a name no queue takes
 * (`<queue>.sluice-flows`), holding when they lapse by the database's clock: no table of ours to
 * migrate, and no trust in the clocks of the machines.
 *
 * @module
 * @internal
 */
import type { PgQueryable } from 'bullmq';
import type { SweptEvent } from './outcome-sweep.js';
import { cachedQueue, flowsQueue } from './protocol.js';

/** A BullMQ class on the PostgreSQL backend, as far as its pool goes. */
export interface OnPostgres {
  readonly backend: unknown;
}

/** The backend's pool, once its connection is ready (the schema migrated, or checked). */
async function pool(part: OnPostgres): Promise<PgQueryable> {
  const { connection } = part.backend as { readonly connection: { readonly pool: PgQueryable; waitUntilReady(): Promise<void> } };
  await connection.waitUntilReady();
  return connection.pool;
}

/** The database's clock, in ms since the epoch, as SQL. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** The id of the last event on `queue`'s event stream, or `undefined` when it has none. */
export async function lastEventId(part: OnPostgres, queue: string): Promise<string | undefined> {
  const { rows } = await (await pool(part)).query<{ readonly max: string | null }>('SELECT MAX(id)::text AS max FROM event WHERE queue = $1', [queue]);
  return rows[0]?.max ?? undefined;
}

/** The events named `event` on `queue`'s event stream after the id `after`, in order: their ids and `outcomes` fields. */
export async function eventsAfter(part: OnPostgres, queue: string, after: string, event: string): Promise<SweptEvent[]> {
  const { rows } = await (await pool(part)).query<SweptEvent>(
    "SELECT id::text AS id, data->>'outcomes' AS outcomes FROM event WHERE queue = $1 AND id > $2::bigint AND event = $3 ORDER BY id LIMIT 1000",
    [queue, after, event],
  );
  return rows;
}

/** Sets (or renews) the heartbeats of these flow runs, to lapse `lease` ms from now. */
export async function setHeartbeats(part: OnPostgres, queue: string, flowRunIds: readonly string[], lease: number): Promise<void> {
  await (await pool(part)).query(
    `INSERT INTO meta (queue, field, value) SELECT $1, id, (${NOW_MS} + $3::bigint)::text FROM unnest($2::text[]) AS id
     ON CONFLICT (queue, field) DO UPDATE SET value = EXCLUDED.value`,
    [flowsQueue(queue), flowRunIds, lease],
  );
}

/** Whether a flow run's heartbeat is there and has not lapsed. */
export async function hasHeartbeat(part: OnPostgres, queue: string, flowRunId: string): Promise<boolean> {
  const { rows } = await (await pool(part)).query<{ readonly alive: boolean }>(`SELECT value::bigint > ${NOW_MS} AS alive FROM meta WHERE queue = $1 AND field = $2`, [
    flowsQueue(queue),
    flowRunId,
  ]);
  return rows[0]?.alive === true;
}

/** Notes the jobs of cached runs by their cache keys (`[key, jobId]`), for `ttl` ms; drops the notes that lapsed. */
export async function setCachedJobs(part: OnPostgres, queue: string, jobs: readonly (readonly [string, string])[], ttl: number): Promise<void> {
  const db = await pool(part);
  await db.query(
    `INSERT INTO meta (queue, field, value) SELECT $1, key, (${NOW_MS} + $4::bigint)::text || ':' || id FROM unnest($2::text[], $3::text[]) AS j(key, id)
     ON CONFLICT (queue, field) DO UPDATE SET value = EXCLUDED.value`,
    [cachedQueue(queue), jobs.map(([key]) => key), jobs.map(([, id]) => id), Math.round(ttl)],
  );
  await db.query(`DELETE FROM meta WHERE queue = $1 AND split_part(value, ':', 1)::bigint < ${NOW_MS}`, [cachedQueue(queue)]);
}

/** The job noted for a cache key, unless its note lapsed. */
export async function cachedJob(part: OnPostgres, queue: string, key: string): Promise<string | undefined> {
  const { rows } = await (await pool(part)).query<{ readonly id: string }>(
    `SELECT substr(value, strpos(value, ':') + 1) AS id FROM meta WHERE queue = $1 AND field = $2 AND split_part(value, ':', 1)::bigint > ${NOW_MS}`,
    [cachedQueue(queue), key],
  );
  return rows[0]?.id;
}

/** SQLSTATEs of a connection that PostgreSQL ended or will not take now: its class 08, and shutting down, crashed, starting up (57P01-57P03). */
const CONNECTION_STATES = /^(08...|57P0[123])$/;
/** Node's codes for a socket refused, reset or cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a query failed because its connection to PostgreSQL was refused or lost (the server
 * stopping, restarting or out of reach), not because of the query itself: a password refused
 * (28P01) is no such failure, and nor is any error of the statement.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (CONNECTION_STATES.test(code) || SOCKET_CODES.has(code))) return true;
  // node-postgres' own words for a socket that closed under a query.
  return /^Connection terminated/.test(error.message);
}

/** Removes heartbeats: one flow run's, or (without one) all of the queue's, with its cached runs' notes. */
export async function deleteHeartbeats(part: OnPostgres, queue: string, flowRunId?: string): Promise<void> {
  if (flowRunId === undefined) await (await pool(part)).query('DELETE FROM meta WHERE queue = $1 OR queue = $2', [flowsQueue(queue), cachedQueue(queue)]);
  else await (await pool(part)).query('DELETE FROM meta WHERE queue = $1 AND field = $2', [flowsQueue(queue), flowRunId]);
}
