/**
 * What crosses with a job about its run, so that the body's `getRunContext()` works where it runs,
 * and how a worker sets it around the body. Shared by the worker-thread and BullMQ protocols.
 *
 * @module
 * @internal
 */
import { remoteRuns, type RemoteRun, type RemoteRunInfo } from '../../remote-run.js';
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

/**
 * Runs `body` as the body of `info`'s run: `getRunContext()` inside it answers for that run.
 * `signal` is made on first read (most bodies never read it), from `stopped` when given.
 */
export function runAsRemote<T>(info: RemoteRunInfo | undefined, body: () => T, stopped?: () => AbortSignal): T {
  if (info === undefined) return body();
  let signal: AbortSignal | undefined;
  const run: RemoteRun = {
    ...info,
    get signal() {
      return (signal ??= stopped?.() ?? new AbortController().signal);
    },
  };
  return remoteRuns.run(run, body);
}
