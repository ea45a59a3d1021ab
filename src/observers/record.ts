/**
 * Recording a flow's events as JSON lines (`flow({ record })`): one object per event, in the
 * order they happened, in a documented and versioned format that `sluice timeline` reads.
 *
 * @module
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Observer } from 'rxjs';
import type { FlowEvent, RunEventBase } from '../core/events.js';
import { InvalidArgumentError } from '../core/errors/input.js';

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
 * One line of a recording (format version 1). A flow run's lines are, in order: `flow-started`,
 * then for each run a `run-submitted` and its `run-state` changes, then `flow-finished`; a file
 * that several flow runs share interleaves their lines, told apart by `flowRunId`. A `run-state`
 * carries the state's `type` (Pending, Scheduled, Running, Completed, Failed, Cancelled, Crashed)
 * and `name` (Pending, AwaitingRetry, Running, Retrying, Completed, Cached, Failed, TimedOut,
 * UpstreamFailed, Cancelled, UpstreamCancelled, Crashed), the `attempt` for Scheduled and Running
 * states, and the `error` for Failed, Cancelled and Crashed ones. A `run-warning` line carries a
 * warning's `code` and `message` (a cache record that could not be read, say). A `hook-failed`
 * line names a state hook that threw or timed out (`hook`, `hookFunction`, the run's `runId`,
 * `runName` and `taskName` for a task's hook, `timedOut`, `error`, `message`). Values are not
 * recorded.
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
      /** The flow run's name (its flow's `flowRunName`); absent when it has none. */
      readonly flowRunName?: string;
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
      /** How many times the flow's function ran (a flow with `retries`), when more than once. */
      readonly attempts?: number;
      readonly outcome: 'Completed' | 'Failed' | 'Cancelled';
      readonly error?: RecordedError;
    }
  | (RecordedRunBase & {
      readonly type: 'run-submitted';
      /** The task's tags; absent when it has none. */
      readonly tags?: readonly string[];
    })
  | (RecordedRunBase & {
      readonly type: 'run-state';
      /** The state's type. */
      readonly stateType: string;
      /** The state's name. */
      readonly state: string;
      readonly attempt?: number;
      readonly error?: RecordedError;
    })
  | (RecordedRunBase & {
      readonly type: 'run-warning';
      /** What the warning is about (`RunWarningCode`). */
      readonly code: string;
      readonly message: string;
    })
  | {
      readonly v: typeof RECORD_FORMAT_VERSION;
      readonly type: 'hook-failed';
      readonly time: number;
      readonly flowRunId: string;
      readonly flowName: string;
      /** The hook option (`HookName`). */
      readonly hook: string;
      readonly hookFunction: string;
      /** For a task's hook, its run; absent for the flow's own. */
      readonly runId?: string;
      readonly runName?: string;
      readonly taskName?: string;
      readonly timedOut: boolean;
      readonly error: RecordedError;
      readonly message: string;
    };

/**
 * Where a recording goes: a file path, or a function called per event. A path is written as JSON
 * lines; flow runs of one process that record to the same path share the file, each line whole
 * and each run's lines in order (the first of them starts the file afresh, later ones append).
 * `{flowRunId}` in the path is replaced by the run's id: a file per flow run.
 *
 * @example
 * ```ts
 * import { flow, type RecordSink } from 'sluice';
 * const sink: RecordSink = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
 * const etl = flow({ name: 'etl', record: sink }, async () => 1);
 * const perRequest = flow({ name: 'handle', record: 'recordings/handle-{flowRunId}.jsonl' }, async () => 1);
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

/** The fields every recorded run event carries, `v` and `type` first. */
function recordedRun<T extends string>(type: T, event: RunEventBase): RecordedRunBase & { readonly type: T } {
  return {
    v: RECORD_FORMAT_VERSION,
    type,
    time: event.timestamp,
    flowRunId: event.flowRunId,
    runId: event.runId,
    runName: event.runName,
    taskName: event.taskName,
    parentRunId: event.parentRunId ?? null,
  };
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
        ...(event.flowRunName === undefined ? {} : { flowRunName: event.flowRunName }),
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
        ...(event.attempts === undefined ? {} : { attempts: event.attempts }),
        outcome: event.outcome,
        ...(event.outcome === 'Completed' ? {} : { error: recordError(event.error) }),
      };
    case 'run-submitted':
      // Tags once per run, on the line that starts it, and only when it has some.
      return event.tags.length === 0 ? recordedRun(event.type, event) : { ...recordedRun(event.type, event), tags: event.tags };
    case 'run-state': {
      const state = event.state;
      return {
        ...recordedRun(event.type, event),
        stateType: state.type,
        state: state.name,
        ...('attempt' in state ? { attempt: state.attempt } : {}),
        ...('error' in state ? { error: recordError(state.error) } : {}),
      };
    }
    case 'run-warning':
      return { ...recordedRun(event.type, event), code: event.code, message: event.message };
    case 'hook-failed':
      return {
        v,
        type: event.type,
        time: event.timestamp,
        flowRunId: event.flowRunId,
        flowName: event.flowName,
        hook: event.hook,
        hookFunction: event.hookFunction,
        ...(event.run === undefined ? {} : { runId: event.run.runId, runName: event.run.runName, taskName: event.run.taskName }),
        timedOut: event.timedOut,
        error: recordError(event.error),
        message: event.message,
      };
  }
}

