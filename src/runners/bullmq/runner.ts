/**
 * `BullMQTaskRunner`: task bodies as jobs on a BullMQ queue in Redis, run by `sluice worker`
 * processes on any machine that reaches it.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Observable, Subscription } from 'rxjs';
import { rxjs } from '../../core/lazy-rxjs.js';
import { checkBoolean, checkConcurrency, checkInteger, checkNonEmptyString, checkNumber, checkOptionsObject } from '../../core/option-checks.js';
import { InvalidParamsError } from '../../core/errors/codec.js';
import { FlowLease } from '../remote/flow-lease.js';
import { START_ATTEMPT, type AttemptSink, type RunnerCache, type RunnerCall, type TaskRef, type TaskRunner } from '../runner.js';
import { describeSpecial } from '../remote/special.js';
import { rebuildThrown, serializeThrown } from '../remote/thrown.js';
import { describeWireErrors } from '../remote/wire-errors.js';
import { checkQueueName } from './connection.js';
import { queueHome, type QueueHome } from './queue-home.js';
import { closeConnections, connectionLostError, openConnections, watchClients, type Connections } from './connections.js';
import { JobFailedError, JobPayloadError, JobStalledError, NotSerializableError, QueueConnectionError, QueueOutOfMemoryError, UnknownTaskError } from './errors.js';
import { asJson, findNotJson } from './json-check.js';
import { cancelsKey } from './redis-commands.js';
import { OutcomeCheck, outcomesLost } from './outcome-check.js';
import { Pending } from './pending.js';
import { removeOrCancel, takeBack } from './take-back.js';
import { WorkerWatch } from './worker-watch.js';
import { BULLMQ_RUNNER_DEFAULTS, checkWait, type BullMQTaskRunnerOptions } from './runner-options.js';
import { heartbeatKey, Heartbeats } from './flow-heartbeat.js';
import { checkKeepJobs } from './keep-jobs.js';
import { impliesFlowRunId, JOB_PROTOCOL_VERSION, JobFailureC, JobResultC, type JobData } from './protocol.js';
import { decodeValue, encodeArgs } from '../remote/codec-flow.js';

/** What a stalled-out job's `failedReason` says (BullMQ's scripts). */
const STALLED = /stalled more than allowable limit|started more than allowable limit/;

const TICK_MS = 1000;

/** How long at most a cached run's job is noted by its key: finished jobs are kept an hour by default. */
const MAX_REUSE_MS = 24 * 3_600_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Task bodies as jobs on a BullMQ queue in Redis, run by `sluice worker` processes (or
 * {@link startWorker}) on any machine that reaches it: Prefect's DaskTaskRunner, in the Node
 * world. Retries, time-outs, cancellation, `waitFor`, states and events are the engine's and
 * behave as on `ConcurrentTaskRunner`; this runner only adds a job per attempt and reads
 * its outcome.
 *
 * - A job names its task (`task.name`), never a module: workers run the tasks of the modules they
 *   were started with, so task names must be unique on a queue.
 * - Arguments and values cross as JSON, through the task's io-ts codecs (`params`, `returns`)
 *   when it declares them (a `Date` survives that way). An argument that JSON would change fails
 *   the run with a {@link NotSerializableError} before a job is added.
 * - The runs that get a slot in the same tick are added with one `addBulk` (up to `bulkSize`),
 *   one call at a time: runs that get a slot while a call is out go in the next.
 * - Outcomes come from the workers, batched, as events on a stream of the queue's own
 *   (`<queue>.sluice-outcomes`), with a look-up in Redis for a job not heard from within
 *   `checkInterval` (so a job finished by a worker that is not `sluice worker` is still read).
 *   If Redis is unreachable for `connectionTimeout`, the waiting runs fail with a
 *   {@link QueueConnectionError}.
 * - Cancelling or timing out a run removes its job if it is still waiting, or asks the worker
 *   running it to abort it; a worker's late result is ignored.
 * - Delivery is at least once: a job whose worker dies is run again by another (BullMQ's
 *   stalled-job recovery). A job that stalls more often than the workers allow fails with a
 *   {@link JobStalledError}.
 *
 * @example
 * ```ts
 * // flow.ts (the workers: sluice worker --module tasks.ts --queue etl)
 * import { flow, task } from 'sluice';
 * import { BullMQTaskRunner } from 'sluice/bullmq';
 * // tasks.ts, which the workers load too, exports it:
 * const resize = task('resize', (path: string) => path.replace(/\.png$/, '.thumb.png'));
 *
 * const runner = new BullMQTaskRunner({ queue: 'etl', connection: 'redis://127.0.0.1:6379' });
 * const thumbnails = flow({ name: 'thumbnails', taskRunner: runner }, (paths: string[]) => resize.map(paths).result());
 * console.log(await thumbnails(['a.png', 'b.png']));
 * ```
 */
