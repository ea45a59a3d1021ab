/**
 * Where the counts of shared limits live, behind one small interface: the engine (tag limits) and
 * `concurrency()`/`rateLimit()` ask a {@link LimitsHome} for slots and never look inside it, so a
 * home that keeps its counts elsewhere (Redis, across processes) plugs in behind the same calls.
 * This file also holds the in-process home, {@link MemoryLimitsHome}; the Redis one is in
 * `redis-home.ts`.
 *
 * @module
 * @internal
 */
import type { SchedulerLike } from 'rxjs';
import { Deque } from '../core/deque.js';
import { trampolineCall } from '../core/trampoline.js';

/** A rate limit: at most `limit` tokens taken in any window of `per` ms. @internal */
export interface RateSpec {
  readonly limit: number;
  /** The window, in ms: each token taken comes back this long after it was taken. */
  readonly per: number;
}

/** Something waiting for a claim's slots or tokens. @internal */
export interface LimitWaiter {
  /** False once the waiter no longer wants them (its run ended, its wait timed out or was aborted). */
  wantsLimits(): boolean;
  /** Called once the claim is held: every slot (or token) of every name in it. */
  onLimits(): void;
  /**
   * Called instead when the home cannot grant it (its store stopped answering): the waiter
   * holds nothing and has left the queue. `store` names the store without a password.
   */
  onLimitsFailed(store: string, reason: string, cause: unknown): void;
}

/**
 * What one caller asks of a home, prepared once and asked many times (every run of a tagged task
 * asks the same): `occupy` slots (or tokens) of each name, all at once or none. @internal
 */
export interface LimitClaim {
  readonly names: readonly string[];
  readonly occupy: number;
  /** `slots` are held until released; `tokens` come back on their own, `per` ms after they were taken. */
  readonly kind: 'slots' | 'tokens';
}

/**
 * Keeps the counts of a set of named limits. Every request is all or nothing (no run holds part
 * of what it needs while it waits for the rest, so two runs asking for overlapping names never
 * deadlock) and waiters of a name are served in the order they came. @internal
 */
export interface LimitsHome {
  /** The concurrency limit of `name` (its slots), or undefined when it has none. */
  slotLimit(name: string): number | undefined;
  /** The rate limit of `name`, or undefined when it has none. */
  rateLimit(name: string): RateSpec | undefined;
  /** Prepares a claim; every name must have a limit of that kind, and `occupy` fit each (the caller checked). */
  claim(names: readonly string[], occupy: number, kind: LimitClaim['kind']): LimitClaim;
  /**
   * Asks for `claim`. Returns true when it is held at once (the waiter is not called); else the
   * waiter queues, and `waiter.onLimits()` is called once it is held (on the engine's trampoline,
   * never inside this call). `scheduler` times the return of tokens.
   */
  acquire(claim: LimitClaim, waiter: LimitWaiter, scheduler: SchedulerLike): boolean;
  /** A waiter of `claim` stopped wanting it: it leaves the queue, and who is next is served. */
  withdraw(claim: LimitClaim): void;
  /** Gives back the slots of a held `claim`. */
  release(claim: LimitClaim): void;
}

/** One named limit's count and queue. */
class Gate {
  /** Slots held, or tokens taken within the last `per` ms. */
  active = 0;
  readonly queue = new Deque<Entry>();

  constructor(
    readonly name: string,
    readonly limit: number,
    /** For tokens: how long a token stays taken (ms). */
    readonly per: number,
  ) {}

  /** The first waiter that still wants its claim, dropping those that do not. */
  head(): Entry | undefined {
    for (let entry = this.queue.peek(); entry !== undefined; entry = this.queue.peek()) {
      if (entry.waiter.wantsLimits()) return entry;
      this.queue.shift();
    }
    return undefined;
  }
}

/** A queued request. */
interface Entry {
  readonly claim: MemoryClaim;
  readonly waiter: LimitWaiter;
  readonly scheduler: SchedulerLike;
}

class MemoryClaim implements LimitClaim {
  constructor(
    readonly names: readonly string[],
    readonly occupy: number,
    readonly kind: LimitClaim['kind'],
    readonly gates: readonly Gate[],
  ) {}
}

