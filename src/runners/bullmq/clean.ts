/**
 * `sluice clean`: takes a queue's jobs out of Redis or PostgreSQL, all of them or one flow run's.
 *
 * @module
 */
import type { Queue } from 'bullmq';
import { checkNonEmptyString, checkOptionsObject } from '../../core/option-checks.js';
import { checkQueueName, type QueueConnection } from './connection.js';
import { controlQueue, flowRunIdOf, outcomesQueue, type JobData } from './protocol.js';
import { queueHome } from './queue-home.js';
import { WORKER_DEFAULTS } from './worker-options.js';

/**
 * Options of {@link cleanQueue}.
 *
 * @example
 * ```ts
 * import type { CleanQueueOptions } from 'sluice/bullmq';
 * const options: CleanQueueOptions = { queue: 'thumbnails', flowRunId: '3f2a9c1e-0' };
 * ```
 */
export interface CleanQueueOptions {
  readonly queue: string;
  /** Redis or PostgreSQL, as the workers have it. @defaultValue `'redis://127.0.0.1:6379'` (`WORKER_DEFAULTS.connection`) */
  readonly connection?: QueueConnection;
  /** @defaultValue `'bull'` (`WORKER_DEFAULTS.prefix`) */
  readonly prefix?: string;
  /**
   * Only this flow run's jobs that no worker has taken yet (waiting, delayed, prioritised): what
   * a dead flow process left behind. Without it, the whole queue goes, with the streams sluice
   * keeps beside it.
   */
  readonly flowRunId?: string;
  /** Clean the whole queue even while jobs are active (BullMQ's `obliterate({ force })`). @defaultValue `false` */
  readonly force?: boolean;
}

/**
 * BullMQ's `obliterate`, once the queue's own bookkeeping is written: a Queue writes its meta when
 * it is ready, on its own, which on PostgreSQL (another connection of the pool) could land after
 * the obliterate and outlive it.
 */
async function obliterate(queue: Queue, force: boolean): Promise<void> {
  await queue.getVersion();
  await queue.obliterate({ force });
}

/**
 * Takes jobs out of a queue: one flow run's jobs that have not started, or (without `flowRunId`)
 * the whole queue, with sluice's outcome and control streams, through BullMQ's `obliterate`.
 * Without `force`, a queue with active jobs is refused (their workers would report to nothing).
 * Resolves with how many jobs were removed (for a whole queue, the jobs it held).
 *
 * @example
 * ```ts
 * import { cleanQueue } from 'sluice/bullmq';
 * const { removed } = await cleanQueue({ queue: 'thumbnails', connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', flowRunId: '3f2a9c1e-0' });
 * console.log(`removed ${removed} job(s)`);
 * ```
 */
export async function cleanQueue(options: CleanQueueOptions): Promise<{ readonly removed: number }> {
  const owner = 'cleanQueue';
  checkOptionsObject(options, owner, '`queue`');
  const queue = checkQueueName(options.queue, owner);
  const prefix = checkNonEmptyString(options.prefix ?? WORKER_DEFAULTS.prefix, 'prefix', owner);
  const home = queueHome(options.connection ?? WORKER_DEFAULTS.connection, prefix, owner);
  const flowRunId = options.flowRunId === undefined ? undefined : checkNonEmptyString(options.flowRunId, 'flowRunId', owner);
  const jobs = home.queue(queue);
  try {
    if (flowRunId !== undefined) {
      // Gathered first, then removed: removing while paging would shift the pages.
      const theirs = [];
      for (let start = 0; ; start += 1000) {
        const page = await jobs.getJobs(['waiting', 'delayed', 'prioritized'], start, start + 999);
        for (const job of page) if (flowRunIdOf(job.data as JobData) === flowRunId) theirs.push(job);
        if (page.length < 1000) break;
      }
      let removed = 0;
      // A job a worker took meanwhile cannot be removed: it is left to run.
      for (const job of theirs) if (await job.remove().then(() => true, () => false)) removed++;
      // Its heartbeat too: workers then skip whatever of it is still queued.
      await home.deleteHeartbeats(jobs, queue, flowRunId);
      return { removed };
    }
    const counts = await jobs.getJobCounts();
    const held = Object.values(counts).reduce((sum, n) => sum + n, 0);
    await obliterate(jobs, options.force === true);
    // BullMQ's obliterate knows its own keys only: the flow runs' heartbeats go too.
    await home.deleteHeartbeats(jobs, queue);
    for (const side of [outcomesQueue(queue), controlQueue(queue)]) {
      const stream = home.queue(side);
      try {
        await obliterate(stream, true);
      } finally {
        await stream.close();
      }
    }
    return { removed: held };
  } finally {
    await jobs.close();
  }
}
