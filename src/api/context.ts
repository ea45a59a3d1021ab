/**
 * `getRunContext()`: what a task body knows about its own run, as Prefect's `get_run_context()`.
 *
 * @module
 */
import { NoRunContextError } from '../core/errors/run.js';
import { currentRun } from '../engine/run-record.js';
import { runLogger, type Logger } from '../core/logger.js';
import { currentRemoteRun, type RemoteRun } from '../runners/remote/remote-run.js';
import { scopeStorage } from '../core/scope-storage.js';
import { FlowRun } from '../engine/flow-run.js';

/**
 * The current run, as seen from inside its body.
 *
 * @example
 * ```ts
 * import { getRunContext, task, type RunContext } from 'sluice';
 * const whoAmI = task('who_am_i', () => {
 *   const context: RunContext = getRunContext();
 *   return `${context.runName} (attempt ${context.attempt}) in ${context.flowRun.name}`;
 * });
 * ```
 */
export interface RunContext {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  /** The attempt that is running: 1 for the first, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * Aborts when the run is cancelled or its attempt times out. Created on first read: a body that
   * never reads it costs nothing.
   */
  readonly signal: AbortSignal;
  /** The run in whose body this run was submitted, if any. */
  readonly parentRunId: string | undefined;
  /** The flow run this run belongs to. */
  readonly flowRun: { readonly id: string; readonly name: string };
  /**
   * A logger whose lines carry the flow's and the run's names (Prefect's `get_run_logger()`):
   * the flow's `logger` option with the run's fields bound, or the console. Made on first read.
   */
  readonly logger: Logger;
}

/**
 * Returns the context of the task run whose body is executing, on every runner (a body on a
 * worker thread or a `sluice worker` process gets it from its job). Throws a `NoRunContextError`
 * outside a task body.
 *
 * @example
 * ```ts
 * import { getRunContext, task } from 'sluice';
 * const download = task('download', async (url: string) => {
 *   const { signal, logger, attempt } = getRunContext();
 *   logger.info(`attempt ${attempt}`); // 12:00:01.123 INFO  [flow / download-1] attempt 1
 *   return (await fetch(url, { signal })).text();
 * });
 * ```
 */
export function getRunContext(): RunContext {
  const run = currentRun();
  if (run === undefined) {
    // A body on a worker thread or a `sluice worker` process: its worker set the run.
    const remote = currentRemoteRun();
    if (remote === undefined) throw new NoRunContextError();
    return remoteContext(remote);
  }
  return {
    runId: run.id,
    runName: run.name,
    taskName: run.taskName,
    attempt: run.attempt,
    get signal() {
      return run.signal;
    },
    parentRunId: run.parentRunId,
    flowRun: { id: run.flow.id, name: run.flow.name },
    get logger() {
      return runLogger(run.flow.logger, { flowName: run.flow.name, flowRunId: run.flow.id, taskName: run.taskName, runName: run.name, runId: run.id, attempt: run.attempt });
    },
  };
}

/** The context of a body that runs away from the engine. */
function remoteContext(remote: RemoteRun): RunContext {
  const { info } = remote;
  return {
    runId: info.runId,
    runName: info.runName,
    taskName: info.taskName,
    attempt: info.attempt,
    get signal() {
      return remote.signal;
    },
    parentRunId: info.parentRunId,
    flowRun: { id: info.flowRunId, name: info.flowName },
    get logger() {
      // The flow's own logger stays with the flow: a remote body logs to its console.
      return runLogger(undefined, { flowName: info.flowName, flowRunId: info.flowRunId, taskName: info.taskName, runName: info.runName, runId: info.runId, attempt: info.attempt });
    },
  };
}

/**
 * The logger of the code that is executing, as Prefect's `get_run_logger()`: in a task body, the
 * run's (`getRunContext().logger`: the flow's `logger`, or the console, with the flow's and the
 * run's names bound); in a flow's function or a state hook, the flow's, with `flowName` and
 * `flowRunId` bound. A body on a worker thread or a `sluice worker` process logs to its own
 * console, as its `getRunContext().logger` does. Throws a `NoRunContextError` anywhere else.
 *
 * @example
 * ```ts
 * import { flow, getRunLogger, task } from 'sluice';
 * const load = task('load', () => {
 *   getRunLogger().info('loading'); // 12:00:01.123 INFO  [etl / load-0] loading
 *   return 120;
 * });
 * const etl = flow('etl', async () => {
 *   const rows = await load();
 *   getRunLogger().info(`loaded ${rows} rows`); // 12:00:01.125 INFO  [etl] loaded 120 rows
 * });
 * await etl();
 * ```
 */
export function getRunLogger(): Logger {
  const scope = scopeStorage.getStore();
  // By class: another copy of sluice's flow run is not this engine's.
  if (scope instanceof FlowRun) return scope.flowLogger();
  if (currentRun() === undefined && currentRemoteRun() === undefined) throw new NoRunContextError('getRunLogger');
  return getRunContext().logger;
}
