/**
 * Turns one flow run's events into OpenTelemetry spans: a span for the flow run, a child span per
 * task run. Only types are imported from `@opentelemetry/api` here: the API object is passed in
 * by tracing.ts, which loads it lazily.
 *
 * @module
 * @internal
 */
import type * as Otel from '@opentelemetry/api';
import type { FlowEvent } from '../core/events.js';
import type { State } from '../core/states.js';
import { recordError } from './record.js';

/** Attribute keys on sluice's spans (docs/observability.md, "Tracing", lists them). */
export const SPAN_ATTRIBUTES = {
  flowName: 'sluice.flow.name',
  flowRunId: 'sluice.flow.run_id',
  flowOutcome: 'sluice.flow.outcome',
  taskName: 'sluice.task.name',
  runName: 'sluice.task.run_name',
  runId: 'sluice.task.run_id',
  parentRunId: 'sluice.task.parent_run_id',
  /** The task's tags, on a run that has some. */
  tags: 'sluice.task.tags',
  attempt: 'sluice.task.attempt',
  state: 'sluice.task.state',
  stateType: 'sluice.task.state_type',
  /** True on a run whose value came from the cache (no body ran). */
  cached: 'sluice.task.cached',
  /** A warning's code, on the span event of a `run-warning`. */
  warningCode: 'sluice.warning.code',
} as const;

const A = SPAN_ATTRIBUTES;

/** A task run whose span is open. */
interface OpenRun {
  readonly span: Otel.Span;
  /** The context its child runs' spans start in; built on first use (most runs have no child). */
  context: Otel.Context | undefined;
  /** The last attempt that started (0 while none has). */
  attempt: number;
}

/** What {@link spanRecorder} returns. */
export interface SpanRecorder {
  /** Takes each event of the flow run. */
  readonly record: (event: FlowEvent) => void;
  /** The context a run's body runs in (its span's), while the run's span is open. */
  readonly bodyContext: (runId: string) => Otel.Context | undefined;
}

/**
 * A consumer of one flow run's events that records its spans with `tracer`, the flow's span a
 * child of `parent` (the context that was active where the flow was called).
 */
export function spanRecorder(api: typeof Otel, tracer: Otel.Tracer, parent: Otel.Context): SpanRecorder {
  let flowSpan: Otel.Span | undefined;
  let flowContext = parent;
  const runs = new Map<string, OpenRun>();
  // Events carry the flow scheduler's clock: epoch ms by default, virtual frames under a
  // TestScheduler. Pinning the flow's start to the wall clock keeps spans in real time either
  // way (a ~1 ms shift at most on the default scheduler) while durations stay the scheduler's.
  let offset = 0;
  const time = (timestamp: number): number | undefined => (Number.isFinite(timestamp) ? timestamp + offset : undefined);

  // A run is submitted while its parent's body runs, so the parent's span is open then (one
  // submitted later from a stray callback, after its parent ended, goes under the flow's span).
  const contextOf = (runId: string | undefined): Otel.Context => {
    const run = runId === undefined ? undefined : runs.get(runId);
    if (run === undefined) return flowContext;
    return (run.context ??= api.trace.setSpan(parent, run.span));
  };

  const record = (event: FlowEvent): void => {
    switch (event.type) {
      case 'flow-started':
        offset = Number.isFinite(event.timestamp) ? Date.now() - event.timestamp : 0;
        flowSpan = tracer.startSpan(
          `flow ${event.flowName}`,
          { startTime: time(event.timestamp), attributes: { [A.flowName]: event.flowName, [A.flowRunId]: event.flowRunId } },
          parent,
        );
        flowContext = api.trace.setSpan(parent, flowSpan);
        return;
      case 'run-submitted': {
        const attributes: Otel.Attributes = {
          [A.taskName]: event.taskName,
          [A.runName]: event.runName,
          [A.runId]: event.runId,
          [A.flowRunId]: event.flowRunId,
        };
        if (event.parentRunId !== undefined) attributes[A.parentRunId] = event.parentRunId;
        if (event.tags.length > 0) attributes[A.tags] = [...event.tags];
        const span = tracer.startSpan(`task ${event.taskName}`, { startTime: time(event.timestamp), attributes }, contextOf(event.parentRunId));
        runs.set(event.runId, { span, context: undefined, attempt: 0 });
        return;
      }
      case 'run-state': {
        const run = runs.get(event.runId);
        if (run === undefined) return;
        if (recordState(api, run, event.state, event.runName, time(event.state.timestamp))) runs.delete(event.runId);
        return;
      }
      case 'run-warning':
        runs.get(event.runId)?.span.addEvent('warning', { [A.warningCode]: event.code, 'sluice.warning.message': event.message }, time(event.timestamp));
        return;
      case 'hook-failed': {
        // On the run's span while it is open (a hook called as an attempt starts), else the flow's.
        const span = (event.run === undefined ? undefined : runs.get(event.run.runId)?.span) ?? flowSpan;
        span?.addEvent('hook-failed', { 'sluice.hook': event.hook, 'sluice.hook.function': event.hookFunction, 'sluice.hook.message': event.message }, time(event.timestamp));
        return;
      }
      case 'flow-finished': {
        // The flow settles only once its runs have; a span still open here is ended as it is.
        const at = time(event.timestamp);
        for (const run of runs.values()) run.span.end(at);
        runs.clear();
        if (flowSpan === undefined) return;
        flowSpan.setAttribute(A.flowOutcome, event.outcome);
        if (event.outcome === 'Failed') fail(api, flowSpan, event.error, at);
        flowSpan.end(at);
        return;
      }
    }
  };
  // A body runs in its run's span, so spans it starts (an HTTP client's) are the run's children.
  const bodyContext = (runId: string): Otel.Context | undefined => (runs.has(runId) ? contextOf(runId) : undefined);
  return { record, bodyContext };
}

/**
 * Records a run's state change on its span: attempts and retry waits as span events, and a
 * terminal state as the span's end. Returns true when the span ended.
 */
function recordState(api: typeof Otel, run: OpenRun, state: State, runName: string, at: number | undefined): boolean {
  const span = run.span;
  switch (state.type) {
    case 'Pending':
      // The span started at submission: Pending is its beginning.
      return false;
    case 'Running':
      run.attempt = state.attempt;
      span.addEvent(state.name, { [A.attempt]: state.attempt }, at);
      return false;
    case 'Scheduled':
      // AwaitingRetry carries the attempt that will run next.
      span.addEvent(state.name, { [A.attempt]: state.attempt }, at);
      return false;
    default:
      break;
  }
  // A name rendered from the arguments (`taskRunName`) is only known once the run started.
  span.setAttributes({ [A.runName]: runName, [A.state]: state.name, [A.stateType]: state.type });
  if (state.name === 'Cached') span.setAttribute(A.cached, true);
  if (run.attempt > 0) span.setAttribute(A.attempt, run.attempt);
  if (state.type === 'Failed' || state.type === 'Crashed') fail(api, span, state.error, at);
  span.end(at);
  return true;
}

/** Marks a span failed with `error`: an exception event and status ERROR. */
function fail(api: typeof Otel, span: Otel.Span, error: unknown, at: number | undefined): void {
  const recorded = recordError(error);
  span.recordException(error instanceof Error ? error : { name: recorded.name, message: recorded.message }, at);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: recorded.message });
}
