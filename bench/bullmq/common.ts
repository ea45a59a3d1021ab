/** Workload E's shared types and helpers (the orchestrator, the child and both contenders use them). */
import { postgresCpuMs } from './postgres-cpu.js';
import { redisCpuMs } from './redis.js';

/** Where BullMQ keeps the queue: the bench's own redis-server, or its own PostgreSQL server (BullMQ's PostgreSQL backend). */
export const E_STORES = ['redis', 'postgres'] as const;
export type EStore = (typeof E_STORES)[number];

/**
 * raw-bulk-events is informational (no target): raw-bulk with the producer learning each outcome
 * through `QueueEvents`, as a producer in another process than its workers must (and sluice does).
 */
export const E_VARIANTS = ['raw-bulk', 'raw-bulk-events', 'sluice-map', 'raw-roundtrip', 'sluice-roundtrip'] as const;
export type EVariant = (typeof E_VARIANTS)[number];

/** What one child measures: passed to it as one JSON argument. */
export interface ECase {
  readonly variant: EVariant;
  readonly store: EStore;
  /** `redis://127.0.0.1:PORT` of the bench's own redis-server, or `postgres://postgres@127.0.0.1:PORT/DB` of its own PostgreSQL server (a database of the run's own). */
  readonly url: string;
  /** PostgreSQL: the postmaster's pid, whose processes' CPU is measured. */
  readonly serverPid?: number;
  /** A queue name of its own (fresh per run). */
  readonly queue: string;
  /** Jobs timed: the bulk size, or the number of round trips. */
  readonly n: number;
  /** Jobs (bulk) or trips (round trip) before the timed pass, in the same process. */
  readonly warm: number;
  /** The worker's concurrency. */
  readonly concurrency: number;
  /** Jobs per `addBulk` call (raw), `bulkSize` (sluice). */
  readonly chunk: number;
}

/** What a contender returns. */
export interface EMeasured {
  /** Wall time of the timed pass. */
  readonly ms: number;
  readonly ok: boolean;
  /** Bulk, raw only: until the last `addBulk` returned. */
  readonly enqueueMs?: number;
  /** Round trip: latency percentiles and mean over the timed trips. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly meanMs?: number;
  /** raw-bulk-events: 'completed' events `QueueEvents` never delivered (the run is not ok then). */
  readonly lostEvents?: number;
  /** CPU time of this process (user + system) during the timed pass, ms: steadier than wall time on a busy host. */
  readonly cpuMs?: number;
  /** CPU time the store's server spent during the timed pass, ms: redis-server's, or PostgreSQL's processes' together. */
  readonly serverCpuMs?: number;
}

/** One child's line, as the orchestrator records it. */
export interface EResult extends EMeasured {
  readonly variant: EVariant;
  readonly store: EStore;
  readonly rep: number;
  readonly n: number;
  readonly warm: number;
  readonly concurrency: number;
  readonly chunk: number;
  /** n / (ms / 1000). */
  readonly jobsPerS: number;
  readonly peakRssMb: number;
  readonly error?: string;
}

export const E_RESULT_PREFIX = 'E_RESULT ';

/** Nearest-rank percentile (`p` in 0..1) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * Starts measuring the CPU this process and the store's server spend; the returned function stops
 * and reports both, in ms (the server's as NaN where it cannot be read: PostgreSQL off Linux).
 */
export async function cpuMeter(cfg: ECase): Promise<() => Promise<{ cpuMs: number; serverCpuMs: number }>> {
  const port = Number(new URL(cfg.url).port);
  const server = async (): Promise<number> =>
    cfg.store === 'redis' ? redisCpuMs(port) : cfg.serverPid === undefined ? Number.NaN : (postgresCpuMs(cfg.serverPid) ?? Number.NaN);
  const server0 = await server();
  const cpu0 = process.cpuUsage();
  return async () => {
    const cpu = process.cpuUsage(cpu0);
    const server1 = await server();
    return { cpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs: server1 - server0 };
  };
}
