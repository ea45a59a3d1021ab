/**
 * What crosses through Redis between a flow and `sluice worker` processes, as io-ts codecs: the
 * job's data, the value a worker returns, and what it records when a run fails. Each side decodes
 * what it reads, so a malformed job fails that job with a clear error and never crashes a worker.
 *
 * A payload names a task, never a module: a worker runs only the tasks of the modules it was
 * started with.
 *
 * @module
 * @internal
 */
import { t, type IoTs } from '../remote/io-ts.js';
import { WireThrownC, type WireThrown } from '../remote/thrown.js';

export type { WireThrown };

/** The version of the payloads; a worker that gets another version says so. */
export const JOB_PROTOCOL_VERSION = 1;

/**
 * A job's data: run the task `task` with these arguments (`{ v, task, args, runId, attempt }`,
 * and the run's flow for the body's `getRunContext()`). The run's name is the job's name. What
 * can be told otherwise is left out, since every byte is stored and parsed again for each job.
 */
export const JobDataC = t.intersection([
  t.type({
    v: t.literal(JOB_PROTOCOL_VERSION),
    task: t.string,
    /** The arguments, as JSON, encoded by the task's `params` codec when `encoded`. */
    args: t.array(t.unknown),
    runId: t.string,
    attempt: t.number,
  }),
  t.partial({
    /** True when `args` were encoded by the task's `params` codec (absent otherwise). */
    encoded: t.boolean,
    /** The rest of the run, for the body's `getRunContext()`. */
    flowName: t.string,
    /** The run's name, when the job's name is not (a job added by hand); see {@link runNameOf}. */
    runName: t.string,
    /** Absent when `runId` is `<flowRunId>.<n>`; see {@link flowRunIdOf}. */
    flowRunId: t.string,
    parentRunId: t.string,
    /** Indexes of top-level arguments that were `undefined` (JSON has none: they cross as null). */
    undefinedArgs: t.array(t.number),
    /**
     * Indexes of top-level arguments that were Errors (an upstream's error, given by
     * `allowFailure`): they cross as {@link WireThrown} and are rebuilt.
     */
    errorArgs: t.array(t.number),
    /**
     * The flow run keeps a heartbeat in Redis with this lease (ms): a worker skips the job once
     * it has lapsed (the flow process is gone). Absent for a job added by hand.
     */
    lease: t.number,
  }),
]);
export type JobData = IoTs.TypeOf<typeof JobDataC>;

/** The flow run id a job's data leaves out when its run id says it: what precedes the last dot. */
function impliedFlowRunId(runId: string): string | undefined {
  const dot = runId.lastIndexOf('.');
  return dot > 0 ? runId.slice(0, dot) : undefined;
}

/** Whether a job's data can leave its flow run id out. */
export function impliesFlowRunId(runId: string, flowRunId: string): boolean {
  return impliedFlowRunId(runId) === flowRunId;
}

/** A job's flow run id: its data's, or what its run id implies. */
export function flowRunIdOf(data: JobData): string | undefined {
  return data.flowRunId ?? impliedFlowRunId(data.runId);
}

/** A job's run name: its data's, or the job's name. */
export function runNameOf(data: JobData, jobName: string): string {
  return data.runName ?? jobName;
}

/** What a worker returns for a run whose body finished: its value, as JSON. */
export const JobResultC = t.intersection([
  t.type({ v: t.literal(JOB_PROTOCOL_VERSION) }),
  t.partial({
    /** Absent when the body returned `undefined`. */
    value: t.unknown,
    /** True when `value` was encoded by the task's `returns` codec (absent otherwise). */
    encoded: t.boolean,
  }),
]);
export type JobResult = IoTs.TypeOf<typeof JobResultC>;

/** Why a job failed, recorded by the worker in the job's data (`failure`) before it fails the job. */
export const JobFailureC = t.union([
  /** The body threw (or its Promise rejected). */
  t.type({ kind: t.literal('threw'), thrown: WireThrownC }),
  /** The worker has no task of that name. */
  t.type({ kind: t.literal('unknown-task'), message: t.string, known: t.array(t.string) }),
  /** The arguments did not decode with the task's `params` codec. */
  t.type({ kind: t.literal('invalid-params'), problems: t.array(t.string) }),
  /** The body's value cannot cross back as JSON. */
  t.type({ kind: t.literal('not-serializable'), path: t.string, what: t.string }),
  /** The job's data is not a sluice job. */
  t.type({ kind: t.literal('bad-payload'), message: t.string }),
]);
export type JobFailure = IoTs.TypeOf<typeof JobFailureC>;

/**
 * The custom event a worker publishes with the outcomes of jobs it has finished. Its `outcomes`
 * field is the JSON text of a flat list, `[jobId, outcome, jobId, outcome, ...]`: the job's
 * {@link JobResult} as its body returned it, or `0` once BullMQ has recorded it failed or stalled
 * (the flow looks the job up for why, and for whether it is back in the queue).
 */
export const OUTCOMES_EVENT = 'sluice:outcomes';

/** At most this many outcomes go in one {@link OUTCOMES_EVENT}. */
export const OUTCOMES_PER_EVENT = 500;

/**
 * About how many outcome events a queue's outcome stream keeps. A flow that falls further behind
 * than that finds its jobs' outcomes by looking the jobs up, as for any event it missed.
 */
export const OUTCOME_EVENTS_KEPT = 2000;

/**
 * The queue whose event stream carries a queue's outcomes, as sluice workers publish them: a few
 * batched events for a flow to read, instead of the job queue's own stream (three events per job,
 * each read and parsed by every flow).
 */
export function outcomesQueue(queue: string): string {
  return `${queue}.sluice-outcomes`;
}

/** The custom event a flow publishes to stop an active job. */
export const CANCEL_EVENT = 'sluice:cancel';

/**
 * The queue whose event stream carries a queue's cancel events: a stream of its own, so that
 * workers do not read every event of the job queue to hear the rare cancel.
 */
export function controlQueue(queue: string): string {
  return `${queue}.sluice-control`;
}

/**
 * The name under which a queue's flow-run heartbeats are kept on PostgreSQL (rows of BullMQ's
 * `meta` table); no job is ever added to it.
 */
export function flowsQueue(queue: string): string {
  return `${queue}.sluice-flows`;
}

/**
 * The name under which a queue's cached runs' jobs are found by cache key on PostgreSQL (rows of
 * BullMQ's `meta` table; on Redis, keys `<prefix>:<queue>:sluice-cached:<key>`, in the queue's
 * own key space as the ACL gives it). No job is ever added to it.
 */
export function cachedQueue(queue: string): string {
  return `${queue}.sluice-cached`;
}
