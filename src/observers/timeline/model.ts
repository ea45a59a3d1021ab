/**
 * The timeline's data model: a recording (`flow({ record })`) turned into runs with the spans
 * their bars are drawn from, grouped by task, nested runs under their parent's group, and
 * stacked in lanes. Pure: events in, plain data out, so the HTML and any other view share it.
 *
 * @module
 */
import type { RecordedError, RecordedEvent } from '../record.js';
import { assignLanes } from './lanes.js';

/**
 * How a span of a run's bar is drawn: `waiting` (submitted, not yet running: gated by upstreams or
 * `waitFor`, or queued for a slot), `running` (one attempt of the body), `awaiting-retry` (the
 * delay between a failed attempt and the next).
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording, type TimelineSegmentKind } from 'sluice/timeline';
 * const total: Record<TimelineSegmentKind, number> = { waiting: 0, running: 0, 'awaiting-retry': 0 };
 * for (const run of buildTimeline(readRecording('runs.jsonl')).flowRuns[0]?.runs ?? []) {
 *   for (const segment of run.segments) total[segment.kind] += segment.end - segment.start;
 * }
 * ```
 */
export type TimelineSegmentKind = 'waiting' | 'running' | 'awaiting-retry';

/**
 * One span of a run's bar, in the recording's clock.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const [flowRun] = buildTimeline(readRecording('runs.jsonl')).flowRuns;
 * for (const segment of flowRun?.runs[0]?.segments ?? []) console.log(segment.kind, segment.end - segment.start);
 * ```
 */
export interface TimelineSegment {
  readonly kind: TimelineSegmentKind;
  readonly start: number;
  readonly end: number;
  /** The attempt (1 is the first) that ran, or that a retry delay waits for; absent when waiting. */
  readonly attempt?: number;
  /** The name of the state that ended the span (`AwaitingRetry` after a failed attempt), or `null` while the run never finished. */
  readonly endedBy: string | null;
}

/**
 * One state a run entered, as recorded.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const run = buildTimeline(readRecording('runs.jsonl')).flowRuns[0]?.runs[0];
 * for (const state of run?.states ?? []) console.log(state.time, state.name, state.attempt ?? '');
 * ```
 */
export interface TimelineStateChange {
  /** The state's name (`Pending`, `Running`, `AwaitingRetry`, `TimedOut`, ...). */
  readonly name: string;
  /** The state's type (`Pending`, `Scheduled`, `Running`, `Completed`, `Failed`, `Cancelled`, `Crashed`). */
  readonly type: string;
  readonly time: number;
  readonly attempt?: number;
  readonly error?: RecordedError;
}

/**
 * A state hook that failed (a recorded `hook-failed` line): it threw, rejected, or ran past its
 * flow's `hookTimeout`. A task's hook is kept on its run, a flow's own hook on its flow run. The
 * run's and the flow's outcome are as they were: a hook failure changes no state.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording, type TimelineHookFailure } from 'sluice/timeline';
 * const say = (f: TimelineHookFailure): string => `${f.hook} ${f.hookFunction} ${f.timedOut ? 'timed out' : 'failed'}: ${f.error.name}: ${f.error.message}`;
 * for (const flowRun of buildTimeline(readRecording('runs.jsonl')).flowRuns) {
 *   for (const failure of flowRun.hookFailures) console.log(flowRun.name, say(failure));
 *   for (const run of flowRun.runs) for (const failure of run.hookFailures) console.log(run.name, say(failure));
 * }
 * ```
 */
export interface TimelineHookFailure {
  /** The hook option: `onRunning`, `onCompletion`, `onFailure`, `onCancellation` or `onCrashed`. */
  readonly hook: string;
  /** The hook function's own name, else its place in the option (`onFailure[1]`). */
  readonly hookFunction: string;
  readonly time: number;
  /** Whether it ran past the flow's `hookTimeout` (its error is then a `HookTimeoutError`) rather than threw. */
  readonly timedOut: boolean;
  /** What it threw, or the `HookTimeoutError` that gives the limit, as recorded. */
  readonly error: RecordedError;
  /**
   * For a task's hook whose run is not in the recording (kept on the flow run, so it is not
   * lost): the run's name, as recorded. Absent on a run's own failures and a flow's hooks.
   */
  readonly runName?: string;
}