const grant = (waiter: LimitWaiter): void => {
  waiter.onLimits();
};

/**
 * The in-process home: counts in memory, shared by every flow of the process that uses the same
 * limits. A freed slot goes to the next waiter in the same tick (no polling); a token comes back
 * through the scheduler of whoever took it, so marble tests run it in virtual time. A waiter that
 * needs several names waits in each one's queue and is served once it is first in all of them
 * and all have room: the oldest waiter is always first wherever it waits, so none waits forever
 * while slots come back. @internal
 */
export class MemoryLimitsHome implements LimitsHome {
  private readonly slotGates = new Map<string, Gate>();
  private readonly tokenGates = new Map<string, Gate>();

  constructor(slots: Readonly<Record<string, number>>, rates: Readonly<Record<string, RateSpec>>) {
    for (const [name, limit] of Object.entries(slots)) this.slotGates.set(name, new Gate(name, limit, 0));
    for (const [name, rate] of Object.entries(rates)) this.tokenGates.set(name, new Gate(name, rate.limit, rate.per));
  }

  slotLimit(name: string): number | undefined {
    return this.slotGates.get(name)?.limit;
  }

  rateLimit(name: string): RateSpec | undefined {
    const gate = this.tokenGates.get(name);
    return gate === undefined ? undefined : { limit: gate.limit, per: gate.per };
  }

  claim(names: readonly string[], occupy: number, kind: LimitClaim['kind']): LimitClaim {
    const gates = kind === 'slots' ? this.slotGates : this.tokenGates;
    return new MemoryClaim(
      names,
      occupy,
      kind,
      names.map((name) => gates.get(name) as Gate),
    );
  }

  acquire(claim: LimitClaim, waiter: LimitWaiter, scheduler: SchedulerLike): boolean {
    const held = claim as MemoryClaim;
    if (this.fitsNow(held)) {
      this.take(held, scheduler);
      return true;
    }
    const entry: Entry = { claim: held, waiter, scheduler };
    for (const gate of held.gates) gate.queue.push(entry);
    return false;
  }

  withdraw(claim: LimitClaim): void {
    this.serve((claim as MemoryClaim).gates);
  }

  release(claim: LimitClaim): void {
    const held = claim as MemoryClaim;
    for (const gate of held.gates) gate.active -= held.occupy;
    this.serve(held.gates);
  }

  /** Free room and nobody queued ahead in any of the claim's names. */
  private fitsNow(claim: MemoryClaim): boolean {
    for (const gate of claim.gates) {
      if (gate.active + claim.occupy > gate.limit || gate.head() !== undefined) return false;
    }
    return true;
  }

  private take(claim: MemoryClaim, scheduler: SchedulerLike): void {
    for (const gate of claim.gates) gate.active += claim.occupy;
    if (claim.kind === 'tokens') {
      for (const gate of claim.gates) {
        scheduler.schedule(() => {
          gate.active -= claim.occupy;
          this.serve([gate]);
        }, gate.per);
      }
    }
  }

  /** Serves the waiters of `gates` in order, for as long as the first of each fits. */
  private serve(gates: readonly Gate[]): void {
    const pending: Gate[] = [...gates];
    for (let gate = pending.pop(); gate !== undefined; gate = pending.pop()) {
      for (let entry = gate.head(); entry !== undefined; entry = gate.head()) {
        if (!this.fitsAtHead(entry)) break;
        // First in every queue it waits in: out of all of them, and the other queues' next may fit now.
        for (const other of entry.claim.gates) {
          other.queue.shift();
          if (other !== gate && !pending.includes(other)) pending.push(other);
        }
        this.take(entry.claim, entry.scheduler);
        trampolineCall(grant, entry.waiter);
      }
    }
  }

  /** `entry` is first in each of its queues, and each has room for it. */
  private fitsAtHead(entry: Entry): boolean {
    const { claim } = entry;
    for (const gate of claim.gates) {
      if (gate.active + claim.occupy > gate.limit || gate.head() !== entry) return false;
    }
    return true;
  }
}
