/** Workload F's shared types (the orchestrator, the child and both contenders use them). */

/**
 * sluice's file cache, the hand-written memo it is measured against, and (informational, warm
 * only) the same memo in a process where an `AsyncLocalStorage` is entered, as sluice's always is.
 */
export const F_VARIANTS = ['memo', 'sluice', 'memo-als'] as const;
export type FVariant = (typeof F_VARIANTS)[number];

/** Cold: an empty folder, every run misses, computes and writes. Warm: a fresh process over the folder the cold phase left, every run hits. */
export type FPhase = 'cold' | 'warm';

/** What one child measures: passed to it as one JSON argument. */
export interface FCase {
  readonly variant: FVariant;
  readonly phase: FPhase;
  /** The cache folder: empty for the cold phase, the cold phase's for the warm one. */
  readonly dir: string;
  /** Runs timed, arguments 0..n-1. */
  readonly n: number;
  /** Runs before the timed pass, in the same process, with arguments of their own (n..n+warm-1). */
  readonly warm: number;
  readonly concurrency: number;
}

/** What a child prints, after {@link F_RESULT_PREFIX}. */
export interface FMeasured {
  /** Wall time of the timed pass. */
  readonly ms: number;
  /** CPU time of the process (user + system) during the timed pass: steadier than wall time on a busy host. */
  readonly cpuMs: number;
  /** Bodies run in the timed pass: n when cold, 0 when warm. */
  readonly bodies: number;
  /** Every value right (2x), in input order. */
  readonly ok: boolean;
  readonly peakRssMb: number;
}

/** One run of one (variant, phase) in the orchestrator's record. */
export interface FResult extends Partial<FMeasured> {
  readonly variant: FVariant;
  readonly phase: FPhase;
  readonly rep: number;
  readonly n: number;
  readonly warm: number;
  readonly concurrency: number;
  /** Files in the folder after the cold phase (n + warm when every run stored its value). */
  readonly files?: number;
  readonly error?: string;
}

export const F_RESULT_PREFIX = 'BENCH_F ';

/** A contender: applies the cached `fn` to every item, `concurrency` at a time, and returns the values in input order. */
export type FRun = (items: readonly number[]) => Promise<readonly number[]>;
