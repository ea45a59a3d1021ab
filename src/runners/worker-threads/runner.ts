/**
 * `WorkerThreadsTaskRunner`: task bodies on a pool of worker threads (piscina), for CPU-bound or
 * blocking work.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import type { Observable } from 'rxjs';
import { piscinaClass, rxjs } from '../../core/lazy-rxjs.js';
import { checkBoolean, checkConcurrency, checkInteger, checkOptionsObject, checkStringList } from '../../core/option-checks.js';
import { InvalidParamsError } from '../../core/errors/codec.js';
import { describeSpecial } from '../remote/special.js';
import { FlowLease } from '../remote/flow-lease.js';
import type { RunnerCall, TaskRef, TaskRunner } from '../runner.js';
import { describeNotCloneable, findNotCloneable } from '../remote/clone-check.js';
import { NotCloneableError, TaskNotFoundError, WorkerCrashedError, WorkerProtocolError } from './errors.js';
import { isTypeScript, threadSetup } from '../remote/loader.js';
import { findTask, howToDefine } from '../remote/lookup.js';
import { runInfoOf } from '../remote/run-info.js';
import { rebuildThrown } from '../remote/thrown.js';
import { PROTOCOL_VERSION, ResponseC, type Request } from './protocol.js';
import { describeWireErrors } from '../remote/wire-errors.js';
import { decodeValue, encodeArgs } from '../remote/codec-flow.js';

/**
 * Options of {@link WorkerThreadsTaskRunner}.
 *
 * @example
 * ```ts
 * import { WorkerThreadsTaskRunner, type WorkerThreadsTaskRunnerOptions } from 'sluice';
 * const options: WorkerThreadsTaskRunnerOptions = { maxThreads: 2, keepAlive: true };
 * const runner = new WorkerThreadsTaskRunner(options);
 * await runner.destroy();
 * ```
 */
export interface WorkerThreadsTaskRunnerOptions {
  /**
   * How many worker threads the pool runs. They start together, on the first run that needs
   * them (not when the runner is made).
   *
   * Must be an integer from 1 and up.
   *
   * @defaultValue `os.availableParallelism()` (`WORKER_THREADS_RUNNER_DEFAULTS.maxThreads`)
   */
  readonly maxThreads?: number;
  /**
   * How many runs of one flow run at once on this runner. Runs beyond `maxThreads` wait in the
   * pool's queue (already `Running`, as far as states go); so by default it is `maxThreads`, and
   * a run is `Running` only while a thread runs it.
   *
   * Must be an integer from 1 and up, or `Infinity`.
   *
   * @defaultValue `maxThreads`
   */
  readonly maxConcurrency?: number;
  /**
   * Keep the pool between flows. By default the pool is closed when the last flow using the
   * runner ends, and the next flow starts it again (each start costs each thread its imports);
   * with `keepAlive` it stays until {@link WorkerThreadsTaskRunner.destroy}. Idle threads never
   * keep the process alive either way.
   *
   * @defaultValue `false` (`WORKER_THREADS_RUNNER_DEFAULTS.keepAlive`)
   */
  readonly keepAlive?: boolean;
  /**
   * Extra Node flags for the worker threads, after the process's own (which they inherit), such
   * as `['--import', 'some-loader']`. For TypeScript task modules the runner adds tsx's loader by
   * itself when the process's flags do not load TypeScript already and tsx can be found.
   *
   * @defaultValue `[]` (`WORKER_THREADS_RUNNER_DEFAULTS.execArgv`)
   */
  readonly execArgv?: readonly string[];
  /**
   * Another worker entry, for tests of the wire protocol. @internal
   */
  readonly workerFile?: string | URL;
}

/**
 * The defaults of {@link WorkerThreadsTaskRunnerOptions} (`maxConcurrency` defaults to `maxThreads`).
 *
 * @example
 * ```ts
 * import { WORKER_THREADS_RUNNER_DEFAULTS } from 'sluice';
 * console.log(WORKER_THREADS_RUNNER_DEFAULTS.maxThreads); // the number of cores
 * ```
 */
export const WORKER_THREADS_RUNNER_DEFAULTS = {
  maxThreads: availableParallelism(),
  keepAlive: false,
  execArgv: [] as readonly string[],
} as const satisfies Partial<WorkerThreadsTaskRunnerOptions>;

function isDataCloneError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'DataCloneError' || /could not be cloned|needs transfer|not transferable/i.test(error.message));
}

/**
 * Tasks this thread saw are not their module's export of that name: `checkArgs` fails their later
 * runs before they take a slot. (What a worker reports is kept per runner: it may depend on the
 * runner's `execArgv`.)
 */
