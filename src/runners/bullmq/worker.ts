/**
 * `startWorker()`: a BullMQ worker that runs sluice tasks, what `sluice worker` starts. It runs
 * only the tasks exported by the modules (or given as task functions) it was started with; a job
 * names a task, never a module.
 *
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnrecoverableError, type Job, type JobJson, type Worker } from 'bullmq';
import { InvalidArgumentError } from '../../core/errors/input.js';
import { checkInteger, checkOptionsObject } from '../../core/option-checks.js';
import type { RemoteRunInfo } from '../remote/remote-run.js';
import { printable } from '../../core/printable.js';
import { settleBody } from '../remote/body.js';
import { runAsRemote } from '../remote/run-info.js';
import { rebuildThrown, serializeThrown, WireThrownC } from '../remote/thrown.js';
import { findTsxEsmApi, hasTsx, isTypeScript, registerTsx } from '../remote/loader.js';
import { importTaskModule } from '../remote/task-module-import.js';
import { FlowInWorkerImportError } from '../remote/errors.js';
import { taskBodyOf, type TaskBody } from '../remote/lookup.js';
import { describeWireErrors } from '../remote/wire-errors.js';
import { checkQueueName } from './connection.js';
import { queueHome } from './queue-home.js';
import { StartUp } from './start-up.js';
import { scrub } from '../../cache/redact.js';
import { WORKER_DEFAULTS, type WorkerOptions } from './worker-options.js';
import { asJson, findNotJson } from './json-check.js';
import { FlowWatch } from './flow-heartbeat.js';
import { checkKeepJobs, keepJobsForWorker, MIN_RETENTION_S, retentionShortfall } from './keep-jobs.js';
import { OutcomeOutbox } from './outbox.js';
import { describeRefusal, refusalOf } from './refusal.js';
import { CANCEL_EVENT, controlQueue, flowRunIdOf, JOB_PROTOCOL_VERSION, JobDataC, outcomesQueue, runNameOf, type JobFailure, type JobResult } from './protocol.js';
import { decodeArgs, encodeValue } from '../remote/codec-worker.js';

/**
 * A running worker, as {@link startWorker} returns it.
 *
 * @example
 * ```ts
 * import { startWorker, type SluiceWorker } from 'sluice/bullmq';
 * const worker: SluiceWorker = await startWorker({ queue: 'etl', modules: ['./tasks.ts'] });
 * console.log(worker.tasks, worker.active);
 * await worker.close(); // finishes the active jobs first
 * ```
 */
export interface SluiceWorker {
  /** The queue it takes jobs from. */
  readonly queue: string;
  /** The names of the tasks it runs. */
  readonly tasks: readonly string[];
  /** How many jobs it is running now. */
  readonly active: number;
  /**
   * Stops taking jobs, waits for the active ones to finish, and closes its connections. With
   * `force`, it does not wait: the active jobs are handed back (they stall, and another worker
   * takes them after their lock expires).
   */
  close(force?: boolean): Promise<void>;
}

function defaultLog(line: string, level: 'info' | 'error'): void {
  if (level === 'error') console.error(line);
  else console.log(line);
}

/** Registers tsx's ESM hooks in this process, for TypeScript task modules on plain node. */
function registerTsxFor(url: string, specifier: string): Promise<void> {
  const api = findTsxEsmApi([url, import.meta.url, pathToFileURL(`${process.cwd()}/`).href]);
  if (api === undefined) {
    return Promise.reject(
      new InvalidArgumentError(`sluice worker: ${specifier} is TypeScript and tsx cannot be found to load it: install tsx, run the worker with \`node --import tsx\`, or build the module to JavaScript`),
    );
  }
  return registerTsx(api);
}

/**
 * Imports a task module. For a TypeScript module, tsx's hooks are registered first unless the
 * process loads TypeScript already (`node --import tsx`, `tsx`): a failed first import would
 * leave the module half-loaded in Node's cache.
 */
async function importModule(specifier: string): Promise<Readonly<Record<string, unknown>>> {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier) ? specifier : pathToFileURL(path.resolve(specifier)).href;
  if (isTypeScript(url) && !hasTsx(process.execArgv) && process.env.TSX_TSCONFIG_PATH === undefined) await registerTsxFor(url, specifier);
  return (await import(url)) as Readonly<Record<string, unknown>>;
}

