/**
 * The run a body runs for when it runs away from the engine (a worker thread, a `sluice worker`
 * process): what `getRunContext()` gives such a body. The worker sets it around the body; it
 * holds no engine object, so the worker entries can import it without the engine.
 *
 * @module
 * @internal
 */
import { scopeStorage } from '../../core/scope-storage.js';

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
export interface RemoteRun {
  readonly kind: 'remote';
  readonly info: RemoteRunInfo;
  /** Aborts when the run is stopped (cancelled or timed out), where the worker can tell. */
  readonly signal: AbortSignal;
}

/**
 * The remote run whose body is running, if any. By its `kind`, not its class: the worker that set
 * it may have loaded another copy of sluice than the body's module.
 */
export function currentRemoteRun(): RemoteRun | undefined {
  const scope = scopeStorage.getStore();
  return scope?.kind === 'remote' ? (scope as RemoteRun) : undefined;
}