export class BullMQTaskRunner implements TaskRunner {
  readonly name = 'bullmq';
  readonly maxConcurrency: number;
  /** The queue jobs are added to. */
  readonly queue: string;
  /** Whether the connections outlive the flows that use them. */
  readonly keepAlive: boolean;

  readonly #home: QueueHome;
  /** The connection's passwords: its errors never quote them. */
  readonly #secrets: readonly string[];
  readonly #prefix: string;
  /** The stream the workers read cancels from. */
  readonly #cancels: string;
  readonly #connectionTimeout: number;
  readonly #checkInterval: number;
  readonly #heartbeats: Heartbeats;
  /** Looks up the jobs whose outcomes were not heard. */
  readonly #outcomeCheck: OutcomeCheck;
  /** Tells the flows, or fails their runs, when no worker takes the queue's jobs. */
  readonly #workerWatch: WorkerWatch;
  readonly #bulkSize: number;
  readonly #jobOptions: JobsOptions;
  /**
   * Job ids are this runner's: `<base>.<n>`, 8 random characters and a base-36 count (unique
   * across processes, never an integer, no ':'). Short, since an id is in every key, event and
   * option of its job.
   */
  readonly #idBase = randomBytes(6).toString('base64url');
  #nextId = 0;
  readonly #lease: FlowLease;
  #conn: Connections | undefined;
  readonly #pending = new Map<string, Pending>();
  #batch: Pending[] = [];
  #flushScheduled = false;
  /** An add is in flight: later runs wait for the next one. */
  #adding = false;
  #ticker: Subscription | undefined;
  /** Connections being closed: destroy() returns once all of them are. */
  readonly #closing = new Set<Promise<void>>();
  /** Made once and shared by every job's `Pending`, rather than a closure per job. */
  readonly #stopEntry = (entry: Pending): void => {
    this.#stop(entry);
  };

  constructor(options: BullMQTaskRunnerOptions) {
    const owner = 'BullMQTaskRunner';
    checkOptionsObject(options, owner, '`queue`');
    this.queue = checkQueueName(options.queue, owner);
    this.#prefix = checkNonEmptyString(options.prefix ?? BULLMQ_RUNNER_DEFAULTS.prefix, 'prefix', owner);
    this.#home = queueHome(options.connection ?? BULLMQ_RUNNER_DEFAULTS.connection, this.#prefix, owner);
    this.#secrets = this.#home.secrets;
    this.#cancels = cancelsKey(this.#prefix, this.queue);
    this.maxConcurrency = checkConcurrency(options.maxConcurrency ?? BULLMQ_RUNNER_DEFAULTS.maxConcurrency, owner);
    this.#connectionTimeout = checkNumber(options.connectionTimeout ?? BULLMQ_RUNNER_DEFAULTS.connectionTimeout, 'connectionTimeout', owner, 0);
    this.#checkInterval = checkNumber(options.checkInterval ?? BULLMQ_RUNNER_DEFAULTS.checkInterval, 'checkInterval', owner, 1);
    this.#bulkSize = checkInteger(options.bulkSize ?? BULLMQ_RUNNER_DEFAULTS.bulkSize, 'bulkSize', owner, { min: 1 });
    this.keepAlive = checkBoolean(options.keepAlive ?? BULLMQ_RUNNER_DEFAULTS.keepAlive, 'keepAlive', owner);
    const noWorkerWarning = checkWait(options.noWorkerWarning ?? BULLMQ_RUNNER_DEFAULTS.noWorkerWarning, 'noWorkerWarning', owner);
    const noWorkerTimeout = checkWait(options.noWorkerTimeout ?? BULLMQ_RUNNER_DEFAULTS.noWorkerTimeout, 'noWorkerTimeout', owner);
    this.#lease = new FlowLease(this.keepAlive, () => this.destroy());
    this.#heartbeats = new Heartbeats(checkNumber(options.flowLease ?? BULLMQ_RUNNER_DEFAULTS.flowLease, 'flowLease', owner, 3 * TICK_MS));
    // Retention is the workers' unless set here: every option a job carries is packed, stored and
    // parsed again for each job.
    this.#jobOptions = {
      // Retries are the engine's: each attempt is a job of its own. BullMQ's default (0 attempts)
      // never retries a job, and costs nothing to pack and store.
      ...(options.removeOnComplete === undefined ? {} : { removeOnComplete: checkKeepJobs(options.removeOnComplete, 'removeOnComplete', owner) as JobsOptions['removeOnComplete'] }),
      ...(options.removeOnFail === undefined ? {} : { removeOnFail: checkKeepJobs(options.removeOnFail, 'removeOnFail', owner) as JobsOptions['removeOnFail'] }),
    };
    this.#outcomeCheck = new OutcomeCheck({
      queue: this.queue,
      secrets: this.#secrets,
      checkInterval: this.#checkInterval,
      outcomes: {
        completed: (entry, returnvalue) => this.#completed(entry, returnvalue),
        failed: (entry, failedReason, data) => this.#failed(entry, failedReason, data),
        settle: (entry, error) => this.#settle(entry, error),
      },
    });
    this.#workerWatch = new WorkerWatch({
      queue: this.queue,
      prefix: this.#prefix,
      noWorkerWarning,
      noWorkerTimeout,
      pending: this.#pending,
      current: (conn) => this.#conn === conn,
      takeBack: (conn, entry) => takeBack(conn, entry.id, this.#cancels),
      settle: (entry, error) => this.#settle(entry, error),
    });
  }

  /** How many of this runner's jobs are waiting for their outcome now. */
  get pendingJobs(): number {
    return this.#pending.size;
  }

  /** A flow that uses this runner has started. */
  open(): void {
    this.#lease.open();
  }

  /** A flow that used this runner has ended: the last one closes the connections, unless `keepAlive`. */
  close(): Promise<void> {
    return this.#lease.close();
  }

  /**
   * Closes the connections to Redis now; runs still waiting on jobs fail. The next run opens them
   * again. For a runner made with `keepAlive`, call it when you are done. It can be called any
   * number of times, and resolves once every connection the runner opened is closed (dropped, if
   * Redis does not answer within 2 s), so nothing of the runner keeps the process alive.
   *
   * @example
   * ```ts
   * import { BullMQTaskRunner } from 'sluice/bullmq';
   * const runner = new BullMQTaskRunner({ queue: 'etl', keepAlive: true });
   * // ... several flows with taskRunner: runner ...
   * await runner.destroy();
   * ```
   */
  async destroy(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    for (const entry of [...this.#pending.values()]) {
      this.#settle(entry, new QueueConnectionError(this.queue, `the runner was closed while task run "${entry.call.runName}" waited on job ${entry.id}`));
    }
    this.#stopTicker();
    if (conn !== undefined) this.#closeLater(conn);
    // A second call (or one on a runner whose connections are closing already) waits as long.
    await Promise.all(this.#closing);
  }

  /** Closes a set of connections the runner let go of; destroy() waits for it. */
  #closeLater(conn: Connections): void {
    const closing = closeConnections(conn);
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
  }

  /** Lets go of the connections (if still the runner's) and closes them. */
  #release(conn: Connections): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#closeLater(conn);
  }

  #connect(): Connections {
    this.#conn ??= openConnections({
      queue: this.queue,
      home: this.#home,
      pending: this.#pending,
      outcomesLost: outcomesLost(this.#checkInterval),
      heard: (conn, outcomes) => this.#heard(conn, outcomes),
    });
    return this.#conn;
  }

  /** Checks, before a run takes a slot, that its arguments can cross as JSON. */
  checkArgs(task: TaskRef, args: readonly unknown[]): void {
    this.#prepare(task, args);
  }

  /** Adds one attempt as a job; unsubscribing removes the job or asks its worker to abort it. */
  execute(call: RunnerCall): Observable<unknown> {
    return new (rxjs().Observable)<unknown>((subscriber) => {
      const job = this[START_ATTEMPT](call, {
        succeeded: (value) => {
          subscriber.next(value);
          subscriber.complete();
        },
        failed: (error) => subscriber.error(error),
      });
      return () => job.unsubscribe();
    });
  }

  /**
   * What `execute` does, reporting to `sink` rather than through an Observable: the engine's way
   * in, so that a queued job holds one object.
   *
   * @internal
   */
  [START_ATTEMPT](call: RunnerCall, sink: AttemptSink): { unsubscribe(): void } {
    const prepared = this.#prepare(call.task, call.args);
    // The run's name goes as the job's name; its flow run id only when its run id does not say it.
    const data: JobData = {
      v: JOB_PROTOCOL_VERSION,
      task: call.task.definedAs ?? call.task.name,
      ...prepared,
      runId: call.runId,
      attempt: call.attempt,
      flowName: call.flowName,
      ...(impliesFlowRunId(call.runId, call.flowRunId) ? {} : { flowRunId: call.flowRunId }),
      ...(call.parentRunId === undefined ? {} : { parentRunId: call.parentRunId }),
      lease: this.#heartbeats.lease,
    };
    const entry = new Pending(`${this.#idBase}.${(++this.#nextId).toString(36)}`, call, data, sink, this.#stopEntry);
    const conn = this.#connect();
    if (conn.downSince !== undefined && Date.now() - conn.downSince >= this.#connectionTimeout) {
      entry.settled = true;
      sink.failed(connectionLostError(conn, this.queue, this.#secrets));
      return entry;
    }
    this.#pending.set(entry.id, entry);
    conn.warnings.lastEntry = entry;
    this.#startTicker();
    if (call.cache === undefined) this.#enqueue(entry);
    else void this.#reuseOrEnqueue(conn, entry, call.cache);
    return entry;
  }

  #enqueue(entry: Pending): void {
    this.#batch.push(entry);
    if (!this.#flushScheduled && !this.#adding) {
      this.#flushScheduled = true;
      // The runs that get a slot in this tick go in one addBulk.
      rxjs().asapScheduler.schedule(() => void this.#pump());
    }
  }

  /**
   * A cached run the cache had no value for: a job of the same key that finished within the
   * cache's expiration (an orphan of a flow process that died before it could store the value)
   * gives its value; else the run's job is added.
   */
  async #reuseOrEnqueue(conn: Connections, entry: Pending, cache: RunnerCache): Promise<void> {
    let result: unknown;
    try {
      await conn.ready;
      const id = await conn.home.cachedJob(conn.queue, this.queue, cache.key);
      const job = id === undefined ? undefined : await conn.queue.getJob(id);
      // The note lapses with the cache's expiration, counted from the add: a job it finds finished later.
      if (job !== undefined && (await job.isCompleted())) result = job.returnvalue;
    } catch {
      // Not found, then: the body runs.
    }
    if (entry.settled) return;
    if (result === undefined) this.#enqueue(entry);
    else this.#completed(entry, result);
  }

  /** The arguments as they cross: encoded by the task's `params` codec, checked for JSON. */
  #prepare(task: TaskRef, args: readonly unknown[]): Pick<JobData, 'args' | 'encoded' | 'undefinedArgs' | 'errorArgs'> {
    // Done again for each attempt rather than cached per argument list: a WeakMap entry per run
    // cost more (in GC) than the walk over plain arguments.
    const list = encodeArgs(task, args);
    // A Standard Schema has no encoder: the arguments cross as JSON makes them (a Date becomes its
    // ISO string), and the schema validates and transforms them in the worker (z.coerce.date()).
    if (task.paramsSchema !== undefined) for (let i = 0; i < list.length; i++) list[i] = asJson(list[i]);
    let undefinedArgs: number[] | undefined;
    let errorArgs: number[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const arg = list[i];
      if (arg === undefined) {
        (undefinedArgs ??= []).push(i);
        list[i] = null;
        continue;
      }
      if (arg instanceof Error) {
        // An upstream's error, given by allowFailure: it crosses as a body's error does.
        (errorArgs ??= []).push(i);
        list[i] = serializeThrown(arg, (value) => findNotJson(value) === undefined);
        continue;
      }
      const found = findNotJson(list[i], describeSpecial);
      if (found !== undefined) throw new NotSerializableError(task.name, i, found.path, found.what);
    }
    const prepared = {
      args: list,
      ...(task.params === undefined ? {} : { encoded: true }),
      ...(undefinedArgs === undefined ? {} : { undefinedArgs }),
      ...(errorArgs === undefined ? {} : { errorArgs }),
    };
    return prepared;
  }

  /**
   * Adds the batched runs' jobs, one call at a time (runs that get a slot meanwhile wait for the
   * next call): a worker in this process starts on the first chunk while the next is added.
   */
  async #pump(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#adding) return;
    this.#adding = true;
    try {
      while (this.#batch.length > 0) {
        const batch = this.#batch.length <= this.#bulkSize ? this.#batch : this.#batch.slice(0, this.#bulkSize);
        this.#batch = batch === this.#batch ? [] : this.#batch.slice(this.#bulkSize);
        await this.#add(batch);
      }
    } finally {
      this.#adding = false;
    }
  }

  async #add(batch: readonly Pending[]): Promise<void> {
    const live = batch.filter((entry) => !entry.stopped);
    if (live.length === 0) return;
    const conn = this.#connect();
    // Closing waits for an add under way, and for the cancels of the runs stopped meanwhile: a
    // worker may have started such a job before this process heard that it was added.
    const adding = this.#addLive(conn, live);
    conn.removing.add(adding);
    try {
      await adding;
    } finally {
      conn.removing.delete(adding);
    }
  }

  async #addLive(conn: Connections, live: readonly Pending[]): Promise<void> {
    try {
      await conn.ready.catch((error: unknown) => {
        // Never ready: the store was down as they opened, and PostgreSQL's backend keeps that
        // failure for good. Let go of them: the next run opens new ones.
        this.#release(conn);
        throw error;
      });
      // The flow runs' heartbeats are in Redis before their jobs: a worker never finds a job first.
      await this.#beat(conn, live, false);
      await this.#noteCached(conn, live);
      const one = live.length === 1 ? live[0] : undefined;
      if (one !== undefined) await conn.queue.add(one.call.runName, one.data, { ...this.#jobOptions, jobId: one.id });
      else await conn.queue.addBulk(live.map((entry) => ({ name: entry.call.runName, data: entry.data, opts: { ...this.#jobOptions, jobId: entry.id } })));
      for (const entry of live) entry.data = undefined;
    } catch (error) {
      conn.lastError = error instanceof Error ? error : new Error(String(error));
      // Redis' reply to a write over maxmemory starts with OOM.
      const full = /^OOM\b/.test(messageOf(error));
      for (const entry of live) {
        const { runName } = entry.call;
        this.#settle(
          entry,
          full
            ? new QueueOutOfMemoryError(this.queue, runName, { cause: error, secrets: this.#secrets })
            : new QueueConnectionError(this.queue, `could not add the job of task run "${runName}": ${messageOf(error)}${conn.home.advice(error)}`, { cause: error, secrets: this.#secrets }),
        );
      }
      return;
    }
    const now = Date.now();
    for (const entry of live) {
      entry.addedAt = now;
      entry.checkedAt = now;
    }
    // Stopped while their add was under way: taken back now, closing or not (closing waits for this).
    await Promise.all(live.filter((entry) => entry.stopped).map((entry) => removeOrCancel(conn, entry.id, this.#cancels)));
  }

  /**
   * One outcome event: `[jobId, outcome, ...]`. An event that is not one (published by something
   * else) is ignored: its jobs' outcomes are found by looking them up.
   */
  #heard(conn: Connections, outcomes: unknown): void {
    let list: unknown;
    try {
      list = typeof outcomes === 'string' ? JSON.parse(outcomes) : undefined;
    } catch {
      return;
    }
    if (!Array.isArray(list)) return;
    // A worker published it: the queue has one at work.
    conn.workerSeenAt = Date.now();
    for (let i = 0; i + 1 < list.length; i += 2) {
      const entry = this.#pending.get(list[i] as string);
      if (entry === undefined) continue;
      const outcome: unknown = list[i + 1];
      // Failed: why is recorded in the job, with its state.
      if (outcome === 0) void this.#outcomeCheck.check(conn, entry, Date.now());
      else this.#completed(entry, outcome);
    }
  }

  #completed(entry: Pending, returnvalue: unknown): void {
    const { task } = entry.call;
    // `is` checks without building a decoded copy (these codecs decode to their input); decode
    // only to say what is wrong.
    if (!JobResultC.is(returnvalue)) {
      const result = JobResultC.decode(returnvalue);
      const problems = result._tag === 'Left' ? describeWireErrors(result.left) : 'unreadable';
      this.#settle(entry, new JobPayloadError(task.name, `job ${entry.id} completed with a value that is not a sluice result (was it run by \`sluice worker\`?): ${problems}`));
      return;
    }
    const { encoded, value } = returnvalue;
    if (encoded !== true) {
      this.#settle(entry, undefined, value);
      return;
    }
    if (task.returns === undefined) {
      this.#settle(entry, new JobPayloadError(task.name, `job ${entry.id} completed with an encoded value, but the task has no \`returns\` codec here (do the flow and the worker run the same version of the task?)`));
      return;
    }
    let decoded: unknown;
    try {
      decoded = decodeValue(task, task.returns, value);
    } catch (error) {
      this.#settle(entry, error);
      return;
    }
    this.#settle(entry, undefined, decoded);
  }

  /** A failed job: `data` is the job's, where the worker recorded why. */
  #failed(entry: Pending, failedReason: string, data: unknown): void {
    const { task, runName } = entry.call;
    const recorded = JobFailureC.decode((data as { failure?: unknown } | undefined)?.failure);
    if (recorded._tag === 'Left') {
      if (STALLED.test(failedReason)) this.#settle(entry, new JobStalledError(task.name, runName, entry.id, failedReason));
      else this.#settle(entry, new JobFailedError(task.name, runName, entry.id, failedReason));
      return;
    }
    const failure = recorded.right;
    switch (failure.kind) {
      case 'threw':
        // A body may throw undefined: a failure all the same.
        this.#settle(entry, rebuildThrown(failure.thrown), undefined, true);
        return;
      case 'unknown-task':
        this.#settle(entry, new UnknownTaskError(task.name, this.queue, failure.known));
        return;
      case 'invalid-params':
        this.#settle(entry, new InvalidParamsError(task.name, failure.problems));
        return;
      case 'not-serializable':
        this.#settle(entry, new NotSerializableError(task.name, undefined, failure.path, failure.what));
        return;
      case 'bad-payload':
        this.#settle(entry, new JobPayloadError(task.name, failure.message));
        return;
    }
  }

  /** Settles a run's job: an error, or its value. */
  #settle(entry: Pending, error: unknown, value?: unknown, failed = error !== undefined): void {
    if (entry.settled) return;
    entry.settled = true;
    this.#pending.delete(entry.id);
    if (this.#pending.size === 0) this.#stopTicker();
    if (failed) entry.sink.failed(error);
    else entry.sink.succeeded(value);
  }

  /** The engine stopped the run (cancel, time-out): take its job back. */
  #stop(entry: Pending): void {
    entry.stopped = true;
    entry.settled = true;
    this.#pending.delete(entry.id);
    if (this.#pending.size === 0) this.#stopTicker();
    // Not yet added: #add skips it, or removes it once the add returns.
    if (entry.addedAt !== 0 && this.#conn !== undefined) takeBack(this.#conn, entry.id, this.#cancels);
  }

  #startTicker(): void {
    if (this.#ticker !== undefined) return;
    this.#ticker = rxjs()
      .interval(TICK_MS)
      .subscribe(() => void this.#tick());
  }

  #stopTicker(): void {
    this.#ticker?.unsubscribe();
    this.#ticker = undefined;
  }

  /** Once a second while jobs are pending: watch the connections, look up jobs not heard from. */
  async #tick(): Promise<void> {
    const conn = this.#conn;
    if (conn === undefined) return;
    const now = Date.now();
    watchClients(conn, now);
    if (conn.downSince !== undefined && now - conn.downSince >= this.#connectionTimeout) {
      const error = connectionLostError(conn, this.queue, this.#secrets);
      for (const entry of [...this.#pending.values()]) this.#settle(entry, error);
      return;
    }
    if (conn.downSince !== undefined) return;
    void this.#workerWatch.watch(conn, now);
    this.#beat(conn, this.#pending.values(), true).catch((error: unknown) => {
      conn.warnings.refused(error, heartbeatKey(this.#prefix, this.queue, '*'), 'workers will take this flow for gone once its heartbeat lapses, and skip its jobs');
    });
    await this.#outcomeCheck.due(conn, this.#pending.values(), now);
  }

  /**
   * Notes the jobs of cached runs by cache key, before they are added: should this process die,
   * the flow run again finds what its orphans finished. Not noted, the body runs again.
   */
  async #noteCached(conn: Connections, entries: readonly Pending[]): Promise<void> {
    const cached: [string, string][] = [];
    let ttl = 0;
    for (const entry of entries) {
      const { cache } = entry.call;
      if (cache === undefined) continue;
      cached.push([cache.key, entry.id]);
      ttl = Math.max(ttl, Math.min(cache.maxAge, MAX_REUSE_MS));
    }
    if (cached.length === 0) return;
    await conn.home.setCachedJobs(conn.queue, this.queue, cached, ttl).catch((error: unknown) => {
      conn.warnings.refused(error, `${this.#prefix}:${this.queue}:sluice-cached:*`, 'a flow run again after this process dies runs again the cached runs its workers finished');
    });
  }

  /** Renews the heartbeats of the flow runs of `entries` that are due (see {@link Heartbeats}). */
  async #beat(conn: Connections, entries: Iterable<Pending>, forget: boolean): Promise<void> {
    const ids = new Set<string>();
    for (const entry of entries) ids.add(entry.call.flowRunId);
    if (ids.size === 0 && !forget) return;
    await this.#heartbeats.beat((due, lease) => conn.home.setHeartbeats(conn.queue, this.queue, due, lease), ids, Date.now(), forget);
  }
}
