/**
 * The BullMQ runner's watch for a queue that no worker takes jobs from: the flows waiting are
 * told, with the command that starts one, and past `noWorkerTimeout` their runs fail.
 *
 * @module
 * @internal
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRef } from '../runner.js';
import type { Connections } from './connections.js';
import { NoWorkerError } from './errors.js';
import { warnThrough } from './flow-warnings.js';
import type { Pending } from './pending.js';
import { BULLMQ_RUNNER_DEFAULTS } from './runner-options.js';

/** What {@link WorkerWatch} needs of the runner. */
export interface WorkerWatchOptions {
  readonly queue: string;
  readonly prefix: string;
  /** How long a job may wait with no worker at work before its flow is told, in ms. */
  readonly noWorkerWarning: number;
  /** How long a job may wait with no worker at work before its run fails, in ms. */
  readonly noWorkerTimeout: number;
  /** The runs waiting on their jobs, in the order they started. */
  readonly pending: ReadonlyMap<string, Pending>;
  /** Whether `conn` is still the runner's (not closed meanwhile). */
  readonly current: (conn: Connections) => boolean;
  /** Takes a run's job back: removes it, or asks its worker to abort it. */
  readonly takeBack: (conn: Connections, entry: Pending) => void;
  /** Fails a run. */
  readonly settle: (entry: Pending, error: unknown) => void;
}

/** Tells the flows, or fails their runs, when no worker takes the queue's jobs. */
export class WorkerWatch {
  constructor(private readonly options: WorkerWatchOptions) {}

  /**
   * Once a second while jobs wait: when no worker has been seen at work on the queue for
   * `noWorkerWarning`, the job waiting longest has not been taken and none of the queue's jobs
   * is active, each flow waiting is told once, with the
   * command that starts one; past `noWorkerTimeout`, the runs that waited that long fail and their
   * jobs are taken back.
   */
  async watch(conn: Connections, now: number): Promise<void> {
    const { queue, noWorkerWarning, noWorkerTimeout, pending } = this.options;
    if (conn.probing) return;
    let oldest: Pending | undefined;
    for (const entry of pending.values()) {
      if (entry.addedAt !== 0) {
        oldest = entry;
        break;
      }
    }
    if (oldest === undefined) return;
    const waited = now - Math.max(oldest.addedAt, conn.workerSeenAt);
    if (waited < noWorkerWarning && waited < noWorkerTimeout) return;
    conn.probing = true;
    let taken: boolean;
    try {
      // Its job taken (its outcome not heard yet), or another job of the queue at work: a worker is there.
      const state = await conn.queue.getJobState(oldest.id);
      taken = state === 'active' || state === 'completed' || state === 'failed' || (await conn.queue.getActiveCount()) > 0;
    } catch (error) {
      conn.warnings.refused(error, conn.queue.toKey(oldest.id), 'Whether a worker takes this queue\'s jobs cannot be told: no warning when none does, and noWorkerTimeout fails no run');
      return;
    } finally {
      conn.probing = false;
    }
    // Seen meanwhile, or closed.
    if (!this.options.current(conn) || conn.workerSeenAt > now) return;
    if (taken) {
      conn.workerSeenAt = now;
      return;
    }
    for (const entry of [...pending.values()]) {
      if (entry.addedAt === 0) continue;
      const wait = now - Math.max(entry.addedAt, conn.workerSeenAt);
      if (wait >= noWorkerTimeout) {
        // Taken back first: the run's end may end the flow and close the connections.
        this.options.takeBack(conn, entry);
        this.options.settle(entry, new NoWorkerError(entry.call.task.name, entry.call.runName, queue, wait, this.#startOne(entry)));
      } else if (wait >= noWorkerWarning && !conn.noWorkerTold.has(entry.call.flowRunId)) {
        conn.noWorkerTold.add(entry.call.flowRunId);
        const bound = Number.isFinite(noWorkerTimeout)
          ? `its runs fail with NoWorkerError once they have waited ${(noWorkerTimeout / 1000).toFixed(1)} s (noWorkerTimeout)`
          : 'its runs wait for one (set noWorkerTimeout to fail them instead)';
        warnThrough(
          entry,
          'QUEUE_NO_WORKER',
          `no worker has taken a job of queue "${queue}" in ${(wait / 1000).toFixed(1)} s (task run "${entry.call.runName}" waits, and no job of the queue is active): ${bound}. Is a worker running, on this Redis, with this queue and prefix? Start one: ${this.#startOne(entry)}`,
        );
      }
    }
  }

  /**
   * The command that starts a worker for a run's task (its module's path when the task says
   * where it is defined).
   */
  #startOne(entry: Pending): string {
    const { queue, prefix } = this.options;
    const prefixOption = prefix === BULLMQ_RUNNER_DEFAULTS.prefix ? '' : ` --prefix ${shellWord(prefix)}`;
    return `sluice worker --queue ${shellWord(queue)} --module ${modulePath(entry.call.task)}${prefixOption}`;
  }
}

/** A word for a shell command line, quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Where a task's module is, for a command line: a path from here, or what to put there. */
function modulePath(task: TaskRef): string {
  if (task.module?.startsWith('file:') === true) {
    const file = fileURLToPath(task.module);
    const relative = path.relative(process.cwd(), file);
    return shellWord(relative.startsWith('..') || path.isAbsolute(relative) ? file : relative);
  }
  return `<the module that exports task ${JSON.stringify(task.name)}>`;
}