/**
 * One task run of a timeline: where its bar goes (group and lane), what it is made of
 * (segments), and what the detail panel shows (states, attempts, error, failed hooks, parent and
 * children).
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const [flowRun] = buildTimeline(readRecording('runs.jsonl')).flowRuns;
 * for (const run of flowRun?.runs ?? []) console.log(run.name, run.state, `${run.waited} ms waiting`, `${run.ran} ms running`);
 * const hooksFailed = flowRun?.runs.filter((run) => run.hookFailures.length > 0) ?? [];
 * ```
 */
export interface TimelineRun {
  readonly id: string;
  readonly name: string;
  readonly taskName: string;
  /** Its task's tags (those its concurrency limits gate), as recorded; empty when it has none. */
  readonly tags: readonly string[];
  readonly flowRunId: string;
  /** The id of the run in whose body this one was submitted, as recorded, or `null`. */
  readonly parentId: string | null;
  /** The parent's index in its flow run's `runs`, or `null` (no parent, or not in the recording). */
  readonly parent: number | null;
  /** The indices, in the flow run's `runs`, of the runs submitted in this run's body. */
  readonly children: readonly number[];
  readonly submitted: number;
  /** When it reached its terminal state; for an unfinished run, the end of its flow run's recording. */
  readonly end: number;
  /** Whether it reached a terminal state. */
  readonly finished: boolean;
  /** The name of its terminal state, or of the last state it was seen in when unfinished. */
  readonly state: string;
  /** The type of that state. */
  readonly stateType: string;
  readonly states: readonly TimelineStateChange[];
  readonly segments: readonly TimelineSegment[];
  /** How many attempts of its body started (0 when it never ran). */
  readonly attempts: number;
  /** Time from submission to its first attempt (to its end when it never ran). */
  readonly waited: number;
  /** Time its attempts ran, retry delays not counted. */
  readonly ran: number;
  /** The error of its terminal state, when it has one. */
  readonly error?: RecordedError;
  /** Its task's state hooks that failed (threw or timed out), in the order recorded; empty when none did. */
  readonly hookFailures: readonly TimelineHookFailure[];
  /** Its group's index in its flow run's `groups`. */
  readonly group: number;
  /** Its lane within its group (0 is the top one). */
  readonly lane: number;
}

/**
 * The runs of one task at one nesting place: top-level runs of a task form a group, and the runs
 * of a task submitted in the bodies of a group's runs form a group nested under it.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const [flowRun] = buildTimeline(readRecording('runs.jsonl')).flowRuns;
 * for (const group of flowRun?.groups ?? []) console.log(`${'  '.repeat(group.depth)}${group.taskName}: ${group.runs.length} runs in ${group.lanes} lanes`);
 * ```
 */
export interface TimelineGroup {
  readonly taskName: string;
  /** Task names from the top-level group down to this one. */
  readonly path: readonly string[];
  /** 0 for top-level runs, 1 for runs submitted in their bodies, ... */
  readonly depth: number;
  /** The index of the group this one is nested under, or `null`. */
  readonly parent: number | null;
  /** Indices of its runs in the flow run's `runs`, in submission order. */
  readonly runs: readonly number[];
  /** How many lanes its runs are stacked in. */
  readonly lanes: number;
}

/**
 * One flow run of a recording, with its runs and their groups (in display order: each group
 * followed by the groups nested under it).
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * for (const flowRun of buildTimeline(readRecording('runs.jsonl')).flowRuns) {
 *   const name = flowRun.flowRunName === undefined ? flowRun.name : `${flowRun.name} › ${flowRun.flowRunName}`;
 *   console.log(name, flowRun.outcome ?? 'unfinished', `${flowRun.end - flowRun.start} ms`, `${flowRun.runs.length} runs`, `${flowRun.hookFailures.length} flow hooks failed`);
 * }
 * ```
 */
