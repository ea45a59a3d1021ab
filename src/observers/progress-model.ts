/**
 * What a progress bar shows, folded from a flow's events: counts, rate and ETA. Pure (times come
 * from the events and from the caller's `now`), so it is tested on recorded event sequences.
 *
 * @module
 * @internal
 */
import type { FlowEvent } from '../core/events.js';

/** One moment of a progress bar. @internal */
export interface ProgressSnapshot {
  readonly label: string;
  /** Runs known so far: submitted ones for a flow, the map's length for a map. */
  readonly total: number;
  /** Runs that completed. */
  readonly done: number;
  /** Runs that failed (any failed state) or crashed. */
  readonly failed: number;
  /** Runs that were cancelled, or did not start because an upstream was cancelled. */
  readonly cancelled: number;
  /** Runs whose body is running now. */
  readonly running: number;
  /** Milliseconds since the bar's start (until its end, once finished). */
  readonly elapsed: number;
  /**
   * Runs finished per second: over the last {@link RATE_WINDOW_MS} while running, over the whole
   * time once finished; undefined before any time has passed.
   */
  readonly rate: number | undefined;
  /** Milliseconds until the known runs are finished at that rate; undefined when there is no rate. */
  readonly eta: number | undefined;
  /** True once the flow (or every run of the map) has finished. */
  readonly finished: boolean;
}

/** The rate is taken over this much recent time, so the ETA follows a flow that speeds up or slows down. */
export const RATE_WINDOW_MS = 10_000;
const BUCKET_MS = 1_000;
const BUCKETS = RATE_WINDOW_MS / BUCKET_MS;

/**
 * Counts of one flow's (or one map's) runs. Feed it every event with {@link ProgressModel.apply};
 * read it with {@link ProgressModel.snapshot}. Memory is bounded by the runs running at once, not
 * by the runs seen: finishes are counted in one-second buckets.
 *
 * @internal
 */
export class ProgressModel {
  private total = 0;
  private done = 0;
  private failed = 0;
  private cancelled = 0;
  /** Ids of runs in a Running state: a retry leaves and re-enters it. */
  private readonly running = new Set<string>();
  private startedAt: number | undefined;
  private finishedAt: number | undefined;
  // Finishes per second of scheduler time, in a ring: the second each slot counts, and its count.
  private readonly bucketSecond = new Array<number>(BUCKETS).fill(Number.NEGATIVE_INFINITY);
  private readonly bucketCount = new Array<number>(BUCKETS).fill(0);

  /** `startedAt`: when the bar's time starts (else at the first event's time). */
  constructor(
    readonly label: string,
    startedAt?: number,
  ) {
    this.startedAt = startedAt;
  }

  /** Adds runs known in advance (a map's length), which send no `run-submitted` to this model. */
  expect(runs: number): void {
    this.total += runs;
  }

  /** Marks the end: the elapsed time stops here. */
  finish(at: number): void {
    this.finishedAt ??= at;
  }

  /** Runs that reached a terminal state. */
  get finishedRuns(): number {
    return this.done + this.failed + this.cancelled;
  }

  apply(event: FlowEvent): void {
    this.startedAt ??= event.timestamp;
    switch (event.type) {
      case 'flow-started':
        return;
      case 'flow-finished':
        this.finish(event.timestamp);
        return;
      case 'run-submitted':
        this.total++;
        return;
      case 'run-state':
        break;
      case 'run-warning':
      case 'hook-failed':
        return;
    }
    const state = event.state;
    if (state.type === 'Running') {
      this.running.add(event.runId);
      return;
    }
    this.running.delete(event.runId);
    switch (state.type) {
      case 'Completed':
        this.done++;
        break;
      case 'Failed':
      case 'Crashed':
        this.failed++;
        break;
      case 'Cancelled':
        this.cancelled++;
        break;
      default:
        return;
    }
    this.countFinish(event.timestamp);
  }

  private countFinish(at: number): void {
    const second = Math.floor(at / BUCKET_MS);
    const slot = ((second % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.bucketSecond[slot] !== second) {
      this.bucketSecond[slot] = second;
      this.bucketCount[slot] = 0;
    }
    this.bucketCount[slot] = (this.bucketCount[slot] ?? 0) + 1;
  }

  /** Runs finished per second in the window that ends at `now`. */
  private rate(now: number): number | undefined {
    const start = this.startedAt ?? now;
    const second = Math.floor(now / BUCKET_MS);
    const oldest = second - BUCKETS + 1;
    // The window is the last BUCKETS seconds of the clock, or less while the bar is younger.
    const span = now - Math.max(start, oldest * BUCKET_MS);
    if (span <= 0) return undefined;
    let count = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.bucketSecond[i] ?? Number.NEGATIVE_INFINITY;
      if (s >= oldest && s <= second) count += this.bucketCount[i] ?? 0;
    }
    return (count * 1000) / span;
  }

  /** The model at `now` (scheduler time, ms); a finished model reads at its end. */
  snapshot(now: number): ProgressSnapshot {
    const at = this.finishedAt ?? now;
    const finished = this.finishedAt !== undefined;
    const elapsed = Math.max(0, at - (this.startedAt ?? at));
    // While running, the recent rate (for the ETA); at the end, the average over the whole run.
    const rate = finished ? (elapsed > 0 ? (this.finishedRuns * 1000) / elapsed : undefined) : this.rate(at);
    const left = this.total - this.finishedRuns;
    return {
      label: this.label,
      total: this.total,
      done: this.done,
      failed: this.failed,
      cancelled: this.cancelled,
      running: this.running.size,
      elapsed,
      rate,
      eta: !finished && left > 0 && rate !== undefined && rate > 0 ? (left * 1000) / rate : undefined,
      finished,
    };
  }
}
