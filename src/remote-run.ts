/**
 * The run a body runs for when it runs away from the engine (a worker thread, a `sluice worker`
 * process): what `getRunContext()` gives such a body. The worker sets it around the body; it
 * holds no engine object, so the worker entries can import it without the engine.
 *
 * @module
 * @internal
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What crosses with a job about its run, for the body's `getRunContext()`. */
export interface RemoteRunInfo {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly flowRunId: string;
  readonly flowName: string;
  readonly parentRunId?: string | undefined;
}

/** A remote run, as its body sees it. */
export interface RemoteRun extends RemoteRunInfo {
  /** Aborts when the run is stopped (cancelled or timed out), where the worker can tell. */
  readonly signal: AbortSignal;
}

// One store per process and thread, shared by every copy of sluice loaded there (a worker's and
// the task module's may differ): the key is global.
const KEY = Symbol.for('sluice.remoteRun');
const registry = globalThis as { [KEY]?: AsyncLocalStorage<RemoteRun> };

/** The store of the remote run whose body is running. */
export const remoteRuns: AsyncLocalStorage<RemoteRun> = (registry[KEY] ??= new AsyncLocalStorage<RemoteRun>());
