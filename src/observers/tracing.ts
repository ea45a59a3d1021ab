/**
 * OpenTelemetry spans for flow runs and task runs (docs/observability.md, "Tracing"). A no-op unless an
 * OpenTelemetry SDK is registered or the flow has a `tracer`: only then does it subscribe to the
 * flow run's events (subscribing makes the engine build an event for every state change).
 *
 * @module
 * @internal
 */
import { createRequire } from 'node:module';
import type * as Otel from '@opentelemetry/api';
import type { FlowRun } from '../engine/flow-run.js';
import type { ObserveOptions } from './options.js';
import { spanRecorder } from './spans.js';

// Loaded on the first flow that traces, not with sluice: most programs never register an SDK.
const require = createRequire(import.meta.url);

let api: typeof Otel | undefined;
let noopProvider: Otel.TracerProvider | undefined;
let version: string | undefined;

function otel(): typeof Otel {
  return (api ??= require('@opentelemetry/api') as typeof Otel);
}

/**
 * Where `@opentelemetry/api` 1.x keeps what was registered globally, shared by every copy of the
 * API in the process (its cross-copy protocol, so stable for all of 1.x).
 */
const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');

/** The tracer of the registered SDK, or undefined when none is registered. */
function globalTracer(): Otel.Tracer | undefined {
  // Nothing registered a tracer provider: decided without loading the API at all.
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[GLOBAL_API_KEY];
  if (registered?.trace === undefined) return undefined;
  const o = otel();
  const provider = o.trace.getTracerProvider();
  // The global provider is a proxy whose delegate is the SDK's provider, or the API's no-op one
  // (a fresh proxy's delegate is that same shared no-op): a probe span would cost a span, and
  // a sampler could drop it.
  const delegate = (provider as Partial<Otel.ProxyTracerProvider>).getDelegate?.() ?? provider;
  noopProvider ??= new o.ProxyTracerProvider().getDelegate();
  if (delegate === noopProvider) return undefined;
  version ??= (require('../../package.json') as { version: string }).version;
  return provider.getTracer('sluice', version);
}

/** Subscribes span recording to a new flow run's events when there is a tracer to record with. */
export function attachTracing(flowRun: FlowRun, options: ObserveOptions): void {
  const tracer = options.tracer ?? globalTracer();
  if (tracer === undefined) return;
  const o = otel();
  // The flow's span nests under whatever span is active where the flow was called (an HTTP
  // request's, say): this runs synchronously in that call, before the flow starts.
  const { record, bodyContext } = spanRecorder(o, tracer, o.context.active());
  flowRun.bodyScope = (runId, body) => {
    const inSpan = bodyContext(runId);
    return inSpan === undefined ? body() : o.context.with(inSpan, body);
  };
  flowRun.events$.subscribe((event) => {
    // A subflow records its own spans (nested under the run that called it).
    if (event.flowRunId !== flowRun.id) return;
    // Tracing must not break the flow: RxJS would rethrow a subscriber's error on a timer.
    try {
      record(event);
    } catch (error) {
      o.diag.error('sluice: recording spans failed', error);
    }
  });
}
