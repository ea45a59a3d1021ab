/**
 * State hooks, as Prefect's `on_running`, `on_completion`, `on_failure`, `on_cancellation` and
 * `on_crashed`: functions a task or a flow calls when its runs reach a state. Their types, and
 * the one step that checks them.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { describeValue } from './errors/base.js';
import type { CancelledState, CompletedState, CrashedState, FailedState, RunningState, State } from './states.js';

/**
 * The hooks a task or a flow takes, by option name.
 *
 * @example
 * ```ts
 * import type { HookName } from 'sluice';
 * const name: HookName = 'onFailure';
 * ```
 */
export type HookName = 'onRunning' | 'onCompletion' | 'onFailure' | 'onCancellation' | 'onCrashed';

/** Every hook option, in the order a run can meet them. @internal */
export const HOOK_NAMES: readonly HookName[] = ['onRunning', 'onCompletion', 'onFailure', 'onCancellation', 'onCrashed'];

/**
 * What a hook may return: nothing, or a Promise or Observable that the flow waits for (up to its
 * `hookTimeout`) before it settles.
 *
 * @example
 * ```ts
 * import type { HookResult } from 'sluice';
 * const later: HookResult = Promise.resolve();
 * ```
 */
export type HookResult = void | PromiseLike<unknown> | Observable<unknown>;

/**
 * The task run a task hook is called for.
 *
 * @example
 * ```ts
 * import { task, type HookedTaskRun } from 'sluice';
 * const describe = (run: HookedTaskRun): string => `${run.runName} (attempt ${run.attempt}) in ${run.flowRun.name}`;
 * const work = task({ name: 'work', onCompletion: (run) => console.log(describe(run)) }, () => 1);
 * ```
 */
export interface HookedTaskRun {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  /** The attempt the state belongs to: 1 for the first, 2 for the first retry, ... (0 if no body ran). */
  readonly attempt: number;
  /** The task's tags (empty when it has none). */
  readonly tags: readonly string[];
  /** The run in whose body this run was submitted, if any. */
  readonly parentRunId: string | undefined;
  /** The flow run this run belongs to. */
  readonly flowRun: { readonly id: string; readonly name: string };
}

/**
 * The flow run a flow hook is called for.
 *
 * @example
 * ```ts
 * import { flow, type HookedFlowRun } from 'sluice';
 * const report = (flowRun: HookedFlowRun): string => `${flowRun.name} ${flowRun.id} called with ${flowRun.parameters.length} arguments`;
 * const etl = flow({ name: 'etl', onCompletion: (flowRun) => console.log(report(flowRun)) }, async (day: string) => day);
 * ```
 */
export interface HookedFlowRun {
  readonly id: string;
  readonly name: string;
  /** The arguments the flow was called with. */
  readonly parameters: readonly unknown[];
  /** For a subflow: the flow run that called it. */
  readonly parentFlowRunId: string | undefined;
}

/**
 * A task hook: called with the run and the state it reached (`Completed` carries the value,
 * `Failed`, `Cancelled` and `Crashed` the error). What it throws or rejects with fails nothing.
 *
 * @example
 * ```ts
 * import { task, type TaskHook, type FailedState } from 'sluice';
 * const alert: TaskHook<FailedState> = (run, state) => console.error(`${run.runName} failed:`, state.error);
 * const fragile = task({ name: 'fragile', onFailure: alert }, () => 1);
 * ```
 */
export type TaskHook<S extends State = State> = (run: HookedTaskRun, state: S) => HookResult;

/**
 * A flow hook: called with the flow run and the state it reached (`Completed` carries the flow's
 * value, the others its error). What it throws or rejects with fails nothing.
 *
 * @example
 * ```ts
 * import { flow, type FlowHook, type CompletedState } from 'sluice';
 * const done: FlowHook<CompletedState> = (flowRun, state) => console.log(`${flowRun.name} returned`, state.value);
 * const etl = flow({ name: 'etl', onCompletion: done }, async () => 42);
 * ```
 */
export type FlowHook<S extends State = State> = (flowRun: HookedFlowRun, state: S) => HookResult;

/**
 * One hook or a list of them (called in order; each is waited for on its own, not one after the other).
 *
 * @example
 * ```ts
 * import type { OneOrMany, TaskHook } from 'sluice';
 * const hooks: OneOrMany<TaskHook> = [(run) => console.log(run.runName), (run, state) => console.log(state.name)];
 * ```
 */
