import type { Unsubscribable } from 'rxjs';
import type { State, StateName } from '../core/states.js';
import { STATE_NAMES } from '../core/states.js';
import type { FlowRun, TrackedRun } from './flow-run.js';
import { scopeStorage } from '../core/scope-storage.js';
import type { Slots } from './slots.js';
import type { TaskSpec } from '../core/task-spec.js';
import type { CacheSettings } from '../cache/cache-options.js';
import type { TagGate } from '../limits/tags.js';
import { runLogger, type Logger } from '../core/logger.js';

/** Told once, when a run reaches a terminal state. @internal */
export type Listener = (run: RunRecord<unknown>) => void;

/**
 * What the runs of one call have in common (one `submit`, or every run of one `map`): shared, so
 * a run carries one pointer instead of seven fields. @internal
 */
export interface RunGroup {
  readonly spec: TaskSpec;
  readonly flow: FlowRun;
  readonly parent: RunRecord<unknown> | undefined;
  /** Argument positions to scan for futures; undefined scans all. */
  readonly argIndices: readonly number[] | undefined;
  readonly waitFor: readonly unknown[] | undefined;
  /** The runs' caching, when it is on. */
  readonly cache: CacheSettings | undefined;
  /** The map's own limit, if it has one. */
  readonly mapSlots: Slots | undefined;
  /** A direct call: runs in the caller, takes no slot. */
  readonly direct: boolean;
  /** What the runs' tags ask of the flow's limits, when any of them has one. */
  readonly tagGate: TagGate | undefined;
  /**
   * A map's arguments of run `nameIndex`, for runs made with {@link DEFERRED_ARGS}: built when
   * the body starts, so 100k queued runs hold no argument arrays.
   */
  readonly argsOf?: ((nameIndex: number) => unknown[]) | undefined;
}

/**
 * The arguments of a map run that needs none before its body starts (no futures among them, no
 * run name or codec to compute, a runner that checks nothing): its group's `argsOf` builds them
 * then. @internal
 */
export const DEFERRED_ARGS: unknown[] = [];

/** Flag bits of `RunRecord.flags`. */
export const TERMINAL = 1;
const OBSERVED = 2;
export const HOLDS_SLOT = 4;
export const HOLDS_MAP_SLOT = 8;
const LENT_SLOT = 16;
/** The current attempt's Promise body, called in this process, has not settled yet. */
export const BODY_LIVE = 32;
/** The run completed with a value from the cache. */
export const CACHED = 64;
/** The run holds one slot of each of its limited tags. */
export const HOLDS_TAGS = 128;
/** The run is queued for its tags' slots. */
export const WAITS_TAGS = 256;

/** The fields of a run that most runs never use. @internal */
interface RunExtra<R> {
  renderedName?: string | undefined;
  cachedId?: string | undefined;
  listeners?: Listener[] | undefined;
  stateListeners?: ((state: State<R>) => void)[] | undefined;
  waits?: number;
  reclaim?: (() => void) | undefined;
  cacheKey?: string | undefined;
  controller?: AbortController | undefined;
  bodySubscription?: Unsubscribable | undefined;
  timer?: Unsubscribable | undefined;
  /**
   * Bodies that were timed out or cancelled but are still executing, as pairs of their attempt and
   * the slot bits (`HOLDS_SLOT`, `HOLDS_MAP_SLOT`) they keep until they settle.
   */
  abandoned?: number[] | undefined;
  /** The promise `result()` hands out in the common case, and how to settle it (no object for the pair). */
  result?: Promise<unknown>;
  resolveResult?: (value: unknown) => void;
  rejectResult?: (error: unknown) => void;
}

/**
 * What a run is: its identity, its state and outcome, and who waits for it, packed for a small
 * footprint (a run is allocated per task call). {@link Run} adds how it runs.
 *
 * @internal
 */
export abstract class RunRecord<R> {
  /** Cancels the run if it has not finished; returns true if this call cancelled it. */
  abstract cancel(reason?: string): boolean;
  /** A body of this run starts waiting on other runs (lends its slot). */
  abstract beginWait(): void;
  /** The wait is over: `resume` once the slot is back. */
  abstract endWait(resume: () => void): void;

  /** Links in the flow's list of unfinished runs. @internal */
  prevLive: TrackedRun | undefined;
  /** @internal */
  nextLive: TrackedRun | undefined;
  protected readonly group: RunGroup;
  args: unknown[];

  protected readonly seq: number;
  protected readonly nameIndex: number;

  protected phase: StateName = 'Pending';
  /** Booleans, packed: a run is allocated per task call, and its size is what the GC copies. */
  protected flags = 0;
  /**
   * When the current state was entered; undefined when nobody was listening at the time. Not NaN:
   * a number field is boxed, one more allocation per run.
   */
  protected enteredAt: number | undefined = undefined;
  attempt = 0;
  /** The value when `Completed`, else the error. */
  protected outcome: unknown;

  // Most runs have at most one listener (a downstream, a list's result()): no array for it.
  protected listener: Listener | undefined;
  /** What few runs need (names, signals, timers, waits), allocated on first use. */
  protected extra: RunExtra<R> | undefined;

