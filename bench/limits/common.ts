/** Workload G's shared types (the orchestrator and the child use them). */

/**
 * One at a time (`await submit(i).result()`, limit 16, never contended): untagged, tagged with an
 * in-process limit, tagged with a Redis one. Contended (`map` with runner concurrency 8 under a
 * limit of 2): in-process and Redis.
 */
export const G_VARIANTS = ['untagged', 'memory', 'redis', 'memory-contended', 'redis-contended'] as const;
export type GVariant = (typeof G_VARIANTS)[number];

export const isContended = (v: GVariant): boolean => v === 'memory-contended' || v === 'redis-contended';
export const needsRedis = (v: GVariant): boolean => v === 'redis' || v === 'redis-contended';

/** What one child measures: passed to it as one JSON argument. */
export interface GCase {
  readonly variant: GVariant;
  /** The bench's redis-server, for the Redis variants. */
  readonly url?: string;
  /** The limits' key prefix: one of the run's own. */
  readonly prefix: string;
  /** Runs timed. */
  readonly n: number;
  /** Untimed runs first, in the same flow. */
  readonly warm: number;
  /** The tag's concurrency limit. */
  readonly limit: number;
  /** The runner's `maxConcurrency` (contended: how many runs are submitted at once). */
  readonly concurrency: number;
}

/** What a child prints, after {@link G_RESULT_PREFIX}. */
export interface GMeasured {
  /** Wall time of the timed pass. */
  readonly ms: number;
  /** One at a time: latency of each run, submit to result, percentiles and mean, µs. */
  readonly p50Us?: number;
  readonly p99Us?: number;
  readonly meanUs?: number;
  /** The most bodies in flight at once (one at a time: 1; contended: at most the limit). */
  readonly maxInFlight: number;
  /** Every value right, and never more bodies in flight than the limit. */
  readonly ok: boolean;
  readonly peakRssMb: number;
}

/** One run of one variant in the orchestrator's record. */
export interface GResult extends Partial<GMeasured> {
  readonly variant: GVariant;
  readonly rep: number;
  readonly n: number;
  readonly warm: number;
  readonly limit: number;
  readonly concurrency: number;
  readonly error?: string;
}

export const G_RESULT_PREFIX = 'BENCH_G ';
