import type { Observable, Subscription, Unsubscribable } from 'rxjs';
import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import { checkParams, checkReturn } from '../codecs.js';
import {
  CancelledError,
  EmptyResultError,
  InvalidParamsError,
  InvalidReturnError,
  TaskRunError,
  RetriesExhaustedError,
  SelfDependencyError,
  TaskTimeoutError,
  UpstreamCancelledError,
  UpstreamFailedError,
  WaitTimeoutError,
} from '../errors.js';
import type { TaskFuture, ResultOptions } from '../future.js';
import type { State, StateName } from '../states.js';
import { STATE_NAMES } from '../states.js';
import { scopeStorage, type ScopeMarker } from './context.js';
import { rxjs } from './lazy.js';
import type { FlowRun, TrackedRun } from './flow-run.js';
import type { SlotWaiter, Slots } from './slots.js';
import type { TaskSpec } from './spec.js';
import { trampoline, trampolineCall } from './trampoline.js';
import { findUpstreams, substituteUpstreams, type Upstream } from './upstream.js';
import { awaitOne, checkTimeout } from './await.js';

type Listener = (run: Run<unknown>) => void;

/**
 * What the runs of one call have in common (one `submit`, or every run of one `map`): shared, so
 * a run carries one pointer instead of seven fields. @internal
 */
export interface RunGroup {
  readonly spec: TaskSpec;
  readonly flow: FlowRun;
  readonly parent: Run<unknown> | undefined;
  /** Argument positions to scan for futures; undefined scans all. */
  readonly argIndices: readonly number[] | undefined;
  readonly waitFor: readonly unknown[] | undefined;
  /** The map's own limit, if it has one. */
  readonly mapSlots: Slots | undefined;
  /** A direct call: runs in the caller, takes no slot. */
  readonly direct: boolean;
}

const TERMINAL = 1;
const OBSERVED = 2;
const HOLDS_SLOT = 4;
const HOLDS_MAP_SLOT = 8;
const LENT_SLOT = 16;

/** The fields of a run that most runs never use. @internal */
interface RunExtra<R> {
  renderedName?: string | undefined;
  cachedId?: string | undefined;
  listeners?: Listener[] | undefined;
  stateListeners?: ((state: State<R>) => void)[] | undefined;
  waits?: number;
  reclaim?: (() => void) | undefined;
  controller?: AbortController | undefined;
  bodySubscription?: Subscription | undefined;
  timer?: Unsubscribable | undefined;
  /** The promise `result()` hands out in the common case, and how to settle it. */
  result?: Promise<unknown>;
  settleResult?: { resolve(value: unknown): void; reject(error: unknown): void };
}

function callBody(run: Run<unknown>): unknown {
  return run.spec.fn(...run.args);
}

/**
 * One task run, and the future that stands for it. The run's work is a cold computation that
 * starts once (`start`), goes through resolve → name → gate → slot → body (with retries and a
 * time-out), and stores its outcome; every later reader gets the stored outcome and nothing runs
 * twice. Everything is driven by callbacks and the flow's scheduler, so a run whose body is an
 * Observable runs entirely in virtual time under `TestScheduler`; Promises appear only at the
 * `result()`/`wait()` edges.
 *
 * @internal
 */
export class Run<R> implements TaskFuture<R>, TrackedRun, ScopeMarker, SlotWaiter {
  /** Links in the flow's list of unfinished runs. @internal */
  prevLive: TrackedRun | undefined;
  /** @internal */
  nextLive: TrackedRun | undefined;
  private readonly group: RunGroup;
  args: unknown[];

  private readonly seq: number;
  private readonly nameIndex: number;

  private phase: StateName = 'Pending';
  /** Booleans, packed: a run is allocated per task call, and its size is what the GC copies. */
  private flags = 0;
  /** When the current state was entered; NaN when nobody was listening at the time. */
  private enteredAt = Number.NaN;
  attempt = 0;
  /** The value when `Completed`, else the error. */
  private outcome: unknown;