export type OneOrMany<T> = T | readonly T[];

/**
 * The hook options of a task, for `task({...})` and `task.with({...})`: `R` is the task's value.
 * `onRunning` fires as each attempt starts (every retry too); `onFailure` once, when no retry is
 * left; `onCancellation` and `onCrashed` when the run ends so.
 *
 * @example
 * ```ts
 * import { task, type TaskHookOptions } from 'sluice';
 * const hooks: TaskHookOptions<number> = { onCompletion: (run, state) => console.log(run.runName, state.value + 1) };
 * const one = task({ name: 'one', ...hooks }, () => 1);
 * ```
 */
export interface TaskHookOptions<R = unknown> {
  /**
   * Called as each attempt's body starts (the first, and every retry).
   *
   * @example
   * ```ts
   * import { task } from 'sluice';
   * let calls = 0;
   * const flaky = task({ name: 'flaky', retries: 1, onRunning: (run, state) => console.log(run.runName, 'attempt', state.attempt) }, () => {
   *   if (++calls === 1) throw new Error('once');
   *   return calls;
   * });
   * await flaky(); // flaky-0 attempt 1, then flaky-0 attempt 2
   * ```
   *
   * @defaultValue none
   */
  readonly onRunning?: OneOrMany<TaskHook<RunningState>>;
  /**
   * Called when the run completes (a cached value too), with its value.
   *
   * @example
   * ```ts
   * import { task } from 'sluice';
   * const add = task({ name: 'add', onCompletion: (run, state) => console.log(run.runName, '=', state.value) }, (x: number, y: number) => x + y);
   * await add(1, 2); // add-0 = 3
   * ```
   *
   * @defaultValue none
   */
  readonly onCompletion?: OneOrMany<TaskHook<CompletedState<R>>>;
  /**
   * Called once when the run fails (a time-out, a failed upstream too) and no retry is left.
   *
   * @example
   * ```ts
   * import { task } from 'sluice';
   * const alert = (run: { runName: string }, state: { error: unknown }) => console.error(`${run.runName} failed:`, state.error);
   * const fetchRates = task({ name: 'fetch_rates', retries: 2, onFailure: [alert] }, async () => {
   *   throw new Error('503');
   * });
   * await fetchRates().catch(() => undefined); // fetch_rates-0 failed: Error: 503 (once, after the third attempt)
   * ```
   *
   * @defaultValue none
   */
  readonly onFailure?: OneOrMany<TaskHook<FailedState>>;
  /**
   * Called when the run is cancelled (or an upstream was).
   *
   * @example
   * ```ts
   * import { flow, task } from 'sluice';
   * const hang = task({ name: 'hang', onCancellation: (run, state) => console.log(run.runName, state.name) }, () => new Promise<void>(() => {}));
   * await flow({ name: 'short', timeout: 50 }, () => hang.submit())().catch(() => undefined); // hang-0 Cancelled
   * ```
   *
   * @defaultValue none
   */
  readonly onCancellation?: OneOrMany<TaskHook<CancelledState>>;
  /**
   * Called when what runs the body broke (a worker thread died, Redis went away): the run ended
   * `Crashed`, not through its own code.
   *
   * @example
   * ```ts
   * import { task } from 'sluice';
   * const render = task({ name: 'render', module: import.meta.url, onCrashed: (run, state) => console.error(run.runName, state.error) }, (page: number) => page);
   * ```
   *
   * @defaultValue none
   */
  readonly onCrashed?: OneOrMany<TaskHook<CrashedState>>;
}

/**
 * The hook options of a flow, for `flow({...})` and `flow.with({...})`. A flow settles only once
 * its hooks, and its task runs' hooks, have finished or run past its `hookTimeout`.
 *
 * @example
 * ```ts
 * import { flow, type FlowHookOptions } from 'sluice';
 * const hooks: FlowHookOptions = { onFailure: (flowRun, state) => console.error(flowRun.name, state.error) };
 * const etl = flow({ name: 'etl', ...hooks }, async () => 1);
 * ```
 */
