/**
 * What a flow's options attach to each of its runs: a recorder, a progress bar, traces. Each is a
 * thin consumer of the flow run's one event stream, subscribed before the flow starts; none is
 * subscribed unless asked for (events are only built while someone listens).
 *
 * @module
 * @internal
 */
import type { FlowRun } from '../engine/flow-run.js';
import type { ObserveOptions } from './options.js';
import { attachProgress } from './progress.js';
import { recorder } from './record.js';
import { attachTracing } from './tracing.js';

/** Subscribes the consumers the flow's options ask for to a new flow run's events. */
export function attachObservers(flowRun: FlowRun, options: ObserveOptions): void {
  if (options.record !== undefined) flowRun.events$.subscribe(recorder(options.record, options.name, flowRun.id));
  attachProgress(flowRun, options);
  attachTracing(flowRun, options);
}