/** The tasks a worker runs, by name, from its modules and task functions. */
async function loadTasks(modules: readonly string[], tasks: readonly unknown[]): Promise<Map<string, TaskBody>> {
  const registry = new Map<string, TaskBody>();
  const origin = new Map<string, string>();
  const add = (body: TaskBody, from: string): void => {
    const known = registry.get(body.name);
    if (known !== undefined && known.fn !== body.fn) {
      throw new InvalidArgumentError(`sluice worker: two different tasks are named "${body.name}" (in ${origin.get(body.name)} and ${from}); a job names its task, so names must be unique on a queue`);
    }
    registry.set(body.name, body);
    origin.set(body.name, from);
  };
  for (const specifier of modules) {
    if (typeof specifier !== 'string' || specifier === '') throw new InvalidArgumentError('sluice worker: every module must be a non-empty path or URL');
    // Marked: a flow the module starts when imported fails at once (it would run again here).
    const { mark, loaded } = importTaskModule('sluice-worker', specifier, () => importModule(specifier));
    let namespace: Readonly<Record<string, unknown>> | undefined;
    let failure: unknown;
    try {
      namespace = await loaded;
    } catch (error) {
      failure = error;
    }
    const flowName = mark.flows[0];
    if (flowName !== undefined) throw new FlowInWorkerImportError(flowName, 'sluice-worker', specifier);
    if (namespace === undefined) {
      if (failure instanceof InvalidArgumentError) throw failure;
      throw new InvalidArgumentError(`sluice worker: module ${specifier} cannot be imported: ${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)}`);
    }
    let found = 0;
    for (const key of Object.keys(namespace)) {
      const body = taskBodyOf(namespace[key]);
      if (body === undefined) continue;
      add(body, specifier);
      found++;
    }
    if (found === 0) throw new InvalidArgumentError(`sluice worker: module ${specifier} exports no tasks (export them: export const myTask = task('my_task', fn))`);
  }
  tasks.forEach((fn, index) => {
    const body = taskBodyOf(fn);
    if (body === undefined) throw new InvalidArgumentError(`sluice worker: tasks[${index}] is not a task made with task(...)`);
    add(body, `tasks[${index}]`);
  });
  return registry;
}

type Failed = { readonly ok: false; readonly failure: JobFailure; readonly message: string };
type Outcome = { readonly ok: true; readonly result: JobResult } | Failed;

function failure(failure: JobFailure, message: string): Failed {
  return { ok: false, failure, message };
}

/** A job that can run: its task's body, its arguments, and the run it stands for. */
interface Runnable {
  readonly ok: true;
  readonly task: string;
  readonly body: TaskBody;
  readonly args: unknown[];
  readonly info: RemoteRunInfo;
}

/** Reads one job's payload: what to run, or why it cannot run (a `params` codec may still throw). */
function preparePayload(data: unknown, jobName: string, registry: ReadonlyMap<string, TaskBody>, queue: string): Runnable | Failed {
  // `is` checks without building a decoded copy (this codec decodes to its input); decode only
  // to say what is wrong.
  if (!JobDataC.is(data)) {
    const decoded = JobDataC.decode(data);
    const message = `the job's data is not a sluice job (protocol ${JOB_PROTOCOL_VERSION}): ${decoded._tag === 'Left' ? describeWireErrors(decoded.left) : 'unreadable'}`;
    return failure({ kind: 'bad-payload', message }, message);
  }
  const job = data;
  const body = registry.get(job.task);
  if (body === undefined) {
    const known = [...registry.keys()];
    const message = `unknown task "${job.task}" on queue "${queue}"; this worker knows ${known.map((name) => JSON.stringify(name)).join(', ')}`;
    return failure({ kind: 'unknown-task', message, known }, message);
  }
  let args: unknown[] = [...job.args];
  for (const index of job.undefinedArgs ?? []) if (index >= 0 && index < args.length) args[index] = undefined;
  for (const index of job.errorArgs ?? []) {
    const thrown = WireThrownC.decode(args[index]);
    // Only an Error crosses as an argument (allowFailure's): no V8 data from a job is ever read.
    if (index < 0 || index >= args.length || thrown._tag === 'Left' || thrown.right.kind !== 'error') {
      const message = `the job's argument ${index} should be an error as sluice sends one, and is not`;
      return failure({ kind: 'bad-payload', message }, message);
    }
    args[index] = rebuildThrown(thrown.right);
  }
  const decoded = decodeArgs(body.params, args, job.encoded === true, body.paramsSchema);
  if (!decoded.ok) return failure({ kind: 'invalid-params', problems: decoded.problems }, `task "${job.task}": invalid arguments: ${decoded.problems.join('; ')}`);
  args = decoded.args;
  // A job added without a flow (by raw BullMQ) still has a run: its flow's name and id are empty.
  const info: RemoteRunInfo = {
    runId: job.runId,
    runName: runNameOf(job, jobName),
    taskName: job.task,
    attempt: job.attempt,
    flowRunId: flowRunIdOf(job) ?? '',
    flowName: job.flowName ?? '',
    parentRunId: job.parentRunId,
  };
  return { ok: true, task: job.task, body, args, info };
}

