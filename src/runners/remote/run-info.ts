/**
 * What crosses with a job about its run, so that the body's `getRunContext()` works where it runs,
 * and how a worker sets it around the body. Shared by the worker-thread and BullMQ protocols.
 *
 * @module
 * @internal
 */
import type { RemoteRun, RemoteRunInfo } from './remote-run.js';
import { scopeStorage } from '../../core/scope-storage.js';
import type { RunnerCall } from '../runner.js';
import { t } from './io-ts.js';

/** The io-ts codec of {@link RemoteRunInfo}. */
export const RunInfoC = t.intersection([
  t.type({ runId: t.string, runName: t.string, taskName: t.string, attempt: t.number, flowRunId: t.string, flowName: t.string }),
  t.partial({ parentRunId: t.string }),
]);

/** The run of one attempt, as it crosses. */
export function runInfoOf(call: RunnerCall): RemoteRunInfo {
  const info = { runId: call.runId, runName: call.runName, taskName: call.task.name, attempt: call.attempt, flowRunId: call.flowRunId, flowName: call.flowName };
  return call.parentRunId === undefined ? info : { ...info, parentRunId: call.parentRunId };
}

/** A remote run as its body sees it: a class, since a worker makes one per job. */
class RemoteRunScope implements RemoteRun {
  readonly kind = 'remote' as const;
  #signal: AbortSignal | undefined;

  constructor(
    readonly info: RemoteRunInfo,
    private readonly stopped: (() => AbortSignal) | undefined,
  ) {}

  /** Made on first read (most bodies never read it), from `stopped` when given. */
  get signal(): AbortSignal {
    return (this.#signal ??= this.stopped?.() ?? new AbortController().signal);
  }
}

/** Runs `body` as the body of `info`'s run: `getRunContext()` inside it answers for that run. */
export function runAsRemote<T>(info: RemoteRunInfo | undefined, body: () => T, stopped?: () => AbortSignal): T {
  if (info === undefined) return body();
  return scopeStorage.run(new RemoteRunScope(info, stopped), body);
}