export interface TimelineFlowRun {
  readonly id: string;
  /** Its flow's name. */
  readonly name: string;
  /** The flow run's own name (its flow's `flowRunName`, as `sync-monday`), as recorded; absent when it has none. */
  readonly flowRunName?: string;
  readonly start: number;
  /** When it finished, or the last time recorded for it when it did not. */
  readonly end: number;
  readonly finished: boolean;
  readonly outcome?: 'Completed' | 'Failed' | 'Cancelled';
  readonly error?: RecordedError;
  readonly runs: readonly TimelineRun[];
  readonly groups: readonly TimelineGroup[];
  /**
   * The flow's own state hooks that failed (threw or timed out), in the order recorded; empty
   * when none did. A task's failed hooks are on its run.
   */
  readonly hookFailures: readonly TimelineHookFailure[];
  /** For a subflow: the id of the flow run that called it, as recorded. */
  readonly parentFlowRunId?: string;
  /** For a subflow: the id of the task run in whose body it was called, as recorded. */
  readonly parentRunId?: string;
  /** For a subflow: its parent flow run's index in the model's `flowRuns`, or `null` (none, or not in the recording). */
  readonly parent: number | null;
}

/**
 * A recording as a timeline: its flow runs in the order they started, and how many events were
 * skipped (types of later format versions, or malformed ones).
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const model = buildTimeline(readRecording('runs.jsonl'));
 * console.log(model.flowRuns.length, model.skipped);
 * ```
 */
export interface TimelineModel {
  readonly flowRuns: readonly TimelineFlowRun[];
  readonly skipped: number;
}

/**
 * Options of {@link buildTimeline}.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording, type TimelineOptions } from 'sluice/timeline';
 * const options: TimelineOptions = { minBarFraction: 0 };
 * buildTimeline(readRecording('runs.jsonl'), options);
 * ```
 */
export interface TimelineOptions {
  /**
   * The least share of its flow run's duration a bar takes when runs are stacked in lanes, so
   * that runs too short to see apart (drawn a few pixels wide) do not share a lane.
   *
   * @defaultValue `0.004` (4 pixels of a 1000-pixel-wide axis)
   */
  readonly minBarFraction?: number;
  /**
   * Only these flow runs (by id), each with its subflows: for a recording that many flow runs
   * share. Ids that are not in the recording select nothing.
   *
   * @defaultValue every flow run of the recording
   */
  readonly flowRunIds?: readonly string[];
}

const TERMINAL_TYPES: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Cancelled', 'Crashed']);

interface RunBuilder {
  readonly id: string;
  readonly flowRunId: string;
  name: string;
  taskName: string;
  tags: readonly string[];
  parentId: string | null;
  submitted: number;
  readonly states: TimelineStateChange[];
}

/** A recorded hook failure, with the run it is of (undefined for a flow's own hook). */
interface HookBuilder {
  readonly runId: string | undefined;
  readonly runName: string | undefined;
  readonly failure: TimelineHookFailure;
}

interface FlowBuilder {
  readonly id: string;
  name: string;
  flowRunName?: string;
  start: number | undefined;
  finishedAt: number | undefined;
  outcome?: 'Completed' | 'Failed' | 'Cancelled';
  error?: RecordedError;
  parentFlowRunId?: string;
  parentRunId?: string;
  /** The last time any event of this flow run was recorded. */
  last: number;
  first: number;
  readonly runs: Map<string, RunBuilder>;
  readonly hooks: HookBuilder[];
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A recorded error, if the value is one (a later format may add fields; they are dropped). */
function asError(value: unknown): RecordedError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, message, code } = value as Record<string, unknown>;
  if (!isString(name) || !isString(message)) return undefined;
  return { name, message, ...(isString(code) ? { code } : {}) };
}

/**
 * Reads a recording's events into flow runs and runs. Events are checked at run time (a recording
 * is a file from anywhere): unknown types and malformed events are counted in `skipped`, not
 * fatal, so a recording of a later format still draws what this version knows.
 */