  // Most runs have at most one listener (a downstream, a list's result()): no array for it.
  private listener: Listener | undefined;
  /** What few runs need (names, signals, timers, waits), allocated on first use. */
  private extra: RunExtra<R> | undefined;

  get kind(): 'run' {
    return 'run';
  }

  private get terminal(): boolean {
    return (this.flags & TERMINAL) !== 0;
  }
  private get observed(): boolean {
    return (this.flags & OBSERVED) !== 0;
  }
  private set observed(on: boolean) {
    this.flags = on ? this.flags | OBSERVED : this.flags & ~OBSERVED;
  }
  private get holdsSlot(): boolean {
    return (this.flags & HOLDS_SLOT) !== 0;
  }
  private set holdsSlot(on: boolean) {
    this.flags = on ? this.flags | HOLDS_SLOT : this.flags & ~HOLDS_SLOT;
  }
  private get holdsMapSlot(): boolean {
    return (this.flags & HOLDS_MAP_SLOT) !== 0;
  }
  private set holdsMapSlot(on: boolean) {
    this.flags = on ? this.flags | HOLDS_MAP_SLOT : this.flags & ~HOLDS_MAP_SLOT;
  }
  private get lentSlot(): boolean {
    return (this.flags & LENT_SLOT) !== 0;
  }
  private set lentSlot(on: boolean) {
    this.flags = on ? this.flags | LENT_SLOT : this.flags & ~LENT_SLOT;
  }

  private get value(): R | undefined {
    return this.phase === 'Completed' ? (this.outcome as R) : undefined;
  }
  private get error(): unknown {
    return this.phase === 'Completed' ? undefined : this.outcome;
  }

