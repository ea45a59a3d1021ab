import type { Observable, SchedulerLike, Subject } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import type { TaskRunner } from '../runners/runner.js';
import type { FlowEvent } from '../core/events.js';
import type { ScopeMarker } from '../core/scope-storage.js';
import { Deque } from '../core/deque.js';
import { Slots } from './slots.js';
import { runLogger, type Logger } from '../core/logger.js';
import type { CacheOptions } from '../cache/cache-options.js';
import type { LimitsHome } from '../limits/home.js';
import { DEFAULT_HOOK_TIMEOUT } from '../core/hooks.js';

let flowSeq = 0;
// Ids must not collide between processes (runs cross Redis later), yet cost nothing per run:
// one random prefix per process, then counters.
const processPrefix = Math.floor(Math.random() * 0x100000000)
  .toString(16)
  .padStart(8, '0');

/** What a flow run needs to know about the runs it started. @internal */
export interface TrackedRun {
  prevLive: TrackedRun | undefined;
  nextLive: TrackedRun | undefined;
  readonly id: string;
  readonly name: string;
  readonly taskName: string;
  isFailedUnobserved(): boolean;
  failureError(): unknown;
  cancel(reason?: string, cause?: unknown): boolean;
}

/** How a run ended, as its flow counts it: 0 completed, 1 failed or crashed, 2 cancelled. @internal */
export type RunEnd = 0 | 1 | 2;

/** Why a flow run was cancelled from outside: what its error says, and the user's own reason. @internal */
export interface Cancellation {
  /** Says what cancelled it, e.g. `its signal was aborted`. */
  readonly reason: string;
  /** The user's abort reason (a signal's `reason`, `cancel(reason)`'s argument), if any. */
  readonly cause: unknown;
}

/** Where a subflow was called: the flow run whose function (or task body) called it. @internal */
export interface FlowParent {
  readonly flow: FlowRun;
  /** The task run in whose body the subflow was called, if it was called in one. */
  readonly run: { readonly id: string; readonly name: string; readonly signal: AbortSignal } | undefined;
}

/** A run whose start `submit` and `map` leave to {@link FlowRun.startSoon}. @internal */
export interface StartableRun {
  readonly isTerminal: boolean;
  start(): void;
}

/**
 * One execution of a flow (or the ambient scope used outside flows): its runner and slots, the
 * runs it started, and its event stream. Runs register when created and unregister when they
 * reach a terminal state; the flow settles only once none is left.
 *
 * @internal
 */
export class FlowRun implements ScopeMarker {
  readonly kind = 'flow' as const;
  readonly id: string;
  readonly slots: Slots;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly failed: TrackedRun[] = [];
  /** Unfinished runs, as an intrusive doubly linked list: O(1) in and out, no hashing. */
  private liveHead: TrackedRun | undefined;
  private readonly counters = new Map<string, number>();
  private runSeq = 0;
  private events: Subject<FlowEvent> | undefined;
  /** Set once the flow has settled: later submits from stray callbacks go to the default runner. */
  closed = false;
  /** The flow's logger for its runs' `getRunContext().logger` (the console when undefined). */
  logger: Logger | undefined;
  /** Prints in the flow's function (and in its runs' bodies, unless their task says) go to its logger. */
  logPrints: boolean;
  /**
   * Runs an in-process body in a scope of an observer's (tracing: the run's span), or undefined
   * when none asked: one check per attempt on the hot path.
   */
  bodyScope: (<T>(runId: string, body: () => T) => T) | undefined;
  private recording = false;
  /** Set once something outside cancelled the flow run (its signal, its handle, its parent). */
  cancellation: Cancellation | undefined;
  /** The run's name, rendered from `flowRunName`; undefined when the flow has none. */
  runName: string | undefined;
  /** The arguments the flow was called with (for the `flowParameters` cache policy). */
  parameters: readonly unknown[] = [];
  /** The caching options of the flow, for its tasks that set none (a subflow's default: its parent's). */
  cache: CacheOptions | undefined;
  /** The flow's shared limits (a subflow's default: its parent's); undefined uses the process's default. */
  limits: LimitsHome | undefined;
  /** How long (ms) the flow waits for each hook call that returns a Promise or an Observable. */
  hookTimeout = DEFAULT_HOOK_TIMEOUT;
  /** The attempt running (1 for the first): a flow with `retries` runs its function again. */
  attempt = 1;
  /** Set when an attempt ran past the flow's `timeout`: it was cancelled for that, not from outside. */
  timedOut = false;
  /** Called once when the flow run is cancelled (a retry delay then ends at once). */
  onCancel: (() => void) | undefined;
  /** Runs of this flow run that ended `Cancelled` or `UpstreamCancelled`. */
  cancelledRuns = 0;
  /** Subflows called in this flow run that have not settled: they are cancelled with it. */
  private children: Set<FlowRun> | undefined;
  /** Runs submitted since the last `startSoon` drain, and whether one is scheduled. */
  private toStart: Deque<StartableRun> | undefined;
  private startScheduled = false;