function collect(events: Iterable<RecordedEvent>): { flows: FlowBuilder[]; skipped: number } {
  const flows = new Map<string, FlowBuilder>();
  let skipped = 0;
  const flowOf = (id: string, time: number): FlowBuilder => {
    let flow = flows.get(id);
    if (flow === undefined) {
      flow = { id, name: id, start: undefined, finishedAt: undefined, last: time, first: time, runs: new Map(), hooks: [] };
      flows.set(id, flow);
    }
    flow.last = Math.max(flow.last, time);
    flow.first = Math.min(flow.first, time);
    return flow;
  };
  for (const event of events as Iterable<unknown>) {
    if (typeof event !== 'object' || event === null) {
      skipped++;
      continue;
    }
    const e = event as Record<string, unknown>;
    const { type, time, flowRunId } = e;
    if (!isTime(time) || !isString(flowRunId)) {
      skipped++;
      continue;
    }
    if (type === 'flow-started' || type === 'flow-finished') {
      const flow = flowOf(flowRunId, time);
      if (isString(e.flowName)) flow.name = e.flowName;
      // Recorded on `flow-started`; taken from `flow-finished` too, should a recording carry it there.
      if (isString(e.flowRunName)) flow.flowRunName = e.flowRunName;
      if (type === 'flow-started') {
        flow.start = time;
        // A subflow's, written into its parent flow's recording too.
        if (isString(e.parentFlowRunId)) flow.parentFlowRunId = e.parentFlowRunId;
        if (isString(e.parentRunId)) flow.parentRunId = e.parentRunId;
      } else {
        flow.finishedAt = time;
        if (e.outcome === 'Completed' || e.outcome === 'Failed' || e.outcome === 'Cancelled') flow.outcome = e.outcome;
        const error = asError(e.error);
        if (error !== undefined) flow.error = error;
      }
      continue;
    }
    if (type === 'hook-failed') {
      const { hook, hookFunction, runId, runName } = e;
      const error = asError(e.error);
      if (!isString(hook) || !isString(hookFunction) || error === undefined || !(runId === undefined || isString(runId))) {
        skipped++;
        continue;
      }
      flowOf(flowRunId, time).hooks.push({
        runId,
        runName: isString(runName) ? runName : undefined,
        failure: { hook, hookFunction, time, timedOut: e.timedOut === true, error },
      });
      continue;
    }
    if (type !== 'run-submitted' && type !== 'run-state') {
      skipped++;
      continue;
    }
    const { runId, runName, taskName, parentRunId } = e;
    if (!isString(runId) || !isString(runName) || !isString(taskName) || !(parentRunId === null || parentRunId === undefined || isString(parentRunId))) {
      skipped++;
      continue;
    }
    if (type === 'run-state' && (!isString(e.state) || !isString(e.stateType))) {
      skipped++;
      continue;
    }
    const flow = flowOf(flowRunId, time);
    let run = flow.runs.get(runId);
    if (run === undefined) {
      // A run first seen by a state change (a recording that starts mid-flow) still gets a bar.
      run = { id: runId, flowRunId, name: runName, taskName, tags: [], parentId: parentRunId ?? null, submitted: time, states: [] };
      flow.runs.set(runId, run);
    } else if (type === 'run-submitted') {
      run.submitted = Math.min(run.submitted, time);
    }
    run.name = runName;
    // Recorded on `run-submitted` only; anything but a list of strings is ignored, as other malformed fields are.
    const { tags } = e as { tags?: unknown };
    if (Array.isArray(tags) && tags.every(isString)) run.tags = tags;
    if (type === 'run-state') {
      const attempt = e.attempt;
      const error = asError(e.error);
      run.states.push({
        name: e.state as string,
        type: e.stateType as string,
        time,
        ...(typeof attempt === 'number' && Number.isInteger(attempt) ? { attempt } : {}),
        ...(error === undefined ? {} : { error }),
      });
    }
  }
  return { flows: [...flows.values()], skipped };
}

