import type { Observable } from 'rxjs';
import { checkParams, checkReturn, checkSchemaParams, checkSchema } from '../core/codecs.js';
import { isSluiceError } from '../core/errors/base.js';
import { SelfDependencyError, UpstreamCancelledError, UpstreamFailedError } from '../core/errors/upstream.js';
import { CancelledError } from '../core/errors/cancelled.js';
import { EmptyResultError, RetriesExhaustedError, TaskTimeoutError } from '../core/errors/run.js';
import { InvalidParamsError, InvalidReturnError } from '../core/errors/codec.js';
import type { TaskFuture } from '../core/future.js';
import type { StateName } from '../core/states.js';
import { STATE_NAMES } from '../core/states.js';
import { scopeStorage, type ScopeMarker } from '../core/scope-storage.js';
import { START_ATTEMPT, type AttemptSink, type AttemptStarter, type RunnerCache, type RunnerCall } from '../runners/runner.js';
import type { TrackedRun } from './flow-run.js';
import { rxjs } from '../core/lazy-rxjs.js';
import { RunFuture } from './run-future.js';
import { BODY_LIVE, CACHED, DEFERRED_ARGS, HOLDS_MAP_SLOT, HOLDS_SLOT, HOLDS_TAGS, TERMINAL, WAITS_TAGS, type Listener, type RunRecord } from './run-record.js';
import { LimitsUnavailableError, TagLimitZeroError } from '../core/errors/limits.js';
import type { LimitWaiter } from '../limits/home.js';
import type { TagGate } from '../limits/tags.js';
import { lookUpCache, storeResult, type CacheHost } from './run-cache.js';
import type { RunWarningCode } from '../core/events.js';
import { runLogger } from '../core/logger.js';
import type { SlotWaiter } from './slots.js';
import { trampoline, trampolineCall } from '../core/trampoline.js';
import { findUpstreams, substituteUpstreams, type Upstream } from './upstream.js';
import type { HookedTaskRun, HookName } from '../core/hooks.js';
import { callHooks } from './hooks.js';

export type { RunGroup } from './run-record.js';

const NO_ARGS: unknown[] = [];
const NOOP = (): void => undefined;

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
export class Run<R> extends RunFuture<R> implements TaskFuture<R>, TrackedRun, ScopeMarker, SlotWaiter, CacheHost, LimitWaiter {
  // ---- the run --------------------------------------------------------------------------------