const knownMissing = new WeakMap<TaskRef, TaskNotFoundError>();

/** A look on this thread into a task's module. */
interface ModuleCheck {
  /** Settles when the look is done (never rejects). */
  readonly done: Promise<void>;
  settled: boolean;
  /** A run waited its while for it and went on: later runs do not wait. */
  gaveUp: boolean;
}

const checks = new WeakMap<TaskRef, ModuleCheck>();

/** How long a run waits, at most, for the look into its module before it goes to a worker. */
const CHECK_PATIENCE_MS = 250;

/**
 * Looks, on this thread, for the task among its module's exports, and remembers a task that is
 * not there. The worker's own look-up is the one that counts; this one adds what only this thread
 * can see: that the module's export of that name is not the submitted task (another definition
 * with the same name, say one made inside a function). Started before the run takes a slot; the
 * run waits for it a short while at most: a module that defines its tasks and runs its flow with
 * a top-level `await` is still evaluating while its runs go out, and its import would not settle
 * until the flow is over.
 */
function checkModule(task: TaskRef, moduleUrl: string): ModuleCheck {
  const check = checks.get(task);
  if (check !== undefined) return check;
  // The engine hands the runner the task's definition, which carries its body.
  const body: unknown = (task as TaskRef & { readonly fn?: unknown }).fn;
  const done = import(moduleUrl).then(
    (namespace: Readonly<Record<string, unknown>>) => {
      const found = findTask(namespace, task.definedAs ?? task.name, moduleUrl, typeof body === 'function' ? (fn) => fn === body : undefined);
      if (!found.ok) knownMissing.set(task, new TaskNotFoundError(task.name, moduleUrl, found.reason, found.message));
    },
    () => {
      // The worker says why, with its own import.
    },
  );
  const created: ModuleCheck = { done, settled: false, gaveUp: false };
  void done.then(() => {
    created.settled = true;
  });
  checks.set(task, created);
  return created;
}

/** Waits for a module check, a short while at most. */
async function awaitCheck(check: ModuleCheck): Promise<void> {
  if (check.settled || check.gaveUp) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([check.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, CHECK_PATIENCE_MS)))]);
  clearTimeout(timer);
  if (!check.settled) check.gaveUp = true;
}

/**
 * Task bodies on worker threads (a piscina pool), for CPU-bound or blocking work that would
 * otherwise hold up the event loop. Retries, time-outs, cancellation, `waitFor`, states and events
 * are the engine's and behave as on {@link ConcurrentTaskRunner}; this runner only runs bodies.
 *
 * A function cannot cross to another thread, so a worker finds a task by its module and name:
 * define the task at the top level of a module, export it, and give it `module: import.meta.url`.
 * A task without `module`, or one its module does not export, fails with a
 * {@link TaskNotFoundError} before its body is sent.
 *
 * Arguments and values cross by structured clone (plain data, arrays, Maps, Sets, Dates, typed
 * arrays, errors; a class instance arrives as a plain object), or through the task's io-ts codecs
 * (`params`, `returns`) when it declares them. An argument that cannot cross (a function, a
 * socket) fails the run with a {@link NotCloneableError} naming the argument. An error thrown in
 * a worker comes back with its name, message, stack and own properties such as `code`.
 *
 * A body on a worker thread has its `getRunContext()` (its signal never aborts: a stopped run's
 * thread is terminated); a body that submits or maps tasks runs them in its own thread, on an in-process runner, outside
 * the flow (its events and its end do not include them). Cancelling or timing out a run
 * terminates the thread it runs on (the pool starts another); a time-out counts from the
 * attempt's start, so it includes waiting for a thread to be ready.
 *
 * The pool starts on the first run and closes when the last flow using the runner ends, unless
 * `keepAlive`; idle threads never keep the process alive.
 *
 * @example
 * ```ts
 * // primes.ts
 * import { flow, task, WorkerThreadsTaskRunner } from 'sluice';
 *
 * export const countPrimes = task({ name: 'count_primes', module: import.meta.url }, (below: number) => {
 *   let count = 0;
 *   for (let n = 2; n < below; n++) {
 *     let prime = true;
 *     for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
 *     if (prime) count++;
 *   }
 *   return count;
 * });
 *
 * export const primes = flow({ name: 'primes', taskRunner: new WorkerThreadsTaskRunner({ maxThreads: 4 }) }, () =>
 *   countPrimes.map([1e6, 2e6, 3e6, 4e6]).result(),
 * );
 * ```
 */
