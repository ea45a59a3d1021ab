/**
 * What the observers of a flow run read from its options: they are handed this, not the flow's
 * whole options, so observers never depend on the API above them.
 *
 * @module
 * @internal
 */
import type { Tracer } from '@opentelemetry/api';
import type { RecordSink } from './record.js';

/** The flow options that decide which observers a flow run gets. @internal */
export interface ObserveOptions {
  /** The flow's name, for messages and labels. */
  readonly name: string;
  readonly record?: RecordSink | undefined;
  readonly progress?: boolean | undefined;
  readonly tracer?: Tracer | undefined;
}
