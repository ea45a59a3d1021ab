/**
 * The events a flow run emits on its `events$` stream: progress bars, logs and timelines read
 * this one stream. Events are only built while someone subscribes.
 *
 * @module
 */
import type { HookName } from './hooks.js';
import type { State } from './states.js';

/**
 * Fields every run event carries.
 *
 * @example
 * ```ts
 * import { flow, task, type RunEventBase } from 'sluice';
 * const handle = flow({ name: 'demo' }, () => task('one', () => 1).submit()).start();
 * handle.events$.subscribe((event) => {
 *   if (event.type === 'flow-started' || event.type === 'flow-finished' || event.type === 'hook-failed') return;
 *   const base: RunEventBase = event;
 *   console.log(event.type, base.runName, base.timestamp);
 * });
 * await handle.result();
 * ```
 */
export interface RunEventBase {
  /** Scheduler time (ms). */
  readonly timestamp: number;
  readonly flowRunId: string;
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  /** The task's tags (the same frozen array for every run of a task; empty when it has none). */
  readonly tags: readonly string[];
  /** The run in whose body this run was submitted, if any. */
  readonly parentRunId: string | undefined;
}

/**
 * One event on a flow's `events$`.
 *
 * @example
 * ```ts
 * import { flow } from 'sluice';
 * const run = flow('etl', async () => 1).start();
 * run.events$.subscribe((e) => console.log(e.type, e.timestamp));
 * await run.result();
 * ```
 */
export type FlowEvent =
  | {
      readonly type: 'flow-started';
      readonly timestamp: number;
      readonly flowRunId: string;
      readonly flowName: string;
      /** The flow run's name, rendered from the flow's `flowRunName`; absent when it has none. */
      readonly flowRunName?: string | undefined;
      /** For a subflow: the flow run that called it. Its events also go to that flow run's stream. */
      readonly parentFlowRunId?: string | undefined;
      /** For a subflow called in a task body: that task run. */
      readonly parentRunId?: string | undefined;
    }
  | {
      readonly type: 'flow-finished';
      readonly timestamp: number;
      readonly flowRunId: string;
      readonly flowName: string;
      /** The flow run's name, as on `flow-started`. */
      readonly flowRunName?: string | undefined;
      /** How many times the flow's function ran (a flow with `retries`), when more than once. */
      readonly attempts?: number | undefined;
      /** `Cancelled` when the flow was cancelled (its signal, its handle, or its parent). */
      readonly outcome: 'Completed' | 'Failed' | 'Cancelled';
      readonly error: unknown;
    }
  | (RunEventBase & { readonly type: 'run-submitted' })
  | (RunEventBase & { readonly type: 'run-state'; readonly state: State })
  | (RunEventBase & {
      readonly type: 'run-warning';
      /** A stable code, as `CACHE_RECORD_UNREADABLE` (see {@link RunWarningCode}). */
      readonly code: RunWarningCode;
      readonly message: string;
    })
  | {
      /**
       * A state hook threw, rejected, errored, or ran past the flow's `hookTimeout` (`timedOut`,
       * with a `HookTimeoutError`). The run's and the flow's outcome are as they were.
       */
      readonly type: 'hook-failed';
      readonly timestamp: number;
      /** The flow run whose hook, or whose run's hook, it was. */
      readonly flowRunId: string;
      readonly flowName: string;
      /** The hook option: `onRunning`, `onCompletion`, `onFailure`, `onCancellation` or `onCrashed`. */
      readonly hook: HookName;
      /** The hook function's own name, else its place in the option (`onFailure[1]`). */
      readonly hookFunction: string;
      /** For a task hook, its run; undefined for the flow's own hooks. */
      readonly run: { readonly runId: string; readonly runName: string; readonly taskName: string } | undefined;
      readonly timedOut: boolean;
      readonly error: unknown;
      /** What the flow's log says of it, naming the hook and the run. */
      readonly message: string;
    };

/**
 * What a `run-warning` event is about. Each is something that did not stop the run:
 * - `CACHE_RECORD_UNREADABLE`: a cache record was cut short, altered, or written by another
 *   serializer; it was read as a miss and the body ran;
 * - `CACHE_RESULT_NOT_STORED`: the run completed, but its value could not be serialized or the
 *   store refused the write;
 * - `CACHE_STORE_UNAVAILABLE`: the store could not be read (or locked); the body ran;
 * - `QUEUE_COMMAND_REFUSED`: Redis refused a command of a queue runner (its ACL, say), so the
 *   runner goes on in a slower or weaker way (outcomes only through look-ups, cancels that never
 *   reach a worker); said once, naming the key and Redis' words;
 * - `QUEUE_NO_WORKER`: no worker has taken a job of the run's queue for a while; said once per
 *   flow, with the command that starts one.
 *
 * @example
 * ```ts
 * import type { RunWarningCode } from 'sluice';
 * const code: RunWarningCode = 'CACHE_RESULT_NOT_STORED';
 * ```
 */
export type RunWarningCode = 'CACHE_RECORD_UNREADABLE' | 'CACHE_RESULT_NOT_STORED' | 'CACHE_STORE_UNAVAILABLE' | 'QUEUE_COMMAND_REFUSED' | 'QUEUE_NO_WORKER';