/** Marks a job whose stored data BullMQ could not parse: the processor fails it by name. */
const UNREADABLE = 'sluice:unreadable';

/**
 * BullMQ parses a job's data as a worker takes it, before the processor or the failure its stall
 * check defers to the taker: data that is not JSON threw there, and the job went active, stalled,
 * and back, forever. Such a job is taken with a note in place of its data instead, and fails.
 */
function takeUnreadableJobs(worker: Worker): void {
  const target = worker as unknown as { createJob(data: JobJson, jobId: string): Job };
  const createJob = target.createJob.bind(worker);
  target.createJob = (data, jobId) => {
    try {
      return createJob(data, jobId);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return createJob({ ...data, data: JSON.stringify({ [UNREADABLE]: why }) }, jobId);
    }
  };
}

/** The failure of a job taken with the note of {@link takeUnreadableJobs}, if it is one. */
function unreadableOutcome(data: unknown): Failed | undefined {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, UNREADABLE)) return undefined;
  const why = (data as Record<string, unknown>)[UNREADABLE];
  const message = `the job's data in Redis is not JSON (${String(why)}): it was not written by sluice or BullMQ, or was damaged`;
  return failure({ kind: 'bad-payload', message }, message);
}

/** What a body threw (or a stop's reason) as a job failure. */
function thrownOutcome(error: unknown): Failed {
  const thrown = serializeThrown(error, (v) => findNotJson(v) === undefined);
  const text =
    thrown.kind === 'error'
      ? `${thrown.name}: ${thrown.message}`
      : thrown.kind === 'value'
        ? `threw ${JSON.stringify(thrown.value)}`
        : thrown.kind === 'symbol'
          ? `threw a symbol (${String(thrown.description)})`
          : `threw ${typeof error}`;
  return failure({ kind: 'threw', thrown }, text);
}

/** A body's value as the job's result, or why it cannot cross back as JSON. */
function valueOutcome(body: unknown, job: Runnable): Outcome {
  // A `returns` schema has no encoder: the value crosses as JSON makes it, and the flow validates it.
  const value = job.body.returnsSchema === undefined ? body : asJson(body);
  const encoded = encodeValue(job.body.returns, value);
  if (encoded !== undefined) return { ok: true, result: { v: JOB_PROTOCOL_VERSION, encoded: true, value: encoded.value } };
  if (value === undefined) return { ok: true, result: { v: JOB_PROTOCOL_VERSION } };
  const problem = findNotJson(value);
  if (problem !== undefined) {
    return failure({ kind: 'not-serializable', path: problem.path, what: problem.what }, `task "${job.task}": its value${problem.path} cannot cross back as JSON: it is ${problem.what}`);
  }
  return { ok: true, result: { v: JOB_PROTOCOL_VERSION, value } };
}