/** What a run's states draw: its segments, and what the detail panel sums up. */
interface Drawn {
  readonly segments: TimelineSegment[];
  readonly terminal: TimelineStateChange | undefined;
  readonly attempts: number;
  readonly firstRunning: number | undefined;
  readonly ran: number;
}

/**
 * A run's bar, from its states in the order recorded: each `Running`/`Retrying` opens an attempt,
 * `AwaitingRetry` a retry delay, `Pending` a wait; a terminal state closes the bar. States of an
 * unknown type (a later format) are listed but draw nothing. An unfinished run's last span runs
 * to `horizon`.
 */
function draw(run: RunBuilder, horizon: number): Drawn {
  const segments: TimelineSegment[] = [];
  let open: { kind: TimelineSegmentKind; start: number; attempt?: number } | undefined = { kind: 'waiting', start: run.submitted };
  let terminal: TimelineStateChange | undefined;
  let attempts = 0;
  let firstRunning: number | undefined;
  let ran = 0;
  const close = (time: number, endedBy: string | null): void => {
    if (open === undefined) return;
    const end = Math.max(time, open.start);
    segments.push({ kind: open.kind, start: open.start, end, ...(open.attempt === undefined ? {} : { attempt: open.attempt }), endedBy });
    if (open.kind === 'running') ran += end - open.start;
    open = undefined;
  };
  for (const state of run.states) {
    if (terminal !== undefined) break;
    if (TERMINAL_TYPES.has(state.type)) {
      close(state.time, state.name);
      terminal = state;
    } else if (state.type === 'Running') {
      close(state.time, state.name);
      const attempt = state.attempt ?? attempts + 1;
      attempts = Math.max(attempts, attempt);
      firstRunning ??= state.time;
      open = { kind: 'running', start: state.time, attempt };
    } else if (state.type === 'Scheduled') {
      close(state.time, state.name);
      open = { kind: 'awaiting-retry', start: state.time, ...(state.attempt === undefined ? {} : { attempt: state.attempt }) };
    } else if (state.type === 'Pending') {
      // The first Pending continues the wait that submission opened.
      if (open?.kind !== 'waiting') {
        close(state.time, state.name);
        open = { kind: 'waiting', start: state.time };
      }
    }
  }
  close(horizon, null);
  return { segments, terminal, attempts, firstRunning, ran };
}

