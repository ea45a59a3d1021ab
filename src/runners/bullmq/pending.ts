/**
 * The BullMQ runner's record of a run's job, in a module of its own: the runner, its look-ups and
 * its no-worker watch all read it.
 *
 * @module
 * @internal
 */
import type { AttemptSink, RunnerCall } from '../runner.js';
import type { JobData } from './protocol.js';

/** A run's job, from when the engine starts the attempt until its outcome is known. */
export class Pending {
  /** The job's data until it is added (then only Redis needs it). */
  data: JobData | undefined;
  /** When `addBulk` returned for it (0 before). */
  addedAt = 0;
  /** When it was last looked up in Redis. */
  checkedAt = 0;
  /** The engine stopped it (cancelled, timed out) before its job was added. */
  stopped = false;
  settled = false;

  constructor(
    readonly id: string,
    readonly call: RunnerCall,
    data: JobData,
    readonly sink: AttemptSink,
    private readonly stop: (entry: Pending) => void,
  ) {
    this.data = data;
  }

  /** The engine stops the attempt (cancel, time-out): take the job back. */
  unsubscribe(): void {
    if (!this.settled) this.stop(this);
  }
}