export class WorkerThreadsTaskRunner implements TaskRunner {
  readonly name = 'worker-threads';
  readonly maxConcurrency: number;
  /** How many threads the pool runs. */
  readonly maxThreads: number;
  /** Whether the pool outlives the flows that use it. */
  readonly keepAlive: boolean;

  readonly #execArgv: readonly string[];
  readonly #workerFile: URL;
  #pool: Piscina | undefined;
  readonly #lease: FlowLease;
  /** Arguments checked and encoded by `checkArgs`, by the run's argument array. */
  readonly #prepared = new WeakMap<readonly unknown[], unknown[]>();
  /** Tasks this runner's workers could not find, until the pool is closed. */
  #missing = new WeakMap<TaskRef, TaskNotFoundError>();

  constructor(options: WorkerThreadsTaskRunnerOptions = {}) {
    const owner = 'WorkerThreadsTaskRunner';
    checkOptionsObject(options, owner);
    this.maxThreads = checkInteger(options.maxThreads ?? WORKER_THREADS_RUNNER_DEFAULTS.maxThreads, 'maxThreads', owner, { min: 1 });
    this.maxConcurrency = checkConcurrency(options.maxConcurrency ?? this.maxThreads, owner);
    this.keepAlive = checkBoolean(options.keepAlive ?? WORKER_THREADS_RUNNER_DEFAULTS.keepAlive, 'keepAlive', owner);
    this.#lease = new FlowLease(this.keepAlive, () => this.destroy());
    this.#execArgv = checkStringList(options.execArgv ?? WORKER_THREADS_RUNNER_DEFAULTS.execArgv, 'execArgv', owner);
    // Beside this file: worker.ts when sluice runs from its sources (tests), worker.js when built.
    this.#workerFile =
      options.workerFile !== undefined
        ? new URL(options.workerFile, pathToFileURL(`${process.cwd()}/`))
        : new URL(isTypeScript(import.meta.url) ? './worker.ts' : './worker.js', import.meta.url);
    // Load piscina now (not with sluice, not on the first run): its ~45 ms belong to making a
    // runner, not to a flow's first task.
    piscinaClass();
  }

  /** How many threads are alive now: 0 before the first run and after the pool is closed. */
  get threadCount(): number {
    return this.#pool?.threads.length ?? 0;
  }

  /** A flow that uses this runner has started. */
  open(): void {
    this.#lease.open();
  }

  /** A flow that used this runner has ended: the last one closes the pool, unless `keepAlive`. */
  close(): Promise<void> {
    return this.#lease.close();
  }