export interface FlowHookOptions {
  /**
   * Called as the flow's function starts: on every attempt of a retried flow, as for a task
   * (`state.attempt` says which).
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const etl = flow({ name: 'etl', onRunning: (flowRun) => console.log('started', flowRun.name, flowRun.parameters) }, (day: string) => day);
   * await etl('monday'); // started etl [ 'monday' ]
   * ```
   *
   * @defaultValue none
   */
  readonly onRunning?: OneOrMany<FlowHook<RunningState>>;
  /**
   * Called when the flow resolves, with its value. Given to `flow()` inline, `state.value` is typed
   * as what the flow resolves to (its futures replaced by their values).
   *
   * @example
   * ```ts
   * import { flow, task } from 'sluice';
   * const double = task('double', (x: number) => 2 * x);
   * const pipeline = flow({ name: 'pipeline', onCompletion: (flowRun, state) => console.log(flowRun.name, state.value * 10) }, () => double.submit(2));
   * await pipeline(); // pipeline 40
   * ```
   *
   * @defaultValue none
   */
  readonly onCompletion?: OneOrMany<FlowHook<CompletedState>>;
  /**
   * Called when the flow rejects (but for a cancellation or a crash), with its error: once, when
   * no retry of the flow is left.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const nightly = flow({ name: 'nightly', onFailure: (flowRun, state) => console.error(`${flowRun.name} failed:`, state.error) }, () => {
   *   throw new Error('no data');
   * });
   * await nightly().catch(() => undefined); // nightly failed: Error: no data
   * ```
   *
   * @defaultValue none
   */
  readonly onFailure?: OneOrMany<FlowHook<FailedState>>;
  /**
   * Called when the flow was cancelled (its signal, its handle, its parent).
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const wait = flow({ name: 'wait', onCancellation: (flowRun, state) => console.log(flowRun.name, state.name) }, () => new Promise(() => {}));
   * const handle = wait.start();
   * handle.cancel('not today');
   * await handle.result().catch(() => undefined); // wait Cancelled
   * ```
   *
   * @defaultValue none
   */
  readonly onCancellation?: OneOrMany<FlowHook<CancelledState>>;
  /**
   * Called when the flow rejects with a crash: an error of sluice's that says what runs bodies
   * broke (a worker thread died, Redis went away).
   *
   * @example
   * ```ts
   * import { flow, WorkerThreadsTaskRunner } from 'sluice';
   * const render = flow(
   *   { name: 'render', taskRunner: new WorkerThreadsTaskRunner(), onCrashed: (flowRun, state) => console.error(flowRun.name, 'crashed:', state.error) },
   *   async () => 'pages',
   * );
   * ```
   *
   * @defaultValue none
   */
  readonly onCrashed?: OneOrMany<FlowHook<CrashedState>>;
}

/**
 * How long (ms) a flow waits for each hook call that returns a Promise or an Observable, unless
 * its `hookTimeout` says otherwise. A hook past it is reported as a failing one is, and the flow
 * goes on to settle.
 *
 * @example
 * ```ts
 * import { DEFAULT_HOOK_TIMEOUT, flow } from 'sluice';
 * console.log(DEFAULT_HOOK_TIMEOUT); // 30000
 * const etl = flow({ name: 'etl', hookTimeout: DEFAULT_HOOK_TIMEOUT / 10 }, async () => 1);
 * ```
 */
export const DEFAULT_HOOK_TIMEOUT = 30_000;

/** A task's or flow's hooks, each given as a non-empty list, as the engine reads them. @internal */
export type HookLists = { readonly [K in HookName]?: readonly ((info: never, state: never) => HookResult)[] };

/**
 * Checks the hook options in `options` and returns them as lists, over `base`'s (a hook option
 * given replaces the base's; an empty list removes it). Undefined when there is no hook at all,
 * so a task or flow without hooks costs one check per run. `fail` throws the owner's error.
 *
 * @internal
 */
export function compileHooks(options: object, base: HookLists | undefined, fail: (option: string, message: string) => never): HookLists | undefined {
  let lists: { [K in HookName]?: readonly ((info: never, state: never) => HookResult)[] } | undefined;
  for (const name of HOOK_NAMES) {
    const given: unknown = (options as Partial<Record<HookName, unknown>>)[name];
    let list = base?.[name];
    if (given !== undefined) {
      const items: readonly unknown[] = Array.isArray(given) ? (given as readonly unknown[]) : [given];
      items.forEach((item, i) => {
        if (typeof item !== 'function') {
          fail(name, `must be a function or a list of functions, got ${Array.isArray(given) ? `element ${i}: ` : ''}${describeValue(item)}`);
        }
      });
      list = items.length === 0 ? undefined : Object.freeze([...(items as ((info: never, state: never) => HookResult)[])]);
    }
    if (list !== undefined) (lists ??= {})[name] = list;
  }
  return lists;
}