  constructor(
    readonly name: string,
    readonly runner: TaskRunner,
    readonly scheduler: SchedulerLike,
    /** False for the ambient scope: nothing waits for it, so it keeps no record of its runs. */
    readonly tracked: boolean,
    /** For a subflow, where it was called; its events also go to that flow run's stream. */
    readonly parent?: FlowParent,
  ) {
    this.id = `${processPrefix}-${(flowSeq++).toString(36)}`;
    this.slots = new Slots(runner.maxConcurrency);
    this.cache = parent?.flow.cache;
    this.limits = parent?.flow.limits;
    this.logPrints = parent?.flow.logPrints ?? false;
  }

  /** The logger of the flow's function and hooks: its `logger` (or the console) with its fields bound. */
  flowLogger(): Logger {
    return runLogger(this.logger, { flowName: this.name, flowRunId: this.id });
  }

  /** Where a print in the flow's function (or a hook) goes when the flow's `logPrints` is on. */
  printLogger(): Logger | undefined {
    return this.logPrints ? this.flowLogger() : undefined;
  }

  /** A new run's sequence number in this flow. */
  nextRunSeq(): number {
    return this.runSeq++;
  }

  /**
   * Reserves `count` default name numbers for runs of `taskName` (runs are named `name-0`,
   * `name-1`, ...) and returns the first: a map reserves all of its runs' at once.
   */
  reserveNames(taskName: string, count: number): number {
    const n = this.counters.get(taskName) ?? 0;
    this.counters.set(taskName, n + count);
    return n;
  }

  /**
   * Starts `run` after the caller's synchronous code: on the next microtask (one for a whole
   * submit loop), or in the current frame of a virtual scheduler, so a marble test's runs still
   * start in virtual time. A body then never runs inside `submit` or `map`, and whoever
   * subscribes to a run's states right after submitting it sees every one of them.
   */
  startSoon(run: StartableRun): void {
    (this.toStart ??= new Deque()).push(run);
    if (this.startScheduled) return;
    this.startScheduled = true;
    const rx = rxjs();
    const scheduler = this.scheduler;
    // asapScheduler is a microtask, or virtual inside `TestScheduler.run`.
    (scheduler instanceof rx.VirtualTimeScheduler ? scheduler : rx.asapScheduler).schedule(this.startQueued);
  }

  private readonly startQueued = (): void => {
    const runs = this.toStart;
    // Runs submitted while these start (by their bodies) wait for the next drain: after the
    // synchronous code of their caller too.
    this.toStart = undefined;
    this.startScheduled = false;
    if (runs === undefined) return;
    for (let run = runs.shift(); run !== undefined; run = runs.shift()) if (!run.isTerminal) run.start();
  };

  runStarted(run: TrackedRun): void {
    this.active++;
    if (!this.tracked) return;
    const head = this.liveHead;
    run.nextLive = head;
    if (head !== undefined) head.prevLive = run;
    this.liveHead = run;
  }

