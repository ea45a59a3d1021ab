/**
 * The BullMQ runner's look-ups: a job whose outcome was not heard through the events its workers
 * publish (an event missed, as in bullmq#85, or never sent, by a worker killed between finishing
 * a job and publishing it) is looked up in Redis, `checkInterval` after it was added or last
 * looked up.
 *
 * @module
 * @internal
 */
import { Job } from 'bullmq';
import type { Connections } from './connections.js';
import { JobFailedError, QueueConnectionError } from './errors.js';
import type { Pending } from './pending.js';

/** The most jobs looked up per tick, so a long list does not flood Redis. */
export const CHECKS_PER_TICK = 200;

/** What a connection's user loses when Redis refuses to let it read the outcomes' stream. */
export function outcomesLost(checkInterval: number): string {
  return `This flow hears no outcome from the workers: it finds each by looking its job up, ${checkInterval} ms after it was added and at most ${CHECKS_PER_TICK} a second`;
}

/** Where a looked-up outcome goes: the runner reads it as it reads one heard. */
export interface OutcomeSink {
  /** A completed job, with the value its worker returned. */
  completed(entry: Pending, returnvalue: unknown): void;
  /** A failed job: `data` is the job's, where the worker recorded why. */
  failed(entry: Pending, failedReason: string, data: unknown): void;
  /** A run that fails for what became of its job (gone from Redis). */
  settle(entry: Pending, error: unknown): void;
}

/** What {@link OutcomeCheck} needs of the runner. */
export interface OutcomeCheckOptions {
  /** The queue, which its errors name. */
  readonly queue: string;
  /** The connection's passwords: its errors never quote them. */
  readonly secrets: readonly string[];
  /** How long after it was added (or last looked up) a job not heard from is looked up, in ms. */
  readonly checkInterval: number;
  readonly outcomes: OutcomeSink;
}

/** Looks up jobs in Redis, for the outcomes their events did not bring. */
export class OutcomeCheck {
  constructor(private readonly options: OutcomeCheckOptions) {}

  /** Looks up the added jobs not heard from for `checkInterval`, at most {@link CHECKS_PER_TICK}. */
  async due(conn: Connections, pending: Iterable<Pending>, now: number): Promise<void> {
    const due: Pending[] = [];
    for (const entry of pending) {
      if (entry.addedAt !== 0 && now - entry.checkedAt >= this.options.checkInterval) {
        due.push(entry);
        if (due.length >= CHECKS_PER_TICK) break;
      }
    }
    await Promise.all(due.map((entry) => this.check(conn, entry, now)));
  }

  /** Looks a job up in Redis, for an outcome its event did not bring. */
  async check(conn: Connections, entry: Pending, now: number): Promise<void> {
    const { outcomes } = this.options;
    entry.checkedAt = now;
    let job: Job | undefined;
    let state: string;
    try {
      // The state first: a job read before it completes would carry no value yet.
      state = await conn.queue.getJobState(entry.id);
      job = state === 'unknown' ? undefined : await Job.fromId(conn.queue, entry.id);
    } catch (error) {
      // Data that is not JSON (damaged in Redis): the job cannot be read, its failed reason can.
      if (error instanceof SyntaxError) {
        await this.#unreadable(conn, entry);
        return;
      }
      conn.warnings.refused(error, conn.queue.toKey(entry.id), 'Jobs cannot be looked up: a run whose outcome event was missed waits on');
      return;
    }
    if (state === 'active' || state === 'completed' || state === 'failed') conn.workerSeenAt = Date.now();
    if (entry.settled) return;
    if (job === undefined) {
      // Gone with a Redis that restarted without its data: the queue failed the run, not its body.
      const runId = conn.redisRunId === undefined ? undefined : await conn.home.serverRunId(conn.queue);
      if (entry.settled) return;
      if (runId !== undefined && runId !== conn.redisRunId) {
        const message = `Redis restarted (its run_id changed) and lost job ${entry.id} of task run "${entry.call.runName}": it kept no data across the restart (persistence off?)`;
        outcomes.settle(entry, new QueueConnectionError(this.options.queue, message, { secrets: this.options.secrets }));
        return;
      }
      outcomes.settle(entry, new JobFailedError(entry.call.task.name, entry.call.runName, entry.id, 'the job is gone from Redis before its outcome was read (removed by someone else?)'));
    } else if (state === 'completed') {
      outcomes.completed(entry, job.returnvalue);
    } else if (state === 'failed') {
      outcomes.failed(entry, job.failedReason, job.data);
    }
  }

  /** A job whose data is not JSON: once it failed (the worker fails it), its run fails with its reason. */
  async #unreadable(conn: Connections, entry: Pending): Promise<void> {
    let reason: string | null;
    try {
      reason = await conn.home.failedReason(conn.queue, entry.id);
    } catch (error) {
      conn.warnings.refused(error, conn.queue.toKey(entry.id), 'Jobs cannot be looked up: a run whose outcome event was missed waits on');
      return;
    }
    if (reason !== null && reason !== '') this.options.outcomes.failed(entry, `${reason} (the job's data in Redis is not JSON)`, undefined);
  }
}
