/**
 * OpenTelemetry spans for flow runs and task runs. (Being written: see attach.ts.)
 *
 * @module
 * @internal
 */
import type { FlowRun } from '../engine/flow-run.js';
import type { FlowOptions } from '../flow.js';

/** Subscribes span recording to a new flow run's events when an OpenTelemetry SDK is registered. */
export function attachTracing(_flowRun: FlowRun, _options: FlowOptions): void {}
