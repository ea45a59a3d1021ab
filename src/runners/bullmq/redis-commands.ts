/**
 * The Redis commands the BullMQ runner sends itself, past BullMQ's API, on the queue's own
 * ioredis client: each in one place, so what the runner asks of Redis beyond BullMQ is found here
 * (`queue-home.ts` picks these or their PostgreSQL counterparts, in `postgres-commands.ts`).
 * (The clients' status, up or reconnecting, is watched in `connections.ts`.)
 *
 * @module
 * @internal
 */
import type { Queue } from 'bullmq';
import { controlQueue } from './protocol.js';

/** The Redis client, as far as the flow runs' heartbeats go. */
export interface HeartbeatClient {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  exists(key: string): Promise<number>;
}

/** The id of a stream's last entry (XREVRANGE), or `undefined` when it has none. */
export async function lastEntryId(queue: Queue, key: string): Promise<string | undefined> {
  // The Redis backend's client is ioredis.
  const client = (await queue.backend.client) as unknown as { xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<[string, string[]][]> };
  const last = await client.xrevrange(key, '+', '-', 'COUNT', 1);
  return last[0]?.[0];
}

/** Redis' `run_id` (new at each start, from INFO), or `undefined` where INFO is refused or not Redis. */
export async function redisRunId(queue: Queue): Promise<string | undefined> {
  try {
    const client = (await queue.backend.client) as unknown as { info(section: string): Promise<string> };
    return /^run_id:(\w+)/m.exec(await client.info('server'))?.[1];
  } catch {
    // Without it a lost job reads as removed, as before: nothing to say.
    return undefined;
  }
}

/** The stream the workers read cancels from: the events of the queue's control queue. */
export function cancelsKey(prefix: string, queue: string): string {
  return `${prefix}:${controlQueue(queue)}:events`;
}

/** Why a job failed, read from its hash (HGET): for a job whose data is not JSON, which BullMQ cannot read. */
export async function failedReasonOf(queue: Queue, jobId: string): Promise<string | null> {
  const client = (await queue.backend.client) as unknown as { hget(key: string, field: string): Promise<string | null> };
  return client.hget(queue.toKey(jobId), 'failedReason');
}

/** The client the flow runs' heartbeats are set with (SET ... PX, by `Heartbeats`). */
export async function heartbeatClient(queue: Queue): Promise<HeartbeatClient> {
  return (await queue.backend.client) as unknown as HeartbeatClient;
}