  runSettled(run: TrackedRun, end: RunEnd): void {
    if (this.tracked) {
      const { prevLive, nextLive } = run;
      if (prevLive !== undefined) prevLive.nextLive = nextLive;
      else if (this.liveHead === run) this.liveHead = nextLive;
      if (nextLive !== undefined) nextLive.prevLive = prevLive;
      run.prevLive = run.nextLive = undefined;
      if (end === 1) this.failed.push(run);
      else if (end === 2) this.cancelledRuns++;
    }
    this.settledOne();
  }

  private settledOne(): void {
    if (--this.active === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  /**
   * Work a run left behind that must finish before the flow settles (giving back a cache lock:
   * a process that ends with the flow would otherwise leave the lock held until its lease ends).
   */
  settleAfter(work: PromiseLike<unknown>): void {
    this.active++;
    const done = (): void => {
      this.settledOne();
    };
    work.then(done, done);
  }

  /** A hook call returned a Promise or an Observable: the flow does not settle before it ends (or times out). */
  hookStarted(): void {
    this.active++;
  }

  /** A hook call that {@link hookStarted} ended, or ran past the flow's `hookTimeout`. */
  hookFinished(): void {
    this.settledOne();
  }

  /** A subflow called in this flow run started: this flow run does not settle before it. */
  childStarted(child: FlowRun): void {
    this.active++;
    (this.children ??= new Set()).add(child);
  }

  /** A subflow called in this flow run settled. */
  childSettled(child: FlowRun): void {
    if (this.children?.delete(child) !== true) return;
    this.settledOne();
  }

  /** Calls `done` once no run of this flow is left unfinished (at once if none is). */
  whenIdle(done: () => void): void {
    if (this.active === 0) done();
    else this.idleWaiters.push(done);
  }

  /** Cancels every run of this flow that has not finished, and every subflow it called. */
  cancelAll(reason: string, cause?: unknown): void {
    const runs: TrackedRun[] = [];
    for (let run = this.liveHead; run !== undefined; run = run.nextLive) runs.push(run);
    for (const run of runs) run.cancel(reason, cause);
    if (this.children !== undefined) {
      for (const child of [...this.children]) child.cancel({ reason: `its parent flow "${this.name}" was cancelled or ended`, cause });
    }
  }

  /**
   * Cancels the flow run from outside (its signal, its handle, its parent): every unfinished run
   * and subflow is cancelled, runs submitted later are cancelled as they start, and the flow
   * rejects with one `CancelledError`. The first cancellation wins.
   */
  cancel(cancellation: Cancellation): void {
    if (this.closed || this.cancellation !== undefined) return;
    this.cancellation = cancellation;
    this.cancelAll(`flow "${this.name}" was cancelled: ${cancellation.reason}`, cancellation.cause);
    const onCancel = this.onCancel;
    this.onCancel = undefined;
    onCancel?.();
  }

  /** A new attempt starts: the failures of the one before no longer fail the flow run. */
  nextAttempt(): void {
    this.attempt++;
    this.failed.length = 0;
  }

  /** Failed runs that nothing looked at. */
  unobservedFailures(): TrackedRun[] {
    return this.failed.filter((run) => run.isFailedUnobserved());
  }

  /**
   * Keeps every event from now on for later subscribers (a test that subscribes after the flow
   * started). Costs memory per event: for tests, not for production flows.
   */
  recordEvents(): void {
    this.events ??= new (rxjs().ReplaySubject)<FlowEvent>();
    this.recording = true;
  }

  /**
   * True when someone listens to this flow's events (or, for a subflow, to its parent's): only
   * then are events built.
   */
  get hasListeners(): boolean {
    return (this.events !== undefined && (this.recording || this.events.observed)) || (this.parent?.flow.hasListeners ?? false);
  }

  /** Emits on this flow run's stream and, for a subflow, on its parent's (which records it too). */
  emit(event: FlowEvent): void {
    this.events?.next(event);
    this.parent?.flow.emit(event);
  }

  get events$(): Observable<FlowEvent> {
    this.events ??= new (rxjs().Subject)<FlowEvent>();
    return this.events.asObservable();
  }

  close(): void {
    this.closed = true;
  }

  /** Ends the event stream: the flow has settled. */
  completeEvents(): void {
    this.events?.complete();
  }
}
