/**
 * Recording a flow's events as JSON lines (`flow({ record })`): one object per event, in the
 * order they happened, in a documented and versioned format that `sluice timeline` reads.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FlowEvent } from '../events.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * The version of the recording format, in every line's `v`.
 *
 * @example
 * ```ts
 * import { RECORD_FORMAT_VERSION, type RecordedEvent } from 'sluice';
 * const known = (e: RecordedEvent): boolean => e.v === RECORD_FORMAT_VERSION;
 * ```
 */
export const RECORD_FORMAT_VERSION = 1;

/**
 * An error as recorded: enough to show it, not the object.
 *
 * @example
 * ```ts
 * import type { RecordedError } from 'sluice';
 * const show = (e: RecordedError): string => `${e.name}${e.code === undefined ? '' : ` [${e.code}]`}: ${e.message}`;
 * ```
 */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
  /** A SluiceError's `code`, or the `code` of a Node error, when it has one. */
  readonly code?: string;
}

/**
 * Fields of every recorded run event (`run-submitted`, `run-state`).
 *
 * @example
 * ```ts
 * import type { RecordedRunBase } from 'sluice';
 * const label = (e: RecordedRunBase): string => `${e.taskName} / ${e.runName}`;
 * ```
 */
export interface RecordedRunBase {
  readonly v: typeof RECORD_FORMAT_VERSION;
  /** When it happened: the flow scheduler's clock (epoch ms on the default scheduler). */
  readonly time: number;
  readonly flowRunId: string;
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  /** The run in whose body this run was submitted, or `null`. */
  readonly parentRunId: string | null;
}

/**
 * One line of a recording (format version 1). A recording holds, in order: `flow-started`, then
 * for each run a `run-submitted` and its `run-state` changes, then `flow-finished`. A `run-state`
 * carries the state's `type` (Pending, Scheduled, Running, Completed, Failed, Cancelled, Crashed)
 * and `name` (Pending, AwaitingRetry, Running, Retrying, Completed, Failed, TimedOut,
 * UpstreamFailed, Cancelled, UpstreamCancelled, Crashed), the `attempt` for Scheduled and Running
 * states, and the `error` for Failed, Cancelled and Crashed ones. Values are not recorded.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import type { RecordedEvent } from 'sluice';
 * const events = readFileSync('runs.jsonl', 'utf8').trim().split('\n').map((line) => JSON.parse(line) as RecordedEvent);
 * console.log(events.filter((e) => e.type === 'run-state' && e.state === 'Failed').length);
 * ```
 */
export type RecordedEvent =
  | {
      readonly v: typeof RECORD_FORMAT_VERSION;
      readonly type: 'flow-started';
      readonly time: number;
      readonly flowRunId: string;
      readonly flowName: string;
      /** For a subflow: the flow run that called it (its events are in that flow run's recording too). */
      readonly parentFlowRunId?: string;
      /** For a subflow called in a task body: that task run. */
      readonly parentRunId?: string;
    }
  | {
      readonly v: typeof RECORD_FORMAT_VERSION;
      readonly type: 'flow-finished';
      readonly time: number;
      readonly flowRunId: string;
      readonly flowName: string;
      readonly outcome: 'Completed' | 'Failed' | 'Cancelled';
      readonly error?: RecordedError;
    }
  | (RecordedRunBase & { readonly type: 'run-submitted' })
  | (RecordedRunBase & {
      readonly type: 'run-state';
      /** The state's type. */
      readonly stateType: string;
      /** The state's name. */
      readonly state: string;
      readonly attempt?: number;
      readonly error?: RecordedError;
    });

/**
 * Where a recording goes: a file path (JSON lines, overwritten), or a function called per event.
 *
 * @example
 * ```ts
 * import { flow, type RecordSink } from 'sluice';
 * const sink: RecordSink = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
 * const etl = flow({ name: 'etl', record: sink }, async () => 1);
 * ```
 */
export type RecordSink = string | ((event: RecordedEvent) => void);

/** An error, as recorded. @internal */
export function recordError(error: unknown): RecordedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  let message: string;
  try {
    message = String(error);
  } catch {
    message = typeof error;
  }
  return { name: typeof error, message };
}

/** A flow event, as recorded. @internal */
export function toRecorded(event: FlowEvent): RecordedEvent {
  const v = RECORD_FORMAT_VERSION;
  switch (event.type) {
    case 'flow-started':
      return {
        v,
        type: event.type,
        time: event.timestamp,
        flowRunId: event.flowRunId,
        flowName: event.flowName,
        ...(event.parentFlowRunId === undefined ? {} : { parentFlowRunId: event.parentFlowRunId }),
        ...(event.parentRunId === undefined ? {} : { parentRunId: event.parentRunId }),
      };
    case 'flow-finished':
      return {
        v,
        type: event.type,
        time: event.timestamp,
        flowRunId: event.flowRunId,
        flowName: event.flowName,
        outcome: event.outcome,
        ...(event.outcome === 'Completed' ? {} : { error: recordError(event.error) }),
      };
    case 'run-submitted':
      return { v, type: event.type, time: event.timestamp, flowRunId: event.flowRunId, runId: event.runId, runName: event.runName, taskName: event.taskName, parentRunId: event.parentRunId ?? null };
    case 'run-state': {
      const state = event.state;
      return {
        v,
        type: event.type,
        time: event.timestamp,
        flowRunId: event.flowRunId,
        runId: event.runId,
        runName: event.runName,
        taskName: event.taskName,
        parentRunId: event.parentRunId ?? null,
        stateType: state.type,
        state: state.name,
        ...('attempt' in state ? { attempt: state.attempt } : {}),
        ...('error' in state ? { error: recordError(state.error) } : {}),
      };
    }
  }
}

/** How many lines a file recording keeps in memory before it writes them. */
const FLUSH_LINES = 1000;

/**
 * A function that takes each event of one flow run and records it; the file of a path sink is
 * written in chunks and complete when `flow-finished` has been taken (before the flow settles).
 *
 * @internal
 */
export function recorder(sink: RecordSink, flowName: string): (event: FlowEvent) => void {
  if (typeof sink === 'function') return (event) => sink(toRecorded(event));
  if (typeof sink !== 'string' || sink === '') {
    throw new InvalidArgumentError(`flow "${flowName}": \`record\` must be a file path or a function, got ${String(sink)}`);
  }
  let fd: number;
  try {
    fd = openSync(sink, 'w');
  } catch (error) {
    throw new InvalidArgumentError(`flow "${flowName}": cannot write the recording to ${sink}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length === 0) return;
    writeSync(fd, `${lines.join('\n')}\n`);
    lines = [];
  };
  // A subflow's events come on its parent's stream too: the file ends with the parent's finish.
  let own: string | undefined;
  return (event) => {
    if (event.type === 'flow-started') own ??= event.flowRunId;
    lines.push(JSON.stringify(toRecorded(event)));
    if (event.type === 'flow-finished' && event.flowRunId === own) {
      flush();
      closeSync(fd);
    } else if (lines.length >= FLUSH_LINES) {
      flush();
    }
  };
}