/** How many lines a file recording keeps in memory before it writes them. */
const FLUSH_LINES = 1000;

/** The placeholder a `record` path may hold, replaced by each flow run's id. */
const FLOW_RUN_ID = '{flowRunId}';

/**
 * One open recording file, shared by every flow run of this process that records to its path:
 * lines are queued in the order their events happen and written as whole lines, so concurrent
 * runs never interleave within a line. Closed when the last run using it has settled.
 */
interface SharedWriter {
  /** The resolved path: two spellings of one path share a writer. */
  readonly key: string;
  readonly fd: number;
  users: number;
  lines: string[];
}

const writers = new Map<string, SharedWriter>();
/**
 * Paths this process has started afresh: later runs append. Paths with `{flowRunId}` are not
 * kept, so a long-lived process that writes a file per run does not grow this set.
 */
const started = new Set<string>();

function flushWriter(writer: SharedWriter): void {
  if (writer.lines.length === 0) return;
  const text = `${writer.lines.join('\n')}\n`;
  writer.lines = [];
  writeSync(writer.fd, text);
}

function acquireWriter(path: string, perRun: boolean): SharedWriter {
  const key = resolve(path);
  const open = writers.get(key);
  if (open !== undefined) {
    open.users++;
    return open;
  }
  const fresh = !started.has(key);
  // O_APPEND: every write lands at the end as a whole, also next to another process's writes.
  const fd = openSync(key, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (fresh ? constants.O_TRUNC : 0));
  if (!perRun) started.add(key);
  const writer: SharedWriter = { key, fd, users: 1, lines: [] };
  writers.set(key, writer);
  return writer;
}

function releaseWriter(writer: SharedWriter): void {
  flushWriter(writer);
  if (--writer.users > 0) return;
  writers.delete(writer.key);
  closeSync(writer.fd);
}

/**
 * The file a flow run records to: `sink` with `{flowRunId}` replaced by the run's id.
 *
 * @internal
 */
export function recordPath(sink: string, flowRunId: string): string {
  return sink.split(FLOW_RUN_ID).join(flowRunId);
}

/**
 * An observer of one flow run's events that records each. A path sink is one file per path in
 * this process, shared by the flow runs that record to it (each line whole, each run's lines in
 * order): started afresh by the first run of the process that opens it, then appended to. Its
 * lines are written in chunks, all of a run's by its `flow-finished`, and the file is closed
 * when the last run using it has settled.
 *
 * @internal
 */
export function recorder(sink: RecordSink, flowName: string, flowRunId: string): Partial<Observer<FlowEvent>> {
  if (typeof sink === 'function') return { next: (event) => sink(toRecorded(event)) };
  if (typeof sink !== 'string' || sink === '') {
    throw new InvalidArgumentError(`flow "${flowName}": \`record\` must be a file path or a function, got ${String(sink)}`);
  }
  const path = recordPath(sink, flowRunId);
  let writer: SharedWriter;
  try {
    writer = acquireWriter(path, sink.includes(FLOW_RUN_ID));
  } catch (error) {
    throw new InvalidArgumentError(`flow "${flowName}": cannot write the recording to ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    releaseWriter(writer);
  };
  return {
    next: (event) => {
      if (released) return;
      writer.lines.push(JSON.stringify(toRecorded(event)));
      if (event.type === 'flow-finished' || writer.lines.length >= FLUSH_LINES) flushWriter(writer);
    },
    // The stream completes as the flow settles, after its (and any subflow's) last event.
    complete: release,
    error: release,
  };
}