  /**
   * Closes the pool now: its threads end, and runs still on them fail. The next run starts a new
   * pool. For a runner made with `keepAlive`, call it when you are done.
   *
   * @example
   * ```ts
   * import { WorkerThreadsTaskRunner } from 'sluice';
   * const runner = new WorkerThreadsTaskRunner({ keepAlive: true });
   * // ... several flows with taskRunner: runner ...
   * await runner.destroy();
   * ```
   */
  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    this.#missing = new WeakMap();
    if (pool !== undefined) await pool.destroy();
  }

  /**
   * Checks, before a run takes a slot, that its task can be found by a worker and its arguments
   * can cross.
   */
  checkArgs(task: TaskRef, args: readonly unknown[]): void {
    const missing = knownMissing.get(task) ?? this.#missing.get(task);
    if (missing !== undefined) throw missing;
    const moduleUrl = this.#moduleOf(task);
    this.#prepare(task, args);
    checkModule(task, moduleUrl);
  }

  /** Runs one attempt on a worker thread; unsubscribing aborts it (and ends its thread). */
  execute(call: RunnerCall): Observable<unknown> {
    return new (rxjs().Observable)<unknown>((subscriber) => {
      const controller = new AbortController();
      let settled = false;
      this.#run(call, controller.signal).then(
        (value) => {
          settled = true;
          subscriber.next(value);
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
      );
      return () => {
        if (!settled) controller.abort(new Error(`task run "${call.runName}" was stopped (cancelled or timed out)`));
      };
    });
  }

  #moduleOf(task: TaskRef): string {
    const moduleUrl = task.module;
    if (moduleUrl === undefined) {
      throw new TaskNotFoundError(
        task.name,
        undefined,
        'no-module',
        `task "${task.name}" has no module, so a worker thread cannot find it (a function cannot cross to another thread): ${howToDefine(task.name)}`,
      );
    }
    try {
      new URL(moduleUrl);
    } catch {
      throw new TaskNotFoundError(
        task.name,
        moduleUrl,
        'no-module',
        `task "${task.name}" has \`module: ${JSON.stringify(moduleUrl)}\`, which is not a URL: give it \`module: import.meta.url\` (${howToDefine(task.name)})`,
      );
    }
    return moduleUrl;
  }

  /** The arguments as they will cross: encoded by the task's `params` codec, checked for cloning. */
  #prepare(task: TaskRef, args: readonly unknown[]): unknown[] {
    const cached = this.#prepared.get(args);
    if (cached !== undefined) return cached;
    const list = encodeArgs(task, args);
    for (let i = 0; i < list.length; i++) {
      const found = findNotCloneable(list[i], describeSpecial);
      if (found !== undefined) throw new NotCloneableError(task.name, i, found.path, describeNotCloneable(`argument ${i}`, found));
    }
    this.#prepared.set(args, list);
    return list;
  }

  #poolFor(moduleUrl: string): Piscina {
    if (this.#pool !== undefined) return this.#pool;
    const entry = this.#workerFile.href;
    const { execArgv, workerData } = threadSetup(isTypeScript(entry), this.#execArgv, [moduleUrl, import.meta.url, pathToFileURL(`${process.cwd()}/`).href]);
    this.#pool = new (piscinaClass())({
      filename: entry,
      minThreads: this.maxThreads,
      maxThreads: this.maxThreads,
      recordTiming: false,
      workerData,
      ...(execArgv === undefined ? {} : { execArgv }),
    });
    // A late message from a thread whose job was aborted makes piscina emit 'error'; unheard,
    // that would end the process. Runs learn of their own failures through `run()`.
    this.#pool.on('error', () => undefined);
    return this.#pool;
  }

  async #run(call: RunnerCall, signal: AbortSignal): Promise<unknown> {
    const { task } = call;
    const moduleUrl = this.#moduleOf(task);
    const args = this.#prepare(task, call.args);
    await awaitCheck(checkModule(task, moduleUrl));
    const missing = knownMissing.get(task) ?? this.#missing.get(task);
    if (missing !== undefined) throw missing;
    const request: Request = { v: PROTOCOL_VERSION, module: moduleUrl, name: task.definedAs ?? task.name, args, encoded: task.params !== undefined, run: runInfoOf(call) };
    let raw: unknown;
    try {
      raw = await this.#poolFor(moduleUrl).run(request, { signal });
    } catch (error) {
      // Stopped by the engine: nobody listens any more.
      if (signal.aborted) throw error;
      // A body's own error comes back as a response; a rejection is the pool's: the thread died.
      if (!isDataCloneError(error)) throw new WorkerCrashedError(task.name, call.runName, error);
      // Something the walk did not recognise (a port, a native handle): find which argument.
      const index = args.findIndex((arg) => {
        try {
          structuredClone(arg);
          return false;
        } catch {
          return true;
        }
      });
      throw new NotCloneableError(task.name, index < 0 ? 0 : index, '', `${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const value = this.#decode(call, raw);
    // The worker ran the module's export of that name; if this thread has seen meanwhile that it
    // is not the submitted task, the value is not this task's (a check that outlasted its wait).
    const late = knownMissing.get(task);
    if (late !== undefined) throw late;
    return value;
  }

  #decode(call: RunnerCall, raw: unknown): unknown {
    const { task } = call;
    const decoded = ResponseC.decode(raw);
    if (decoded._tag === 'Left') {
      throw new WorkerProtocolError(task.name, `task run "${call.runName}" got a malformed response from its worker thread: ${describeWireErrors(decoded.left)}`);
    }
    const response = decoded.right;
    if (response.ok) {
      if (!response.encoded) return response.value;
      const codec = task.returns;
      if (codec === undefined) {
        throw new WorkerProtocolError(task.name, `task run "${call.runName}" got an encoded value from its worker thread, but the task has no \`returns\` codec`);
      }
      return decodeValue(task, codec, response.value);
    }
    const failure = response.failure;
    switch (failure.kind) {
      case 'threw':
        throw rebuildThrown(failure.thrown);
      case 'not-found': {
        const error = new TaskNotFoundError(task.name, task.module, failure.reason, failure.message);
        this.#missing.set(task, error);
        throw error;
      }
      case 'invalid-params':
        throw new InvalidParamsError(task.name, failure.problems);
      case 'not-cloneable':
        throw new NotCloneableError(task.name, undefined, failure.path, describeNotCloneable('the value', { path: failure.path, what: failure.what, inside: undefined }));
      case 'protocol':
        throw new WorkerProtocolError(task.name, failure.message);
    }
  }
}
