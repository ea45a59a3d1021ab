/**
 * The live progress bar of `flow({ progress })`. (Being written: see attach.ts.)
 *
 * @module
 * @internal
 */
import type { FlowRun } from '../engine/flow-run.js';
import type { FlowOptions } from '../flow.js';

/** Subscribes a progress bar to a new flow run's events when its options ask for one. */
export function attachProgress(_flowRun: FlowRun, _options: FlowOptions): void {}