/**
 * Starts a BullMQ worker that runs sluice tasks: the programmatic form of `sluice worker`. Any
 * number of workers, on any machine that reaches Redis, share a queue; each runs only the tasks
 * of the modules it was started with, and fails a job naming another task with a clear error.
 *
 * A job's body runs here, with its arguments decoded from JSON (by the task's `params` codec when
 * it declares one); its value goes back as JSON (by its `returns` codec). What it throws goes
 * back with its name, message, stack and own properties. A job whose data is not a sluice job
 * fails with a clear error; the worker goes on. A body has its `getRunContext()`, from the job:
 * its `signal` aborts when the flow cancels the run or times it out, and its logger writes to this
 * process's console.
 *
 * @example
 * ```ts
 * import { startWorker } from 'sluice/bullmq';
 * const worker = await startWorker({ queue: 'etl', modules: ['./tasks.ts'], concurrency: 8 });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<SluiceWorker> {
  const owner = 'sluice worker';
  checkOptionsObject(options, owner);
  const queue = checkQueueName(options.queue, owner);
  const concurrency = checkInteger(options.concurrency ?? WORKER_DEFAULTS.concurrency, 'concurrency', owner, { min: 1 });
  const maxStalledCount = checkInteger(options.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount, 'maxStalledCount', owner, { min: 0 });
  const lockDuration = checkInteger(options.lockDuration ?? WORKER_DEFAULTS.lockDuration, 'lockDuration', owner, { min: 1 });
  const stalledInterval = checkInteger(options.stalledInterval ?? WORKER_DEFAULTS.stalledInterval, 'stalledInterval', owner, { min: 1 });
  const removeOnComplete = checkKeepJobs(options.removeOnComplete ?? WORKER_DEFAULTS.removeOnComplete, 'removeOnComplete', owner);
  const removeOnFail = checkKeepJobs(options.removeOnFail ?? WORKER_DEFAULTS.removeOnFail, 'removeOnFail', owner);
  const connectTimeout = checkInteger(options.connectTimeout ?? WORKER_DEFAULTS.connectTimeout, 'connectTimeout', owner, { min: 1 });
  const prefix = options.prefix ?? WORKER_DEFAULTS.prefix;
  const home = queueHome(options.connection ?? WORKER_DEFAULTS.connection, prefix, owner);
  // No log line quotes the password, whoever writes it (BullMQ's and ioredis' errors included).
  const { secrets } = home;
  const writeLog = options.log ?? defaultLog;
  // One line each, whatever a task's or a job's name holds: no forged lines, no terminal escapes.
  const log = (line: string, level: 'info' | 'error'): void => writeLog(printable(scrub(line, secrets)), level);
  const registry = await loadTasks(options.modules ?? [], options.tasks ?? []);
  if (registry.size === 0) throw new InvalidArgumentError('sluice worker: no tasks to run: give it at least one module (--module <file>) that exports tasks');
  const names = [...registry.keys()];

  /**
   * How to stop each active job's wait for its body, by job id. A map of our own rather than
   * BullMQ's per-job AbortSignal: a processor that takes a signal makes BullMQ build an
   * AbortController for every job, a measurable share of a trivial job's cost.
   */
  const stops = new Map<string, (reason: Error) => void>();
  /** Fails a job: the flow reads the failure from the job's data (failedReason carries only a message). */
  const failJob = async (job: Job, outcome: Failed): Promise<never> => {
    const data: unknown = job.data;
    const base = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : { data };
    await job.updateData({ ...base, failure: outcome.failure });
    log(`sluice worker: job ${String(job.id)} (${job.name}) failed: ${outcome.message}`, 'error');
    throw new Error(outcome.message);
  };
  const starting = new StartUp(queue, home.address, connectTimeout, secrets);
  /** The refusals logged already (`<kind> <command> <key>`): each is logged once. */
  const refused = new Set<string>();
  /**
   * Redis refused a command of the outcomes or cancels (a `NOPERM` of its ACL): the worker goes on
   * without them, and says so once. Other errors are the connection's, which the worker's own
   * 'error' logs.
   */
  const onRefused = (key: string, consequence: string) => (error: unknown): void => {
    const refusal = refusalOf(error);
    if (refusal === undefined) return;
    const said = `${refusal.kind} ${refusal.command ?? ''} ${key}`;
    if (refused.has(said)) return;
    refused.add(said);
    log(`sluice worker: queue "${queue}": ${describeRefusal(refusal, key, consequence)}`, 'error');
  };
  // Outcomes go out in batches on a stream of their own: a flow reads a few events instead of the
  // job queue's three per job.
  const producer = home.producer(outcomesQueue(queue));
  const outcomesRefused = onRefused(producer.toKey('events'), 'The flows hear no outcome from this worker: they find each by looking its job up, after their checkInterval (5 s by default)');
  producer.on('error', outcomesRefused);
  const outbox = new OutcomeOutbox(producer, outcomesRefused);
  const flowWatch = new FlowWatch((flowRunId) => home.hasHeartbeat(worker, queue, flowRunId));

  // One promise per job on top of the body's own: callbacks, not an async chain, since every
  // promise pays AsyncLocalStorage's hooks.
  const processor = (job: Job): Promise<JobResult> => {
    let prepared: Runnable | Failed;
    try {
      prepared = unreadableOutcome(job.data) ?? preparePayload(job.data, job.name, registry, queue);
    } catch (error) {
      prepared = thrownOutcome(error);
    }
    if (!prepared.ok) return failJob(job, prepared);
    // A job whose flow run's heartbeat has lapsed is an orphan: its flow process is gone.
    const { lease } = job.data as { readonly lease?: unknown };
    const flowRunId = prepared.info?.flowRunId;
    if (typeof lease === 'number' && flowRunId !== undefined) {
      const orphan = flowWatch.isOrphan(flowRunId, lease, Date.now());
      if (orphan !== false) {
        const runnable = prepared;
        return Promise.resolve(orphan)
          // Redis not answering is not a dead flow: run the job.
          .catch(() => false)
          .then((gone) => (gone ? skipOrphan(job, flowRunId, lease) : runJob(job, runnable)));
      }
    }
    return runJob(job, prepared);
  };

  /** The flow runs whose orphans were logged already: each is logged once. */
  const orphansLogged = new Set<string>();
  const skipOrphan = (job: Job, flowRunId: string, lease: number): Promise<never> => {
    const message = `the flow run ${flowRunId} is gone (its heartbeat lapsed: no word from its process in ${lease} ms), so its job was skipped`;
    if (!orphansLogged.has(flowRunId)) {
      orphansLogged.add(flowRunId);
      if (orphansLogged.size > 10_000) orphansLogged.clear();
      log(`sluice worker: queue "${queue}": ${message}; its other queued jobs are skipped too`, 'info');
    }
    // Not retried: no attempt can bring the flow back.
    return Promise.reject(new UnrecoverableError(message));
  };

  const runJob = (job: Job, prepared: Runnable): Promise<JobResult> => {
    const id = String(job.id);
    return new Promise<JobResult>((resolve, reject) => {
      let finished = false;
      const finish = (outcome: Outcome): void => {
        if (finished) return;
        finished = true;
        stops.delete(id);
        if (outcome.ok) {
          // A value goes out as BullMQ starts recording it, not after: one round trip sooner for
          // the flow. Should the record fail (the lock lost), the job runs again (at least once).
          outbox.add(id, outcome.result);
          resolve(outcome.result);
        } else {
          failJob(job, outcome).then(resolve, reject);
        }
      };
      // The body's signal is made only if it reads it, and aborts with the stop.
      let controller: AbortController | undefined;
      stops.set(id, (reason) => {
        controller?.abort(reason);
        finish(thrownOutcome(reason));
      });
      const signal = (): AbortSignal => (controller ??= new AbortController()).signal;
      let value: unknown;
      try {
        value = runAsRemote(prepared.info, () => prepared.body.fn(...prepared.args), signal);
      } catch (error) {
        finish(thrownOutcome(error));
        return;
      }
      settleBody(
        value,
        prepared.body.name,
        (v) => {
          // A returns codec that throws must fail the job, not escape into a promise callback.
          let outcome: Outcome;
          try {
            outcome = valueOutcome(v, prepared);
          } catch (error) {
            outcome = thrownOutcome(error);
          }
          finish(outcome);
        },
        (error) => {
          finish(thrownOutcome(error));
        },
      );
    });
  };

  const worker = home.worker(queue, processor, {
    concurrency,
    maxStalledCount,
    lockDuration,
    stalledInterval,
    // For the jobs that carry no retention of their own (a runner's default).
    removeOnComplete: keepJobsForWorker(removeOnComplete),
    removeOnFail: keepJobsForWorker(removeOnFail),
    autorun: false,
  });
  takeUnreadableJobs(worker);
  // Errors of the connection are BullMQ's to recover from (it reconnects); unheard, they would
  // end the process.
  worker.on('error', (error) => log(`sluice worker: ${error.message}`, 'error'));
  // Cancels come on a stream of their own (not the job queue's events, which every job fills).
  // Read from its last entry as the store has it, before any job is taken: a cancel sent before
  // the stream's first read is still seen (the default, '$', would start at that read and miss it).
  let since = '$';
  const cancelsKey = `${prefix}:${controlQueue(queue)}:events`;
  const cancelsLost = "Cancels and time-outs from the flows do not reach this worker: the bodies they stop run on to their end, and their jobs' slots stay taken";
  starting.watch(worker, producer);
  try {
    since = (await starting.within(home.lastEventId(worker, controlQueue(queue)))) ?? home.streamStart;
  } catch (error) {
    // Refused (an ACL): so will the stream's reads be, which say it once; the worker goes on
    // without cancels.
    if (refusalOf(error) === undefined) {
      await Promise.allSettled([worker.close(true), producer.close()]);
      throw starting.failure(error);
    }
  }
  const events = home.events(controlQueue(queue), { lastEventId: since });
  events.on('error', onRefused(cancelsKey, cancelsLost));
  (events as unknown as { on(name: string, listener: (args: { jobId?: unknown }) => void): void }).on(CANCEL_EVENT, ({ jobId }) => {
    // The body runs on, unheard: the job fails now and the worker takes its next one.
    if (typeof jobId === 'string') stops.get(jobId)?.(new Error('cancelled by its flow'));
  });
  // A failure goes out once BullMQ has recorded it (its 'failed' comes after): the flow reads why
  // from the job.
  worker.on('failed', (job: Job | undefined) => {
    if (job !== undefined) outbox.add(String(job.id), 0);
  });
  // A stalled job is back in the queue, or failed for stalling too often: the flow looks which.
  worker.on('stalled', (jobId: string) => outbox.add(jobId, 0));
  const parts = [worker, events, producer] as const;
  starting.watch(events);
  try {
    await starting.within(Promise.all(parts.map((part) => part.waitUntilReady())));
  } catch (error) {
    await Promise.allSettled([worker.close(true), events.close(), producer.close()]);
    throw starting.failure(error);
  }
  starting.done();
  void worker.run().catch((error: unknown) => log(`sluice worker: ${error instanceof Error ? error.message : String(error)}`, 'error'));
  log(`sluice worker ready: queue "${queue}", ${names.length} task${names.length === 1 ? '' : 's'} (${names.join(', ')}), concurrency ${concurrency}, pid ${process.pid}`, 'info');
  // Said at start: a flow that missed an outcome event reads the job back, and it must be there.
  for (const [what, keep, flag] of [['completed', removeOnComplete, '--keep-completed'], ['failed', removeOnFail, '--keep-failed']] as const) {
    const short = retentionShortfall(keep);
    if (short !== undefined) {
      log(
        `sluice worker: warning: the retention of ${what} jobs ${short}. A flow that misses a job's outcome event (its process paused, or reconnecting) reads the outcome from the job; once the job is gone, the run fails although its body ran. Keep them at least ${MIN_RETENTION_S} s (\`${flag} ${MIN_RETENTION_S}\`, or \`{ age: ${MIN_RETENTION_S} }\` in startWorker's options), or keep the default.`,
        'error',
      );
    }
  }

  let closing: Promise<void> | undefined;
  let forced = false;
  return {
    queue,
    tasks: names,
    get active() {
      return stops.size;
    },
    close(force = false) {
      if (force && !forced) {
        forced = true;
        // BullMQ's close(true) is a no-op once a graceful close is waiting for the active jobs:
        // drop the connections instead. Their locks are no longer renewed, so the jobs stall and
        // another worker takes them.
        closing =
          closing === undefined
            ? Promise.all([worker.close(true), events.close(), producer.close()]).then(() => undefined)
            : Promise.allSettled(parts.map((part) => part.disconnect())).then(() => undefined);
      }
      // The outcomes of the last jobs go out before the producer closes.
      closing ??= Promise.all([worker.close().then(() => outbox.drain()), events.close()])
        .then(() => producer.close())
        .then(() => undefined);
      return closing;
    },
  };
}