/** Flow runs' builders into the model's flow runs: runs drawn, grouped, nested, and laned. */
function finish(flow: FlowBuilder, minBarFraction: number): Omit<TimelineFlowRun, 'parent'> {
  const start = flow.start ?? flow.first;
  const end = flow.finishedAt ?? flow.last;
  const builders = [...flow.runs.values()].sort((a, b) => a.submitted - b.submitted);
  const index = new Map(builders.map((run, i) => [run.id, i]));

  // Each run's group is its task under its parent's group: computed parent first, with a guard
  // against a (malformed) cycle of parents.
  const groupKeys: (string | undefined)[] = new Array<string | undefined>(builders.length);
  const groups: { key: string; taskName: string; path: string[]; parentKey: string | null; runs: number[]; first: number }[] = [];
  const byKey = new Map<string, (typeof groups)[number]>();
  const parentOf = (i: number): number | null => {
    const parentId = (builders[i] as RunBuilder).parentId;
    const parent = parentId === null ? undefined : index.get(parentId);
    return parent === undefined || parent === i ? null : parent;
  };
  const keyOf = (i: number, seen: Set<number>): string => {
    const known = groupKeys[i];
    if (known !== undefined) return known;
    const run = builders[i] as RunBuilder;
    const parent = parentOf(i);
    seen.add(i);
    const parentKey = parent === null || seen.has(parent) ? null : keyOf(parent, seen);
    const path = parentKey === null ? [run.taskName] : [...(byKey.get(parentKey) as { path: string[] }).path, run.taskName];
    const key = JSON.stringify(path);
    if (!byKey.has(key)) {
      const group = { key, taskName: run.taskName, path, parentKey, runs: [], first: run.submitted };
      groups.push(group);
      byKey.set(key, group);
    }
    groupKeys[i] = key;
    return key;
  };
  builders.forEach((_, i) => {
    (byKey.get(keyOf(i, new Set())) as { runs: number[] }).runs.push(i);
  });

  // Display order: top-level groups by their first run, each followed by its nested groups.
  const ordered: (typeof groups)[number][] = [];
  const visit = (parentKey: string | null): void => {
    for (const group of groups.filter((g) => g.parentKey === parentKey).sort((a, b) => a.first - b.first)) {
      ordered.push(group);
      visit(group.key);
    }
  };
  visit(null);
  const groupIndex = new Map(ordered.map((group, i) => [group.key, i]));

  const drawn = builders.map((run) => draw(run, end));
  const ends = drawn.map((d, i) => d.terminal?.time ?? Math.max(end, (builders[i] as RunBuilder).submitted));
  const lanes = new Array<number>(builders.length).fill(0);
  const minSpan = Math.max(0, (end - start) * minBarFraction);
  const laneCounts = ordered.map((group) => {
    const packed = assignLanes(group.runs.map((i) => ({ start: (builders[i] as RunBuilder).submitted, end: ends[i] as number })), minSpan);
    group.runs.forEach((run, k) => (lanes[run] = packed.lanes[k] as number));
    return packed.count;
  });

  const children: number[][] = builders.map(() => []);
  builders.forEach((_, i) => {
    const parent = parentOf(i);
    if (parent !== null) (children[parent] as number[]).push(i);
  });

  // A task's hook failures on its run; a flow's own (and those of a run not in the recording,
  // named) on the flow run.
  const runHooks: TimelineHookFailure[][] = builders.map(() => []);
  const flowHooks: TimelineHookFailure[] = [];
  for (const { runId, runName, failure } of flow.hooks) {
    const at = runId === undefined ? undefined : index.get(runId);
    if (at !== undefined) (runHooks[at] as TimelineHookFailure[]).push(failure);
    else flowHooks.push(runId === undefined ? failure : { ...failure, runName: runName ?? runId });
  }

  const runs = builders.map((run, i): TimelineRun => {
    const d = drawn[i] as Drawn;
    const last = d.terminal ?? run.states[run.states.length - 1];
    const runEnd = ends[i] as number;
    return {
      id: run.id,
      name: run.name,
      taskName: run.taskName,
      tags: run.tags,
      flowRunId: run.flowRunId,
      parentId: run.parentId,
      parent: parentOf(i),
      children: children[i] as number[],
      submitted: run.submitted,
      end: runEnd,
      finished: d.terminal !== undefined,
      // Submitted with no state recorded yet: a submitted run is Pending.
      state: last?.name ?? 'Pending',
      stateType: last?.type ?? 'Pending',
      states: run.states,
      segments: d.segments,
      attempts: d.attempts,
      waited: (d.firstRunning ?? runEnd) - run.submitted,
      ran: d.ran,
      ...(d.terminal?.error === undefined ? {} : { error: d.terminal.error }),
      hookFailures: runHooks[i] as TimelineHookFailure[],
      group: groupIndex.get(groupKeys[i] as string) as number,
      lane: lanes[i] as number,
    };
  });

  return {
    id: flow.id,
    name: flow.name,
    ...(flow.flowRunName === undefined ? {} : { flowRunName: flow.flowRunName }),
    start,
    end,
    finished: flow.finishedAt !== undefined,
    ...(flow.outcome === undefined ? {} : { outcome: flow.outcome }),
    ...(flow.error === undefined ? {} : { error: flow.error }),
    ...(flow.parentFlowRunId === undefined ? {} : { parentFlowRunId: flow.parentFlowRunId }),
    ...(flow.parentRunId === undefined ? {} : { parentRunId: flow.parentRunId }),
    runs,
    hookFailures: flowHooks,
    groups: ordered.map((group, i) => ({
      taskName: group.taskName,
      path: group.path,
      depth: group.path.length - 1,
      parent: group.parentKey === null ? null : (groupIndex.get(group.parentKey) as number),
      runs: group.runs,
      lanes: laneCounts[i] as number,
    })),
  };
}

