/** Workload E's shared types and helpers (the orchestrator, the child and both contenders use them). */
import { redisCpuMs } from './redis.js';

/**
 * raw-bulk-events is informational (no target): raw-bulk with the producer learning each outcome
 * through `QueueEvents`, as a producer in another process than its workers must (and sluice does).
 */
export const E_VARIANTS = ['raw-bulk', 'raw-bulk-events', 'sluice-map', 'raw-roundtrip', 'sluice-roundtrip'] as const;
export type EVariant = (typeof E_VARIANTS)[number];

/** What one child measures: passed to it as one JSON argument. */
export interface ECase {
  readonly variant: EVariant;
  /** `redis://127.0.0.1:PORT` of the bench's own redis-server. */
  readonly url: string;
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
  /** CPU time of this process (user + system) during the timed pass, ms: steadier than wall time on a busy host. */
  readonly cpuMs?: number;
  /** CPU time redis-server spent during the timed pass, ms. */
  readonly redisCpuMs?: number;
}

/** One child's line, as the orchestrator records it. */
export interface EResult extends EMeasured {
  readonly variant: EVariant;
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
 * Starts measuring the CPU this process and redis-server spend; the returned function stops and
 * reports both, in ms.
 */
export async function cpuMeter(url: string): Promise<() => Promise<{ cpuMs: number; redisCpuMs: number }>> {
  const port = Number(new URL(url).port);
  const redis0 = await redisCpuMs(port);
  const cpu0 = process.cpuUsage();
  return async () => {
    const cpu = process.cpuUsage(cpu0);
    const redis1 = await redisCpuMs(port);
    return { cpuMs: (cpu.user + cpu.system) / 1000, redisCpuMs: redis1 - redis0 };
  };
}