  /** Reads a rarely used field; `undefined` when the run never needed it. */
  private get renderedName(): string | undefined {
    return this.extra?.renderedName;
  }
  private set renderedName(value: string | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).renderedName = value;
  }
  private get cachedId(): string | undefined {
    return this.extra?.cachedId;
  }
  private set cachedId(value: string | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).cachedId = value;
  }
  private get listeners(): Listener[] | undefined {
    return this.extra?.listeners;
  }
  private set listeners(value: Listener[] | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).listeners = value;
  }
  private get stateListeners(): ((state: State<R>) => void)[] | undefined {
    return this.extra?.stateListeners;
  }
  private set stateListeners(value: ((state: State<R>) => void)[] | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).stateListeners = value;
  }
  private get waits(): number {
    return this.extra?.waits ?? 0;
  }
  private set waits(value: number) {
    if (value !== 0 || this.extra !== undefined) (this.extra ??= {}).waits = value;
  }
  private get reclaim(): (() => void) | undefined {
    return this.extra?.reclaim;
  }
  private set reclaim(value: (() => void) | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).reclaim = value;
  }
  private get controller(): AbortController | undefined {
    return this.extra?.controller;
  }
  private set controller(value: AbortController | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).controller = value;
  }
  private get bodySubscription(): Subscription | undefined {
    return this.extra?.bodySubscription;
  }
  private set bodySubscription(value: Subscription | undefined) {
    if (value !== undefined || this.extra !== undefined) (this.extra ??= {}).bodySubscription = value;
  }
  private get timer(): Unsubscribable | undefined {
    return this.extra?.timer;
  }
  private set timer(value: Unsubscribable | undefined) {
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

  get spec(): TaskSpec {
    return this.group.spec;
  }

  get flow(): FlowRun {
    return this.group.flow;
  }

  get parent(): Run<unknown> | undefined {
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

  private buildState(): State<R> {
    // A transition nobody listened to was not time-stamped (a clock read per transition is a
    // measurable share of a trivial run); such a state is stamped when it is read.
    const timestamp = Number.isNaN(this.enteredAt) ? this.flow.scheduler.now() : this.enteredAt;
    switch (this.phase) {
      case 'Pending':
        return { type: 'Pending', name: 'Pending', timestamp };
      case 'AwaitingRetry':
        return { type: 'Scheduled', name: 'AwaitingRetry', attempt: this.attempt + 1, timestamp };
      case 'Running':
      case 'Retrying':
        return { type: 'Running', name: this.phase, attempt: this.attempt, timestamp };
      case 'Completed':
        return { type: 'Completed', name: 'Completed', value: this.value as R, timestamp };
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

  private setPhase(phase: StateName): void {
    this.phase = phase;
    const flowListens = this.flow.hasListeners;
    if (this.stateListeners === undefined && !flowListens) {
      this.enteredAt = Number.NaN;
      return;
    }
    this.enteredAt = this.flow.scheduler.now();
    this.emitState();
  }

  private emitState(): void {
    const flowListens = this.flow.hasListeners;
    if (this.stateListeners === undefined && !flowListens) return;
    const state = this.buildState();
    if (flowListens) this.flow.emit({ type: 'run-state', ...this.eventBase(), state });
    if (this.stateListeners !== undefined) for (const listener of this.stateListeners.slice()) listener(state);
  }

  private eventBase(): {
    timestamp: number;
    flowRunId: string;
    runId: string;
    runName: string;
    taskName: string;
    parentRunId: string | undefined;
  } {
    return {
      timestamp: this.enteredAt,
      flowRunId: this.flow.id,
      runId: this.id,
      runName: this.name,
      taskName: this.spec.name,
      parentRunId: this.parent?.id,
    };
  }

  // ---- listeners (engine side) ----------------------------------------------------------------

  /** Calls `listener` once the run is terminal (at once if it is). */
  onTerminal(listener: Listener): void {
    if (this.terminal) listener(this as Run<unknown>);
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

  // ---- the run --------------------------------------------------------------------------------

  /**
   * Starts the run, in the engine's order: resolve argument futures → render the name (it sees
   * values) → wait for `waitFor` → take slots → run. Nothing before the slot holds one.
   * Called once, by the engine.
   */
  start(): void {
    const upstreams = findUpstreams(this.args, this.group.argIndices, this.group.waitFor);
    if (upstreams === undefined) {
      if (this.renderName() && this.paramsFit()) this.takeSlots();
      return;
    }
    for (const up of upstreams) {
      if (this.dependsOnItself(up.run)) {
        const where = up.arg < 0 ? 'waitFor' : `argument ${up.arg}${up.key === undefined ? '' : `[${String(up.key)}]`}`;
        this.settle('Failed', undefined, new SelfDependencyError(this, where, up.run.name));
        return;
      }
    }
    const argUps = upstreams.filter((up) => up.arg >= 0);
    const gateUps = argUps.length === upstreams.length ? [] : upstreams.filter((up) => up.arg < 0);
    this.awaitUpstreams(argUps, () => {
      if (this.failOnUpstream(argUps)) return;
      if (argUps.length > 0) this.args = substituteUpstreams(this.args, argUps);
      if (!this.renderName() || !this.paramsFit()) return;
      this.awaitUpstreams(gateUps, () => {
        if (!this.failOnUpstream(gateUps)) this.takeSlots();
      });
    });
  }

  /** Calls `then` once every upstream is terminal (at once when there are none). */
  private awaitUpstreams(upstreams: readonly Upstream[], then: () => void): void {
    let blockers = 0;
    for (const up of upstreams) if (!up.run.isTerminal) blockers++;
    if (blockers === 0) {
      then();
      return;
    }
    // A direct call waiting on its upstreams keeps its caller waiting: the caller's slot is lent out.
    if (this.direct) this.beginWait();
    const onUpstreamDone: Listener = () => {
      if (--blockers > 0) return;
      if (!this.direct) {
        if (!this.isTerminal) then();
        return;
      }
      this.endWait(() => {
        if (!this.isTerminal) then();
      });
    };
    for (const up of upstreams) if (!up.run.isTerminal) up.run.onTerminal(onUpstreamDone);
  }

  private dependsOnItself(upstream: Run<unknown>): boolean {
    for (let r: Run<unknown> | undefined = this as Run<unknown>; r !== undefined; r = r.parent) {
      if (r === upstream) return true;
    }
    return false;
  }

  /** Ends the run if an upstream did not complete and its failure is not allowed. */
  private failOnUpstream(upstreams: readonly Upstream[]): boolean {
    for (const up of upstreams) {
      const upRun = up.run;
      const phase = upRun.phase;
      if (phase === 'Completed') continue;
      upRun.markObserved();
      const admitted =
        up.allowed !== undefined &&
        (phase === 'Failed' || phase === 'TimedOut' || (phase === 'UpstreamFailed' && up.allowed.includeBlocked));
      if (admitted) continue;
      const info = { upstreamRunId: upRun.id, upstreamRunName: upRun.name, upstreamTaskName: upRun.taskName };
      if (STATE_NAMES[phase] === 'Failed') {
        this.settle('UpstreamFailed', undefined, new UpstreamFailedError(this, info, upRun.error));
      } else {
        this.settle('UpstreamCancelled', undefined, new UpstreamCancelledError(this, info, upRun.error));
      }
      return true;
    }
    return false;
  }

  /**
   * Checks the argument values against the task's `params` codec, and with the runner (can they
   * cross to where it runs bodies?); a misfit fails the run unstarted.
   */
  private paramsFit(): boolean {
    const codec = this.spec.params;
    if (codec !== undefined) {
      const problems = checkParams(codec, this.args);
      if (problems.length > 0) {
        this.settle('Failed', undefined, new InvalidParamsError(this.spec.name, problems));
        return false;
      }
    }
    const runner = this.flow.runner;
    if (runner.checkArgs !== undefined && !this.direct) {
      try {
        runner.checkArgs(this.spec, this.args);
      } catch (error) {
        this.settle('Failed', undefined, error);
        return false;
      }
    }
    return true;
  }

  /** Renders `taskRunName` from the argument values; a renderer that throws fails the run. */
  private renderName(): boolean {
    const render = this.spec.taskRunName;
    if (render === undefined) return true;
    try {
      this.renderedName = render(...this.args);
      return true;
    } catch (error) {
      this.settle('Failed', undefined, error);
      return false;
    }
  }

  /** Takes the map's slot, then the runner's (a direct call takes none), then runs. */
  private takeSlots(): void {
    if (this.direct) {
      trampoline(() => {
        this.runAttempt();
      });
    } else if (this.group.mapSlots !== undefined) {
      this.group.mapSlots.acquire({
        wantsSlot: () => !this.isTerminal,
        onSlot: () => {
          this.holdsMapSlot = true;
          if (this.isTerminal) this.releaseSlots();
          else this.flow.slots.acquire(this);
        },
      });
    } else {
      this.flow.slots.acquire(this);
    }
  }

  wantsSlot(): boolean {
    return !this.isTerminal;
  }

  onSlot(): void {
    this.holdsSlot = true;
    if (this.isTerminal) this.releaseSlots();
    else this.runAttempt();
  }

  private runAttempt(): void {
    this.attempt++;
    this.controller = undefined;
    this.setPhase(this.attempt === 1 ? 'Running' : 'Retrying');
    const attempt = this.attempt;
    const timeout = this.spec.timeout;
    if (timeout !== undefined) {
      this.timer = this.flow.scheduler.schedule(() => {
        this.onTimeout(attempt, timeout);
      }, timeout);
    }
    let out: unknown;
    try {
      const runner = this.flow.runner;
      out =
        runner.execute === undefined
          ? scopeStorage.run(this, callBody, this as Run<unknown>)
          : runner.execute({ task: this.spec, args: this.args, runId: this.id, runName: this.name, attempt });
    } catch (error) {
      this.attemptFailed(attempt, error, false);
      return;
    }
    // Promises first: they are the common case, and cheaper to recognise than an Observable.
    if (typeof out === 'object' && out !== null && typeof (out as PromiseLike<unknown>).then === 'function') {
      void this.settleFrom(out as PromiseLike<R>, attempt);
    } else if (rxjs().isObservable(out)) {
      this.subscribeBody(out, attempt);
    } else {
      this.attemptSucceeded(attempt, out as R);
    }
  }

  /** Waits for a Promise body: `await` allocates less than `then` with two closures. */
  private async settleFrom(body: PromiseLike<R>, attempt: number): Promise<void> {
    let value: R;
    try {
      value = await body;
    } catch (error) {
      this.attemptFailed(attempt, error, false);
      return;
    }
    this.attemptSucceeded(attempt, value);
  }

  private subscribeBody(body: Observable<unknown>, attempt: number): void {
    let last: unknown;
    let has = false;
    const subscription = scopeStorage.run(this, () =>
      body.subscribe({
        next: (value) => {
          last = value;
          has = true;
        },
        error: (error: unknown) => {
          this.attemptFailed(attempt, error, false);
        },
        complete: () => {
          if (has) this.attemptSucceeded(attempt, last as R);
          else this.attemptFailed(attempt, new EmptyResultError(this.spec.name, this.name), false);
        },
      }),
    );
    // A synchronous body has already finished and must not be unsubscribed later by accident.
    if (!this.isTerminal && this.attempt === attempt) this.bodySubscription = subscription;
  }

  private onTimeout(attempt: number, timeout: number): void {
    if (attempt !== this.attempt || this.isTerminal) return;
    const error = new TaskTimeoutError(this, timeout);
    this.stopBody(error);
    this.attemptFailed(attempt, error, true);
  }

  /** Stops the current attempt's body: abort its signal, unsubscribe its Observable. */
  private stopBody(reason: unknown): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.controller?.abort(reason);
    const subscription = this.bodySubscription;
    this.bodySubscription = undefined;
    subscription?.unsubscribe();
  }

  private attemptSucceeded(attempt: number, value: R): void {
    if (attempt !== this.attempt || this.isTerminal) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.bodySubscription = undefined;
    const codec = this.spec.returns;
    if (codec !== undefined) {
      const problems = checkReturn(codec, value);
      // Not retried: the same body would return the same kind of value.
      if (problems.length > 0) {
        this.settle('Failed', undefined, new InvalidReturnError(this.spec.name, problems));
        return;
      }
    }
    this.settle('Completed', value, undefined);
  }

  private attemptFailed(attempt: number, error: unknown, timedOut: boolean): void {
    if (attempt !== this.attempt || this.isTerminal) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.bodySubscription = undefined;
    const spec = this.spec;
    if (attempt <= spec.retries && this.shouldRetry(error)) {
      let delay: number;
      try {
        delay = this.retryDelay(attempt, error);
      } catch (delayError) {
        // A delay function (or random source) that throws ends the run with its error.
        this.settle('Failed', undefined, delayError);
        return;
      }
      if (delay > 0) {
        this.setPhase('AwaitingRetry');
        this.timer = this.flow.scheduler.schedule(() => {
          this.timer = undefined;
          if (!this.isTerminal) this.runAttempt();
        }, delay);
      } else {
        trampoline(() => {
          if (!this.isTerminal) this.runAttempt();
        });
      }
      return;
    }
    // Only a run that was actually retried wraps its error with the number of attempts.
    const final = attempt > 1 ? new RetriesExhaustedError(this, attempt, error) : error;
    this.settle(timedOut ? 'TimedOut' : 'Failed', undefined, final);
  }

  private retryDelay(attempt: number, error: unknown): number {
    const spec = this.spec;
    const base = spec.retryDelay(attempt, error);
    const jitter = spec.retryJitterFactor;
    return jitter > 0 ? Math.max(0, base * (1 + jitter * (2 * spec.random() - 1))) : base;
  }

  private shouldRetry(error: unknown): boolean {
    const condition = this.spec.retryCondition;
    if (condition === undefined) return true;
    try {
      return condition(error);
    } catch {
      // A retry condition that throws cannot say yes.
      return false;
    }
  }

  /** Cancels the run if it has not finished. Returns true if this call cancelled it. */
  cancel(reason = 'cancel() was called'): boolean {
    if (this.isTerminal) return false;
    const error = new CancelledError(this, reason);
    this.stopBody(error);
    this.settle('Cancelled', undefined, error);
    return true;
  }

  private releaseSlots(): void {
    if (this.holdsSlot) {
      this.holdsSlot = false;
      this.flow.slots.release();
    }
    if (this.holdsMapSlot) {
      this.holdsMapSlot = false;
      this.group.mapSlots?.release();
    }
  }

  private settle(phase: StateName, value: R | undefined, error: unknown): void {
    this.flags |= TERMINAL;
    this.outcome = phase === 'Completed' ? value : error;
    this.setPhase(phase);
    this.releaseSlots();
    const reclaim = this.reclaim;
    this.reclaim = undefined;
    reclaim?.();
    const settleResult = this.extra?.settleResult;
    if (settleResult !== undefined) {
      if (phase === 'Completed') settleResult.resolve(value);
      else settleResult.reject(error);
    }
    this.stateListeners = undefined;
    const first = this.listener;
    const listeners = this.listeners;
    this.listener = undefined;
    this.listeners = undefined;
    if (first !== undefined) trampolineCall(first, this as Run<unknown>);
    if (listeners !== undefined) for (const listener of listeners) trampolineCall(listener, this as Run<unknown>);
    this.flow.runSettled(this, STATE_NAMES[phase] === 'Failed' || phase === 'Crashed');
  }

  // ---- a body waiting on other runs lends its slot --------------------------------------------

  /** The run whose slot a body's wait would hold: a direct call runs in its caller's slot. */
  private slotOwner(): Run<unknown> | undefined {
    let r: Run<unknown> | undefined = this as Run<unknown>;
    while (r !== undefined && r.direct) r = r.parent;
    return r;
  }

  /** The body of this run starts waiting on other runs: its slot goes to someone else meanwhile. */
  beginWait(): void {
    const owner = this.slotOwner();
    if (owner === undefined) return;
    if (owner.waits++ === 0 && owner.holdsSlot) {
      owner.holdsSlot = false;
      owner.lentSlot = true;
      owner.flow.slots.release();
    }
  }

  /** The wait is over: take the slot back (ahead of queued runs) before the body goes on. */
  endWait(resume: () => void): void {
    const owner = this.slotOwner();
    if (owner === undefined) {
      resume();
      return;
    }
    if (--owner.waits > 0 || !owner.lentSlot || owner.isTerminal) {
      resume();
      return;
    }
    owner.lentSlot = false;
    owner.reclaim = resume;
    owner.flow.slots.reacquire({
      wantsSlot: () => !owner.isTerminal,
      onSlot: () => {
        const pending = owner.reclaim;
        owner.reclaim = undefined;
        if (owner.isTerminal) owner.flow.slots.release();
        else owner.holdsSlot = true;
        pending?.();
      },
    });
  }

  // ---- run context ----------------------------------------------------------------------------

  /** The current attempt's signal, created on first read. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  // ---- the future's API -----------------------------------------------------------------------

  result(options: ResultOptions & { readonly raiseOnFailure: false }): Promise<unknown>;
  result(options?: ResultOptions): Promise<R>;
  result(options: ResultOptions = {}): Promise<unknown> {
    const timeout = options.timeout;
    if (timeout !== undefined) {
      const problem = checkTimeout(timeout, `result() of task run "${this.name}"`);
      if (problem !== undefined) return Promise.reject(problem);
    }
    this.observed = true;
    // The common case (no options, outside a task body) shares one promise per run, settled by
    // the run itself: no waiter closures per call.
    if (timeout === undefined && options.raiseOnFailure !== false && !this.terminal && currentRun() === undefined) {
      const extra = (this.extra ??= {});
      return (extra.result ??= new Promise((resolve, reject) => {
        extra.settleResult = { resolve, reject };
      }));
    }
    return new Promise((resolve, reject) => {
      awaitOne(this as Run<unknown>, { timeout, scheduler: this.flow.scheduler, stopOnFailure: false }, (timedOut) => {
        if (timedOut) {
          reject(new WaitTimeoutError(`task run "${this.name}" (id ${this.id}) did not finish within ${timeout}ms`));
        } else if (this.phase === 'Completed') {
          resolve(this.value);
        } else if (options.raiseOnFailure === false) {
          resolve(this.error);
        } else {
          reject(this.error);
        }
      });
    });
  }

  wait(timeout?: number): Promise<void> {
    if (timeout !== undefined) {
      const problem = checkTimeout(timeout, `wait() of task run "${this.name}"`);
      if (problem !== undefined) return Promise.reject(problem);
    }
    return new Promise((resolve) => {
      awaitOne(this as Run<unknown>, { timeout, scheduler: this.flow.scheduler, stopOnFailure: false }, () => {
        resolve();
      });
    });
  }

  either(): Promise<Either<TaskRunError, R>> {
    this.observed = true;
    return new Promise((resolve) => {
      awaitOne(this as Run<unknown>, { timeout: undefined, scheduler: this.flow.scheduler, stopOnFailure: false }, () => {
        resolve(
          this.phase === 'Completed'
            ? { _tag: 'Right', right: this.value as R }
            : { _tag: 'Left', left: new TaskRunError(this, this.phase, this.error) },
        );
      });
    });
  }

  taskEither(): TaskEither<TaskRunError, R> {
    return () => this.either();
  }

  get result$(): Observable<R> {
    return new (rxjs().Observable)<R>((subscriber) => {
      this.observed = true;
      const deliver = (): void => {
        if (this.phase === 'Completed') {
          subscriber.next(this.value as R);
          subscriber.complete();
        } else {
          subscriber.error(this.error);
        }
      };
      if (this.isTerminal) {
        deliver();
        return undefined;
      }
      const waiter = currentRun();
      waiter?.beginWait();
      const listener: Listener = () => {
        if (waiter === undefined) deliver();
        else waiter.endWait(deliver);
      };
      this.onTerminal(listener);
      return () => {
        if (!this.isTerminal) {
          this.offTerminal(listener);
          waiter?.endWait(() => undefined);
        }
      };
    });
  }

  get state$(): Observable<State<R>> {
    return new (rxjs().Observable)<State<R>>((subscriber) => {
      if (this.isTerminal) {
        this.observed = true;
        subscriber.next(this.buildState());
        subscriber.complete();
        return undefined;
      }
      subscriber.next(this.buildState());
      const listener = (state: State<R>): void => {
        subscriber.next(state);
        if (this.isTerminal) {
          this.observed = true;
          subscriber.complete();
        }
      };
      (this.stateListeners ??= []).push(listener);
      return () => {
        const list = this.stateListeners;
        if (list === undefined) return;
        const i = list.indexOf(listener);
        if (i >= 0) list.splice(i, 1);
      };
    });
  }

  toString(): string {
    return `TaskFuture(${this.name}: ${this.phase})`;
  }
}

/** The run whose body is executing now, if any. @internal */
export function currentRun(): Run<unknown> | undefined {
  const scope = scopeStorage.getStore();
  return scope !== undefined && scope.kind === 'run' ? (scope as Run<unknown>) : undefined;
}