  get kind(): 'run' {
    return 'run';
  }

  protected get terminal(): boolean {
    return (this.flags & TERMINAL) !== 0;
  }
  protected get observed(): boolean {
    return (this.flags & OBSERVED) !== 0;
  }
  protected set observed(on: boolean) {
    this.flags = on ? this.flags | OBSERVED : this.flags & ~OBSERVED;
  }
  protected get holdsSlot(): boolean {
    return (this.flags & HOLDS_SLOT) !== 0;
  }
  protected set holdsSlot(on: boolean) {
    this.flags = on ? this.flags | HOLDS_SLOT : this.flags & ~HOLDS_SLOT;
  }
  protected get holdsMapSlot(): boolean {
    return (this.flags & HOLDS_MAP_SLOT) !== 0;
  }
  protected set holdsMapSlot(on: boolean) {
    this.flags = on ? this.flags | HOLDS_MAP_SLOT : this.flags & ~HOLDS_MAP_SLOT;
  }
  protected get lentSlot(): boolean {
    return (this.flags & LENT_SLOT) !== 0;
  }
  protected set lentSlot(on: boolean) {
    this.flags = on ? this.flags | LENT_SLOT : this.flags & ~LENT_SLOT;
  }

  protected get value(): R | undefined {
    return this.phase === 'Completed' ? (this.outcome as R) : undefined;
  }
  protected get error(): unknown {
    return this.phase === 'Completed' ? undefined : this.outcome;
  }