/** The flow runs of `ids`, and the subflows they called, at any depth. */
function withSubflows(flows: FlowBuilder[], ids: readonly string[]): FlowBuilder[] {
  const selected = new Set(ids);
  const subflows = new Map<string, FlowBuilder[]>();
  for (const flow of flows) {
    if (flow.parentFlowRunId === undefined) continue;
    const siblings = subflows.get(flow.parentFlowRunId);
    if (siblings === undefined) subflows.set(flow.parentFlowRunId, [flow]);
    else siblings.push(flow);
  }
  // A set grown while iterated visits what is added: every descendant, once.
  for (const id of selected) for (const child of subflows.get(id) ?? []) selected.add(child.id);
  return flows.filter((flow) => selected.has(flow.id));
}

/**
 * A recording as a timeline model: every task run with the spans of its bar (waiting, each
 * attempt running, retry delays), its final state, attempts and error, grouped by task (runs
 * submitted inside another run's body in a group nested under the parent's), stacked in lanes so
 * bars don't overlap. Several flow runs in one recording (concurrent runs sharing a file, or a
 * flow and its subflows) each get their own, in the order they started, each subflow right
 * after the flow run that called it; events of unknown types (a later format) are skipped and
 * counted; runs that never reached a terminal state are kept, `finished: false`, up to the end
 * of their flow run's recording.
 *
 * @example
 * ```ts
 * import { buildTimeline, readRecording } from 'sluice/timeline';
 * const model = buildTimeline(readRecording('runs.jsonl'));
 * for (const flowRun of model.flowRuns) {
 *   const failed = flowRun.runs.filter((run) => run.stateType === 'Failed');
 *   console.log(`${flowRun.name}: ${flowRun.runs.length} runs, ${failed.length} failed`);
 * }
 * ```
 */
export function buildTimeline(events: Iterable<RecordedEvent>, options: TimelineOptions = {}): TimelineModel {
  const minBarFraction = options.minBarFraction ?? 0.004;
  const collected = collect(events);
  const { skipped } = collected;
  const flows = options.flowRunIds === undefined ? collected.flows : withSubflows(collected.flows, options.flowRunIds);
  const finished = flows.map((flow) => finish(flow, minBarFraction)).sort((a, b) => a.start - b.start);
  // Each subflow right after its parent (and the parent's earlier subflows), with a guard
  // against a (malformed) cycle of parents: a flow run in one is drawn at the top level.
  const ids = new Set(finished.map((flowRun) => flowRun.id));
  const parentId = (flowRun: (typeof finished)[number]): string | null => {
    const id = flowRun.parentFlowRunId;
    return id !== undefined && id !== flowRun.id && ids.has(id) ? id : null;
  };
  const subflows = new Map<string, (typeof finished)[number][]>();
  for (const flowRun of finished) {
    const parent = parentId(flowRun);
    if (parent === null) continue;
    const siblings = subflows.get(parent);
    if (siblings === undefined) subflows.set(parent, [flowRun]);
    else siblings.push(flowRun);
  }
  const ordered: (typeof finished)[number][] = [];
  const placed = new Set<string>();
  const place = (flowRun: (typeof finished)[number]): void => {
    if (placed.has(flowRun.id)) return;
    placed.add(flowRun.id);
    ordered.push(flowRun);
    for (const child of subflows.get(flowRun.id) ?? []) place(child);
  };
  for (const flowRun of finished) if (parentId(flowRun) === null) place(flowRun);
  for (const flowRun of finished) place(flowRun);
  const index = new Map(ordered.map((flowRun, i) => [flowRun.id, i]));
  const flowRuns = ordered.map((flowRun): TimelineFlowRun => {
    const parent = parentId(flowRun);
    const at = parent === null ? undefined : index.get(parent);
    // A parent drawn after its child is one of a cycle: no link back to it.
    return { ...flowRun, parent: at === undefined || at > (index.get(flowRun.id) as number) ? null : at };
  });
  return { flowRuns, skipped };
}
