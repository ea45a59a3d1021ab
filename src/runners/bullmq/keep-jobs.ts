/**
 * How long finished jobs stay in Redis: set by the workers (`sluice worker`), or by a flow's
 * runner for its own jobs.
 *
 * @module
 */
import { InvalidArgumentError } from '../../core/errors/input.js';

/**
 * How long finished jobs stay in Redis, as BullMQ's `removeOnComplete` / `removeOnFail` take it:
 * `true` (remove at once), `false` (keep), a count, or `{ age (s), count }`.
 *
 * @example
 * ```ts
 * import { startWorker, type KeepJobs } from 'sluice/bullmq';
 * const keepADay: KeepJobs = { age: 86_400 };
 * const worker = await startWorker({ queue: 'etl', modules: ['./tasks.ts'], removeOnComplete: keepADay });
 * ```
 */
export type KeepJobs = boolean | number | { readonly age?: number; readonly count?: number };

/** Checks a {@link KeepJobs} option; `who` names the API in the message. */
export function checkKeepJobs(value: unknown, name: string, who: string): KeepJobs {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { age, count } = value as { age?: unknown; count?: unknown };
    const fine = (n: unknown): boolean => n === undefined || (typeof n === 'number' && Number.isFinite(n) && n >= 0);
    if (fine(age) && fine(count)) return { ...(age === undefined ? {} : { age: age as number }), ...(count === undefined ? {} : { count: count as number }) };
  }
  throw new InvalidArgumentError(`${who}: \`${name}\` must be a boolean, a count, or { age (seconds), count }, got ${JSON.stringify(value) ?? String(value)}`);
}

/**
 * The same, in the only form a BullMQ `Worker` takes (`{ age, count }`; a job's own option also
 * takes a boolean or a count): as BullMQ reads a job's, `true` keeps none and `false` all.
 */
export function keepJobsForWorker(keep: KeepJobs): { count: number } | { age: number; count?: number } {
  if (typeof keep === 'boolean') return { count: keep ? 0 : -1 };
  if (typeof keep === 'number') return { count: keep };
  if (keep.age === undefined) return { count: keep.count ?? -1 };
  return keep.count === undefined ? { age: keep.age } : { age: keep.age, count: keep.count };
}

/** The shortest retention, in seconds, a flow can rely on to read an outcome back from its job. */
export const MIN_RETENTION_S = 60;

/**
 * Why `keep` may remove a finished job before its flow has read the outcome, or `undefined` when
 * it keeps jobs long enough. A flow hears outcomes as events; one it missed (its process was
 * paused, or reconnecting) it reads back from the job, which must still be there.
 */
export function retentionShortfall(keep: KeepJobs): string | undefined {
  if (keep === false) return undefined;
  if (keep === true) return 'removes each job as soon as it finishes';
  if (typeof keep === 'number') return `keeps only the last ${keep} job(s), however recent`;
  if (keep.age === undefined) return keep.count === undefined ? undefined : `keeps only the last ${keep.count} job(s), however recent`;
  if (keep.age < MIN_RETENTION_S) return `keeps jobs for ${keep.age} s only`;
  return undefined;
}
