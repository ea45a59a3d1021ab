import type { Observable } from 'rxjs';
import type { Mixed } from 'io-ts';
import type { StandardSchemaV1 } from '../core/codecs.js';
import type { RunWarningCode } from '../core/events.js';

/**
 * What a runner is told about a task when it runs one of its bodies elsewhere.
 *
 * @example
 * ```ts
 * import type { TaskRef, TaskRunner } from 'sluice';
 * // What a runner is told about a task: its name, where it is defined, its codecs.
 * const describeTask = (task: TaskRef): string => `${task.name} from ${task.module ?? 'an unknown module'}`;
 * const logging: Pick<TaskRunner, 'checkArgs'> = { checkArgs: (task) => console.log(describeTask(task)) };
 * ```
 */
export interface TaskRef {
  /** The task's name. */
  readonly name: string;
  /**
   * The URL of the module that defines the task (where a worker can import it), or undefined
   * when it is not known.
   */
  readonly module: string | undefined;
  /**
   * For a copy renamed by `task.with({ name })`, the name the task was defined with: a runner that
   * runs bodies elsewhere finds the task in its module by this name, not by `name`.
   */
  readonly definedAs?: string | undefined;
  /** The task's io-ts codec for its argument tuple, if it declared one. */
  readonly params: Mixed | undefined;
  /** The task's io-ts codec for its value, if it declared one. */
  readonly returns: Mixed | undefined;
  /**
   * The task's Standard Schema (zod, valibot, ArkType) for its argument tuple, if it declared one
   * in place of an io-ts codec. It has no encoder: a runner that runs bodies elsewhere sends the
   * arguments as given, and they are validated again where the body runs.
   */
  readonly paramsSchema?: StandardSchemaV1 | undefined;
}

/**
 * One attempt of one run, as handed to {@link TaskRunner.execute}.
 *
 * @example
 * ```ts
 * import { of, type Observable } from 'rxjs';
 * import type { RunnerCall, TaskRunner } from 'sluice';
 * // A runner that answers every attempt with its arguments: what a runner is given per attempt.
 * const echo: TaskRunner = {
 *   name: 'echo',
 *   maxConcurrency: Infinity,
 *   execute: (call: RunnerCall): Observable<unknown> => of(`${call.runName} #${call.attempt}: ${JSON.stringify(call.args)}`),
 * };
 * ```
 */
export interface RunnerCall {
  readonly task: TaskRef;
  /** Resolved argument values: no futures, no `unmapped` or `allowFailure` wrappers. */
  readonly args: readonly unknown[];
  readonly runId: string;
  readonly runName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The flow run the run belongs to, for the body's `getRunContext()` where it runs. */
  readonly flowRunId: string;
  readonly flowName: string;
  /** The run in whose body this run was submitted, if any. */
  readonly parentRunId: string | undefined;
  /**
   * When the run's value is to be cached and the cache had none: its key, and how old a value of
   * that key may be and still stand in for running the body (ms; `Infinity` without
   * `cacheExpiration`). A runner whose finished work outlives a flow process (BullMQ: a job an
   * orphan finished) may settle the attempt with such a value instead. Absent with `refreshCache`.
   */
  readonly cache?: RunnerCache;
}

/**
 * A run's cache key, as a runner is told it (see {@link RunnerCall.cache}).
 *
 * @example
 * ```ts
 * import type { RunnerCache } from 'sluice';
 * const cache: RunnerCache = { key: 'resize-3f2a9c1e', maxAge: 3_600_000 };
 * ```
 */
export interface RunnerCache {
  readonly key: string;
  readonly maxAge: number;
}

/**
 * Where task bodies run. A runner only says where a body runs and how many may run at once:
 * argument resolution, `waitFor` gating, slots, retries, time-outs, cancellation, states and
 * events are the engine's, written once above this interface.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, type TaskRunner } from 'sluice';
 * const runner: TaskRunner = new ConcurrentTaskRunner({ maxConcurrency: 4 });
 * const etl = flow({ name: 'etl', taskRunner: runner }, async () => 'done');
 * ```
 */
export interface TaskRunner {
  /** A short name for logs and events, such as `concurrent`. */
  readonly name: string;
  /** How many runs of one flow may run at once on this runner (`Infinity` for no limit). */
  readonly maxConcurrency: number;
  /**
   * Runs one attempt of a body somewhere other than this thread. Without it, the engine calls the
   * body here. The Observable emits the body's value once and completes, or errors with the
   * body's error; the engine unsubscribes from it to cancel or time out the attempt, and the
   * runner must then stop the body (abort the job, terminate the worker).
   */
  execute?(call: RunnerCall): Observable<unknown>;
  /**
   * Checks a run's resolved arguments before it takes a slot (for example, that they can cross
   * to another thread). Throwing fails the run before its body is sent anywhere.
   */
  checkArgs?(task: TaskRef, args: readonly unknown[]): void;
  /** Called when a flow run that uses this runner starts. */
  open?(): void;
  /** Called when a flow run that uses this runner has settled: release what `open` took. */
  close?(): Promise<void>;
}

/**
 * Where a runner that starts attempts by callback (see {@link START_ATTEMPT}) reports how one
 * ended: exactly one of the two, once. An attempt that is no longer current is ignored.
 *
 * @internal
 */
export interface AttemptSink {
  succeeded(value: unknown): void;
  failed(error: unknown): void;
  /** Something the runner must tell the flow that fails nothing: a `run-warning` of the run, in the flow's log. */
  warn?(code: RunWarningCode, message: string): void;
}

/**
 * A runner's way to start an attempt without an Observable: `runner[START_ATTEMPT](call, sink)`
 * reports to `sink` and returns what stops the attempt. The engine prefers it to `execute` when a
 * runner has it: a run that waits on a queue for long holds one small object instead of an
 * Observable, its subscriber and their closures (for 10k queued jobs, megabytes that the GC
 * promotes and scans).
 *
 * @internal
 */
export const START_ATTEMPT: unique symbol = Symbol('sluice.startAttempt');

/** A runner that has {@link START_ATTEMPT}. @internal */
export interface AttemptStarter {
  [START_ATTEMPT](call: RunnerCall, sink: AttemptSink): { unsubscribe(): void };
}