  /**
   * Starts the run, in the engine's order: resolve argument futures → render the name (it sees
   * values) → wait for `waitFor` → take slots → run. Nothing before the slot holds one.
   * Called once, by the engine.
   */
  start(): void {
    const cancelled = this.flow.cancellation;
    if (cancelled !== undefined) {
      // Submitted after its flow was cancelled (by code still running in the flow's function).
      this.cancel(`flow "${this.flow.name}" was cancelled: ${cancelled.reason}`, cancelled.cause);
      return;
    }
    if (this.args === DEFERRED_ARGS) {
      if (this.group.cache === undefined) {
        this.takeSlots();
        return;
      }
      // The key is made of the arguments: build them now.
      this.args = (this.group.argsOf as (nameIndex: number) => unknown[])(this.nameIndex);
    }
    const upstreams = findUpstreams(this.args, this.group.argIndices, this.group.waitFor);
    if (upstreams === undefined) {
      if (this.renderName() && this.paramsFit()) this.ready();
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
      // Also when there is no future: quote/opaque wrappers are taken off.
      if (upstreams.positions.length > 0) this.args = substituteUpstreams(this.args, upstreams);
      if (!this.renderName() || !this.paramsFit()) return;
      this.awaitUpstreams(gateUps, () => {
        if (!this.failOnUpstream(gateUps)) this.ready();
      });
    });
  }

  /** Calls `then` once every upstream is terminal (at once when there are none). */
  protected awaitUpstreams(upstreams: readonly Upstream[], then: () => void): void {
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

  protected dependsOnItself(upstream: RunRecord<unknown>): boolean {
    for (let r: RunRecord<unknown> | undefined = this as Run<unknown>; r !== undefined; r = r.parent) {
      if (r === upstream) return true;
    }
    return false;
  }

  /** Ends the run if an upstream did not complete and its failure is not allowed. */
  protected failOnUpstream(upstreams: readonly Upstream[]): boolean {
    for (const up of upstreams) {
      // Every upstream is a run of this engine (found by class).
      const upRun = up.run as Run<unknown>;
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
  protected paramsFit(): boolean {
    const codec = this.spec.params;
    if (codec !== undefined) {
      const problems = checkParams(codec, this.args);
      if (problems.length > 0) {
        this.settle('Failed', undefined, new InvalidParamsError(this.spec.name, problems));
        return false;
      }
    }
    const runner = this.flow.runner;
    const schema = this.spec.paramsSchema;
    if (schema !== undefined) {
      const checked = checkSchemaParams(schema, this.args);
      if (!checked.ok) {
        this.settle('Failed', undefined, new InvalidParamsError(this.spec.name, checked.problems));
        return false;
      }
      // A body in this process gets the schema's output; a runner that sends the run elsewhere
      // sends the arguments as given, and they are validated again where the body runs.
      if (runner.execute === undefined) this.args = checked.value as unknown[];
    }
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
  protected renderName(): boolean {
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

  /** The gates are open: the cache has its turn (a hit takes no slot), then the slots. */
  protected ready(): void {
    const cache = this.group.cache;
    if (cache === undefined) this.takeSlots();
    else lookUpCache(this, cache);
  }

  /** @internal (the cache calls it) */
  cacheHit(value: unknown): void {
    if (this.isTerminal) return;
    this.flags |= CACHED;
    this.settle('Completed', value as R, undefined);
  }

  /** @internal (the cache calls it) */
  cacheMiss(key: string | undefined): void {
    if (this.isTerminal) return;
    this.cacheKey = key;
    this.takeSlots();
  }

  /** The cache key a runner is told, when the value is to be cached and may be taken from work finished elsewhere. */
  private runnerCache(): { readonly cache?: RunnerCache } {
    const key = this.cacheKey;
    const cache = this.group.cache;
    if (key === undefined || cache === undefined || cache.refresh) return {};
    return { cache: { key, maxAge: cache.expiration ?? Infinity } };
  }

  /** @internal (the cache calls it) */
  cacheFailed(error: unknown): void {
    if (!this.isTerminal) this.settle('Failed', undefined, error);
  }

  /** Something went wrong that does not stop the run: an event, and a line in the flow's log. @internal */
  warn(code: RunWarningCode, message: string): void {
    const flow = this.flow;
    if (flow.hasListeners) flow.emit({ type: 'run-warning', ...this.eventBase(), code, message });
    runLogger(flow.logger, { flowName: flow.name, flowRunId: flow.id, taskName: this.spec.name, runName: this.name, runId: this.id, attempt: this.attempt }).warn(
      `${code}: ${message}`,
    );
  }

  /** Takes its tags' slots, then the map's, then the runner's (a direct call takes none), then runs. */
  protected takeSlots(): void {
    const tagGate = this.group.tagGate;
    if (tagGate !== undefined && (this.flags & HOLDS_TAGS) === 0) {
      this.takeTagSlots(tagGate);
    } else if (this.direct) {
      trampoline(() => {
        this.runAttempt();
      });
    } else if (this.group.mapSlots !== undefined && !this.holdsMapSlot) {
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

  /**
   * Takes one slot of each limited tag, all at once (never some while waiting for the rest, so
   * runs with overlapping tags cannot deadlock), before any other slot: a run waiting here holds
   * none, and a direct call lends its caller's meanwhile.
   */
  protected takeTagSlots(gate: TagGate): void {
    const claim = gate.claim;
    if (claim === undefined) {
      this.settle('Failed', undefined, new TagLimitZeroError(this, gate.zeroTag as string));
      return;
    }
    if (gate.home.acquire(claim, this, this.flow.scheduler)) {
      this.flags |= HOLDS_TAGS;
      this.takeSlots();
      return;
    }
    this.flags |= WAITS_TAGS;
    if (this.direct) this.beginWait();
  }

  /** @internal (the limits' home asks it) */
  wantsLimits(): boolean {
    return (this.flags & WAITS_TAGS) !== 0 && !this.isTerminal;
  }

  /** @internal (the limits' home calls it with the tags' slots held) */
  onLimits(): void {
    const gate = this.group.tagGate as TagGate;
    if ((this.flags & WAITS_TAGS) === 0 || this.isTerminal) {
      // Ended between the grant and this call: give them straight back.
      gate.home.release(gate.claim as NonNullable<TagGate['claim']>);
      return;
    }
    this.flags = (this.flags & ~WAITS_TAGS) | HOLDS_TAGS;
    if (!this.direct) {
      this.takeSlots();
      return;
    }
    this.endWait(() => {
      if (!this.isTerminal) this.takeSlots();
    });
  }

  /** @internal (the limits' home calls it when it cannot grant the tags' slots) */
  onLimitsFailed(store: string, reason: string, cause: unknown): void {
    if ((this.flags & WAITS_TAGS) === 0 || this.isTerminal) return;
    this.flags &= ~WAITS_TAGS;
    const gate = this.group.tagGate as TagGate;
    const error = new LimitsUnavailableError(`task run "${this.name}" (task "${this.spec.name}")`, gate.claim?.names ?? [], store, reason, { cause });
    // What gates it broke, not its body: Crashed, as when Redis goes away under a job.
    if (!this.direct) {
      this.settle('Crashed', undefined, error);
      return;
    }
    this.endWait(() => {
      if (!this.isTerminal) this.settle('Crashed', undefined, error);
    });
  }

  wantsSlot(): boolean {
    return !this.isTerminal;
  }

  onSlot(): void {
    this.holdsSlot = true;
    if (this.isTerminal) this.releaseSlots();
    else this.runAttempt();
  }

  protected runAttempt(): void {
    if (this.args === DEFERRED_ARGS) this.args = (this.group.argsOf as (nameIndex: number) => unknown[])(this.nameIndex);
    this.attempt++;
    this.controller = undefined;
    this.setPhase(this.attempt === 1 ? 'Running' : 'Retrying');
    if (this.spec.hooks?.onRunning !== undefined) this.callHooks('onRunning');
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
      if (runner.execute !== undefined) {
        let call: RunnerCall = {
          task: this.spec,
          args: this.args,
          runId: this.id,
          runName: this.name,
          attempt,
          flowRunId: this.flow.id,
          flowName: this.flow.name,
          parentRunId: this.parentRunId,
        };
        if (this.cacheKey !== undefined) call = { ...call, ...this.runnerCache() };
        const start = (runner as Partial<AttemptStarter>)[START_ATTEMPT];
        if (start !== undefined) {
          const handle = start.call(runner, call, new Attempt(this as Run<unknown>, attempt));
          // Ended already (synchronously): nothing to stop later.
          if (!this.isTerminal && this.attempt === attempt) this.bodySubscription = handle;
          return;
        }
        out = runner.execute(call);
      } else {
        const bodyScope = this.flow.bodyScope;
        out =
          bodyScope === undefined
            ? scopeStorage.run(this, callBody, this as Run<unknown>)
            : bodyScope(this.id, () => scopeStorage.run(this, callBody, this as Run<unknown>));
      }
    } catch (error) {
      this.attemptFailed(attempt, error, false);
      return;
    }
    // Promises first: they are the common case, and cheaper to recognise than an Observable.
    if (typeof out === 'object' && out !== null && typeof (out as PromiseLike<unknown>).then === 'function') {
      this.settleFrom(out as PromiseLike<R>, attempt);
    } else if (rxjs().isObservable(out)) {
      this.subscribeBody(out, attempt);
    } else {
      this.attemptSucceeded(attempt, out as R);
    }
  }

  /**
   * Waits for a Promise body with one `then`: with AsyncLocalStorage's promise hooks on (Node 20),
   * every promise costs a hook call, and an async function with an `await` makes two.
   */
  protected settleFrom(body: PromiseLike<R>, attempt: number): void {
    this.flags |= BODY_LIVE;
    // A thenable's own `then` may throw: that fails the attempt, as `await` would.
    try {
      body.then(
        (value) => {
          if (this.bodySettled(attempt)) this.attemptSucceeded(attempt, value);
        },
        (error: unknown) => {
          if (this.bodySettled(attempt)) this.attemptFailed(attempt, error, false);
        },
      );
    } catch (error) {
      if (this.bodySettled(attempt)) this.attemptFailed(attempt, error, false);
    }
  }

  /**
   * A Promise body of `attempt` has settled. True when it is the current attempt's; false when it
   * had been timed out or cancelled, and then it gives back the slots it kept while it executed.
   */
  protected bodySettled(attempt: number): boolean {
    if ((this.flags & BODY_LIVE) !== 0 && attempt === this.attempt) {
      this.flags &= ~BODY_LIVE;
      return true;
    }
    this.releaseKeptSlots(HOLDS_SLOT | HOLDS_MAP_SLOT, attempt);
    return false;
  }

  /** Gives back the `bits` slots that abandoned bodies (of `attempt`, or all) still keep. */
  protected releaseKeptSlots(bits: number, attempt?: number): void {
    const kept = this.abandoned;
    if (kept === undefined) return;
    for (let i = kept.length - 2; i >= 0; i -= 2) {
      if (attempt !== undefined && kept[i] !== attempt) continue;
      const held = kept[i + 1] as number;
      if ((held & bits & HOLDS_SLOT) !== 0) this.flow.slots.release();
      if ((held & bits & HOLDS_MAP_SLOT) !== 0) this.group.mapSlots?.release();
      if ((held & ~bits) === 0) kept.splice(i, 2);
      else kept[i + 1] = held & ~bits;
    }
    if (kept.length === 0) this.abandoned = undefined;
  }

  protected subscribeBody(body: Observable<unknown>, attempt: number): void {
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

  protected onTimeout(attempt: number, timeout: number): void {
    if (attempt !== this.attempt || this.isTerminal) return;
    const error = new TaskTimeoutError(this, timeout);
    this.stopBody(error);
    this.attemptFailed(attempt, error, true);
  }

  /**
   * Stops the current attempt's body: abort its signal, unsubscribe its Observable. A Promise body
   * cannot be stopped from outside: it keeps the run's slots until it settles, so that
   * `maxConcurrency` still bounds the bodies executing. (A runner's body and an Observable body
   * are gone once unsubscribed, and their slots come back at once.)
   */
  protected stopBody(reason: unknown): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    if ((this.flags & BODY_LIVE) !== 0) {
      this.flags &= ~BODY_LIVE;
      const bits = this.flags & (HOLDS_SLOT | HOLDS_MAP_SLOT);
      if (bits !== 0) {
        this.flags &= ~bits;
        (this.abandoned ??= []).push(this.attempt, bits);
      }
    }
    this.controller?.abort(reason);
    const subscription = this.bodySubscription;
    this.bodySubscription = undefined;
    subscription?.unsubscribe();
  }

  /** An attempt's body returned `value`; a stale attempt is ignored. @internal (an `Attempt` calls it) */
  attemptSucceeded(attempt: number, value: R): void {
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
    const returnsSchema = this.spec.returnsSchema;
    if (returnsSchema !== undefined) {
      const checked = checkSchema(returnsSchema, value, 'return');
      if (!checked.ok) {
        this.settle('Failed', undefined, new InvalidReturnError(this.spec.name, checked.problems));
        return;
      }
      value = checked.value as R;
    }
    const key = this.cacheKey;
    const cache = this.group.cache;
    if (key !== undefined && cache !== undefined) {
      // Stored before the run completes: a flow killed after a run completed finds its record.
      storeResult(this, cache, key, value, () => {
        if (!this.isTerminal) this.settle('Completed', value, undefined);
      });
      return;
    }
    this.settle('Completed', value, undefined);
  }

  /** An attempt failed (or timed out); a stale attempt is ignored. @internal (an `Attempt` calls it) */
  attemptFailed(attempt: number, error: unknown, timedOut: boolean): void {
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
          this.nextAttempt();
        }, delay);
      } else {
        trampoline(() => {
          this.nextAttempt();
        });
      }
      return;
    }
    // Only a run that was actually retried wraps its error with the number of attempts.
    const final = attempt > 1 ? new RetriesExhaustedError(this, attempt, error) : error;
    // What runs the body broke (a thread died, a job stalled out, Redis went away): Crashed.
    this.settle(timedOut ? 'TimedOut' : isSluiceError(error) && error.crashed ? 'Crashed' : 'Failed', undefined, final);
  }

  /**
   * Runs the next attempt in the slot the run holds, or once it has one again: a timed-out body
   * that goes on executing keeps its slot, and the retry queues for another.
   */
  protected nextAttempt(): void {
    if (this.isTerminal) return;
    if (this.holdsSlot || this.direct) {
      this.runAttempt();
      return;
    }
    // The last body may still be waiting on other runs with its slot lent: that wait no longer
    // takes a slot back for this run (the new attempt takes its own); the body just goes on.
    this.lentSlot = false;
    const reclaim = this.reclaim;
    this.reclaim = undefined;
    reclaim?.();
    const mapSlots = this.group.mapSlots;
    const mustWait = !this.flow.slots.free || (mapSlots !== undefined && !this.holdsMapSlot && !mapSlots.free);
    if (mustWait && this.phase !== 'AwaitingRetry') this.setPhase('AwaitingRetry');
    this.takeSlots();
  }

  protected retryDelay(attempt: number, error: unknown): number {
    const spec = this.spec;
    const base = spec.retryDelay(attempt, error);
    const jitter = spec.retryJitterFactor;
    return jitter > 0 ? Math.max(0, base * (1 + jitter * (2 * spec.random() - 1))) : base;
  }

  protected shouldRetry(error: unknown): boolean {
    if (isSluiceError(error) && !error.retryable) return false;
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
  cancel(reason = 'cancel() was called', cause?: unknown): boolean {
    if (this.isTerminal) return false;
    const error = new CancelledError(this, reason, cause === undefined ? undefined : { cause });
    this.stopBody(error);
    this.settle('Cancelled', undefined, error);
    return true;
  }

  protected releaseSlots(): void {
    if ((this.flags & (HOLDS_TAGS | WAITS_TAGS)) !== 0) this.releaseTags();
    if (this.holdsSlot) {
      this.holdsSlot = false;
      this.flow.slots.release();
    }
    if (this.holdsMapSlot) {
      this.holdsMapSlot = false;
      this.group.mapSlots?.release();
    }
  }

  /** Gives back the tags' slots, or leaves their queue (the next waiter is served at once). */
  protected releaseTags(): void {
    const gate = this.group.tagGate as TagGate;
    const claim = gate.claim as NonNullable<TagGate['claim']>;
    if ((this.flags & HOLDS_TAGS) !== 0) {
      this.flags &= ~HOLDS_TAGS;
      gate.home.release(claim);
      return;
    }
    this.flags &= ~WAITS_TAGS;
    gate.home.withdraw(claim);
    // A direct call lent its caller's slot while it waited: the wait is over.
    if (this.direct) this.endWait(NOOP);
  }

  protected settle(phase: StateName, value: R | undefined, error: unknown): void {
    this.flags |= TERMINAL;
    this.outcome = phase === 'Completed' ? value : error;
    // A finished run keeps its outcome, not its arguments: a list of 100k runs holds less.
    this.args = NO_ARGS;
    this.setPhase(phase);
    this.releaseSlots();
    const reclaim = this.reclaim;
    this.reclaim = undefined;
    reclaim?.();
    const extra = this.extra;
    if (extra?.resolveResult !== undefined) {
      if (phase === 'Completed') extra.resolveResult(value);
      else extra.rejectResult?.(error);
    }
    this.stateListeners = undefined;
    const first = this.listener;
    const listeners = this.listeners;
    this.listener = undefined;
    this.listeners = undefined;
    if (first !== undefined) trampolineCall(first, this as Run<unknown>);
    if (listeners !== undefined) for (const listener of listeners) trampolineCall(listener, this as Run<unknown>);
    const type = STATE_NAMES[phase];
    // Before the run leaves the flow's count: the flow then waits for the hooks too.
    if (this.spec.hooks !== undefined) this.callHooks(type === 'Completed' ? 'onCompletion' : type === 'Failed' ? 'onFailure' : type === 'Cancelled' ? 'onCancellation' : 'onCrashed');
    this.flow.runSettled(this, type === 'Failed' || type === 'Crashed' ? 1 : type === 'Cancelled' ? 2 : 0);
  }

  /** Calls the task's `name` hooks, if it has any, with the run and the state it is in. */
  protected callHooks(name: HookName): void {
    const list = this.spec.hooks?.[name];
    if (list === undefined) return;
    const flow = this.flow;
    const info: HookedTaskRun = {
      runId: this.id,
      runName: this.name,
      taskName: this.spec.name,
      attempt: this.attempt,
      tags: this.spec.tags,
      parentRunId: this.parentRunId,
      flowRun: { id: flow.id, name: flow.name },
    };
    callHooks(flow, name, list, info, this.buildState(), info);
  }

  // ---- a body waiting on other runs lends its slot --------------------------------------------

  /** The run whose slot a body's wait would hold: a direct call runs in its caller's slot. */
  protected slotOwner(): Run<unknown> | undefined {
    let r: Run<unknown> | undefined = this as Run<unknown>;
    while (r !== undefined && r.direct) r = r.parent as Run<unknown> | undefined;
    return r;
  }

  /** The body of this run starts waiting on other runs: its slot goes to someone else meanwhile. */
  beginWait(): void {
    const owner = this.slotOwner();
    if (owner === undefined) return;
    owner.waits++;
    // Not only on the first wait: the count may include waits of a body that timed out and goes on.
    if (owner.holdsSlot) {
      owner.holdsSlot = false;
      owner.lentSlot = true;
      owner.flow.slots.release();
    }
    // The waiting body may be one that was timed out or cancelled and goes on: those give their
    // runner slots back for good rather than hold them while the runs they wait for need one.
    if (owner.abandoned !== undefined) owner.releaseKeptSlots(HOLDS_SLOT);
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
      // No longer wanted once the run ended, or a retry took a slot of its own (`nextAttempt`).
      wantsSlot: () => !owner.isTerminal && owner.reclaim !== undefined,
      onSlot: () => {
        const pending = owner.reclaim;
        owner.reclaim = undefined;
        if (owner.isTerminal || pending === undefined) owner.flow.slots.release();
        else owner.holdsSlot = true;
        pending?.();
      },
    });
  }

}

/** One attempt of a run, as a runner that starts attempts by callback reports to it. */
class Attempt implements AttemptSink {
  constructor(
    private readonly run: Run<unknown>,
    private readonly attempt: number,
  ) {}

  succeeded(value: unknown): void {
    this.run.attemptSucceeded(this.attempt, value);
  }

  failed(error: unknown): void {
    this.run.attemptFailed(this.attempt, error, false);
  }

  warn(code: RunWarningCode, message: string): void {
    this.run.warn(code, message);
  }
}