  /** Reads a rarely used field; `undefined` when the run never needed it. */
  protected get renderedName(): string | undefined {
    return this.extra?.renderedName;
  }
  protected set renderedName(value: string | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).renderedName = value;
  }
  protected get cachedId(): string | undefined {
    return this.extra?.cachedId;
  }
  protected set cachedId(value: string | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).cachedId = value;
  }
  protected get listeners(): Listener[] | undefined {
    return this.extra?.listeners;
  }
  protected set listeners(value: Listener[] | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).listeners = value;
  }
  protected get stateListeners(): ((state: State<R>) => void)[] | undefined {
    return this.extra?.stateListeners;
  }
  protected set stateListeners(value: ((state: State<R>) => void)[] | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).stateListeners = value;
  }
  protected get waits(): number {
    return this.extra?.waits ?? 0;
  }
  protected set waits(value: number) {
    if (value !== 0 || this.extra !== undefined) (this.extra ??= {}).waits = value;
  }
  protected get reclaim(): (() => void) | undefined {
    return this.extra?.reclaim;
  }
  protected set reclaim(value: (() => void) | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).reclaim = value;
  }
  /** The key the run's value is stored under when it completes (caching is on, and it missed). */
  protected get cacheKey(): string | undefined {
    return this.extra?.cacheKey;
  }
  protected set cacheKey(value: string | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).cacheKey = value;
  }
  protected get controller(): AbortController | undefined {
    return this.extra?.controller;
  }
  protected set controller(value: AbortController | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).controller = value;
  }
  protected get bodySubscription(): Unsubscribable | undefined {
    return this.extra?.bodySubscription;
  }
  protected set bodySubscription(value: Unsubscribable | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).bodySubscription = value;
  }
  protected get abandoned(): number[] | undefined {
    return this.extra?.abandoned;
  }
  protected set abandoned(value: number[] | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).abandoned = value;
  }
  protected get timer(): Unsubscribable | undefined {
    return this.extra?.timer;
  }
  protected set timer(value: Unsubscribable | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).timer = value;
  }

  /** `nameIndex`: the run's default name number, when the caller reserved a block of them. */
  constructor(group: RunGroup, args: unknown[], nameIndex?: number) {
    this.group = group;
    this.args = args;
    const flow = group.flow;
    this.seq = flow.nextRunSeq();
    this.nameIndex = nameIndex ?? flow.reserveNames(group.spec.name, 1);
    flow.runStarted(this);
    if (flow.hasListeners) {
      this.enteredAt = flow.scheduler.now();
      flow.emit({ type: 'run-submitted', ...this.eventBase() });
      this.emitState();
    }
  }

  // ---- identity -------------------------------------------------------------------------------

  /** The current attempt's signal, created on first read. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  get spec(): TaskSpec {
    return this.group.spec;
  }

  get flow(): FlowRun {
    return this.group.flow;
  }

  get parent(): RunRecord<unknown> | undefined {
    return this.group.parent;
  }

  /** A direct call: runs in the caller and takes no slot. */
  get direct(): boolean {
    return this.group.direct;
  }

  get id(): string {
    return (this.cachedId ??= `${this.flow.id}.${this.seq.toString(36)}`);
  }

  get name(): string {
    return this.renderedName ?? `${this.spec.name}-${this.nameIndex}`;
  }

  get taskName(): string {
    return this.spec.name;
  }

  get parentRunId(): string | undefined {
    return this.parent?.id;
  }

  /** Where a print in the body goes when the run's `logPrints` (its task's, else its flow's) is on. */
  printLogger(): Logger | undefined {
    const flow = this.flow;
    if (!(this.spec.logPrints ?? flow.logPrints)) return undefined;
    return runLogger(flow.logger, { flowName: flow.name, flowRunId: flow.id, taskName: this.spec.name, runName: this.name, runId: this.id, attempt: this.attempt });
  }

  // ---- state ----------------------------------------------------------------------------------

  get isTerminal(): boolean {
    return this.terminal;
  }

  get isCompleted(): boolean {
    return this.phase === 'Completed';
  }

  /** Scratch stamp for `awaitRuns` to tell distinct runs apart. @internal */
  awaitMark = 0;

  get state(): State<R> {
    if (this.isTerminal) this.observed = true;
    return this.buildState();
  }

  /** The state without marking a failure as seen. */
  peekState(): State<R> {
    return this.buildState();
  }

  protected buildState(): State<R> {
    // A transition nobody listened to was not time-stamped (a clock read per transition is a
    // measurable share of a trivial run); such a state is stamped when it is read.
    const timestamp = this.enteredAt ?? this.flow.scheduler.now();
    switch (this.phase) {
      case 'Pending':
        return { type: 'Pending', name: 'Pending', timestamp };
      case 'AwaitingRetry':
        return { type: 'Scheduled', name: 'AwaitingRetry', attempt: this.attempt + 1, timestamp };
      case 'Running':
      case 'Retrying':
        return { type: 'Running', name: this.phase, attempt: this.attempt, timestamp };
      case 'Completed':
      case 'Cached':
        return { type: 'Completed', name: (this.flags & CACHED) === 0 ? 'Completed' : 'Cached', value: this.value as R, timestamp };
      case 'Failed':
      case 'TimedOut':
      case 'UpstreamFailed':
        return { type: 'Failed', name: this.phase, error: this.error, timestamp };
      case 'Cancelled':
      case 'UpstreamCancelled':
        return { type: 'Cancelled', name: this.phase, error: this.error, timestamp };
      case 'Crashed':
        return { type: 'Crashed', name: 'Crashed', error: this.error, timestamp };
    }
  }

  /** True when the run failed (any failed or crashed state) and nothing looked at it. */
  isFailedUnobserved(): boolean {
    return !this.observed && (STATE_NAMES[this.phase] === 'Failed' || this.phase === 'Crashed');
  }

  failureError(): unknown {
    return this.error;
  }

  /** Marks the outcome as looked at: a failure then no longer fails the flow. */
  markObserved(): void {
    this.observed = true;
  }

  /** The value if the run completed, else its error (for `raiseOnFailure: false`). */
  outcomeValue(): unknown {
    return this.phase === 'Completed' ? this.value : this.error;
  }

  /** The value a downstream run receives: the value, or for an allowed failure the error. */
  outcomeForDownstream(): unknown {
    if (this.phase === 'Completed') return this.value;
    const error = this.error;
    return error instanceof Error ? error : new Error(String(error), { cause: error });
  }

  protected setPhase(phase: StateName): void {
    this.phase = phase;
    const flowListens = this.flow.hasListeners;
    if (this.stateListeners === undefined && !flowListens) {
      this.enteredAt = undefined;
      return;
    }
    this.enteredAt = this.flow.scheduler.now();
    this.emitState();
  }

  protected emitState(): void {
    const flowListens = this.flow.hasListeners;
    if (this.stateListeners === undefined && !flowListens) return;
    const state = this.buildState();
    if (flowListens) this.flow.emit({ type: 'run-state', ...this.eventBase(), state });
    if (this.stateListeners !== undefined) for (const listener of this.stateListeners.slice()) listener(state);
  }

  protected eventBase(): {
    timestamp: number;
    flowRunId: string;
    runId: string;
    runName: string;
    taskName: string;
    tags: readonly string[];
    parentRunId: string | undefined;
  } {
    return {
      timestamp: this.enteredAt ?? this.flow.scheduler.now(),
      flowRunId: this.flow.id,
      runId: this.id,
      runName: this.name,
      taskName: this.spec.name,
      tags: this.spec.tags,
      parentRunId: this.parent?.id,
    };
  }

  // ---- listeners (engine side) ----------------------------------------------------------------

  /** Calls `listener` once the run is terminal (at once if it is). */
  onTerminal(listener: Listener): void {
    if (this.terminal) listener(this as RunRecord<unknown>);
    else if (this.listener === undefined) this.listener = listener;
    else (this.listeners ??= []).push(listener);
  }

  offTerminal(listener: Listener): void {
    if (this.listener === listener) {
      this.listener = undefined;
      return;
    }
    const list = this.listeners;
    if (list === undefined) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

}

/**
 * The run whose body is executing now, if any: kept with the base class, so that waiting and
 * upstream code never import the class that builds on them. @internal
 */
export function currentRun(): RunRecord<unknown> | undefined {
  const scope = scopeStorage.getStore();
  // Another copy of sluice's run (or a remote run) is not this engine's.
  return scope instanceof RunRecord ? (scope as RunRecord<unknown>) : undefined;
}
