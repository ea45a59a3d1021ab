/**
 * The Redis home of shared limits: the same counts for every process and machine that uses the
 * same Redis and prefix. Each slot (and each token, while it is out) is a lease in a
 * redis-semaphore `MultiSemaphore`, renewed by its holder every third of the lease, so the slots of
 * a holder that died (SIGKILL, a lost machine) come back when its lease ends, never later.
 *
 * @module
 * @internal
 */
import type { Socket } from 'node:net';
import type { Redis, RedisOptions } from 'ioredis';
import type { MultiSemaphore } from 'redis-semaphore';
import type { SchedulerLike } from 'rxjs';
import { Deque } from '../core/deque.js';
import { trampolineCall } from '../core/trampoline.js';
import { redisSemaphore } from '../cache/lazy-deps.js';
import { causeText, scrubCause } from '../cache/redact.js';
import { openRedis, type RedisTarget } from '../cache/redis-connection.js';
import type { LimitClaim, LimitsHome, LimitWaiter, RateSpec } from './home.js';

/** How the Redis home is set up, its options checked. @internal */
export interface RedisHomeSettings {
  readonly target: RedisTarget;
  readonly prefix: string;
  readonly lease: number;
  readonly commandTimeout: number;
  readonly pollInterval: number;
}

/** A waiter, with the scheduler that times the return of its tokens. */
interface Entry {
  readonly waiter: LimitWaiter;
  readonly scheduler: SchedulerLike;
}

/**
 * The callers in this process that ask for the same claim, in the order they came. Requests to
 * Redis (polling, as redis-semaphore does) are not tied to a caller: at most as many as the limit
 * could grant at once are under way, however many wait, and each lease one brings goes to the
 * first caller still waiting, so this process serves its callers in order.
 */
class Line {
  readonly queue = new Deque<Entry>();
  constructor(
    /** The names the claim takes, and of which kind: a release of one of them wakes this line. */
    readonly names: readonly string[],
    readonly kind: LimitClaim['kind'],
    /** How many callers the limit could grant at once: the most requests worth having under way. */
    readonly room: number,
  ) {}
  /** End the current polls of the requests under way, so that they ask again at once (a slot was freed). */
  readonly pokes = new Set<() => void>();
  /** The leases held by this claim's callers: any one of them is given back by a release. */
  readonly held: Lease[] = [];
  /** The requests under way, each abortable. */
  readonly asking = new Set<AbortController>();
}

/** One caller's slots: a semaphore lease per name. */
type Lease = readonly MultiSemaphore[];

class RedisClaim implements LimitClaim {
  constructor(
    readonly names: readonly string[],
    readonly occupy: number,
    readonly kind: LimitClaim['kind'],
    readonly line: Line,
  ) {}
}

/** A MultiSemaphore whose lease renewal never rejects from its timer, and that can drop a request whose answer was lost. */
interface Guarded extends MultiSemaphore {
  /** Removes this holder's entries, taken or not: a request that timed out may still have been carried out. */
  forget(): Promise<void>;
}
type GuardedSemaphore = new (...args: ConstructorParameters<typeof MultiSemaphore>) => Guarded;
let guarded: GuardedSemaphore | undefined;

function semaphoreClass(): GuardedSemaphore {
  return (guarded ??= class extends redisSemaphore().MultiSemaphore {
    forget(): Promise<void> {
      return this._release();
    }

    protected override async _refresh(): Promise<boolean> {
      try {
        return await super._refresh();
      } catch {
        // Redis did not answer: the lease may still be ours, so keep renewing. Once it has run
        // out, the next renewal that gets an answer finds it gone and stops.
        return true;
      }
    }
  });
}

/** Waits `ms` on `scheduler`; rejects with the signal's reason once it aborts. */
function pause(scheduler: SchedulerLike, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.unsubscribe();
      reject(signal.reason);
    };
    const timer = scheduler.schedule(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const grant = (waiter: LimitWaiter): void => {
  waiter.onLimits();
};

/** Why a poll was ended early: a slot it may take was freed. */
const POKED = Symbol('poked');


/**
 * Counts in Redis: keys `semaphore:<prefix>slots:<name>` and `semaphore:<prefix>tokens:<name>`,
 * sorted sets of leases. A claim of several names takes them one by one in name order, so two claims never
 * wait for each other in a circle. Callers of this process are served in the order they came;
 * between processes, whoever asks first after a slot frees gets it. A process that gives slots
 * back says so on the channel `<prefix>freed`, and the processes waiting for them ask at once
 * (each also asks every 100 ms, should a message be lost).
 * With Redis unanswering for `commandTimeout`, waiters fail (`onLimitsFailed`) holding nothing.
 * The connection keeps the process alive only while something is held or waited for. @internal
 */
export class RedisLimitsHome implements LimitsHome {
  readonly #slots: ReadonlyMap<string, number>;
  readonly #rates: ReadonlyMap<string, RateSpec>;
  readonly #settings: RedisHomeSettings;
  readonly #lines = new Map<string, Line>();
  #client: Redis | undefined;
  /** Hears other processes give slots back, while this one waits for some. */
  #subscriber: Redis | undefined;
  /** Waiters, held leases and tokens out: while any, the connection keeps the process alive. */
  #busy = 0;
  /** Since when Redis has not answered (ms since the epoch), if it is not answering now. */
  #downSince: number | undefined;
  /** The last error of the home's own connection, for messages. */
  #connectionError: unknown;

  constructor(slots: Readonly<Record<string, number>>, rates: Readonly<Record<string, RateSpec>>, settings: RedisHomeSettings) {
    this.#slots = new Map(Object.entries(slots));
    this.#rates = new Map(Object.entries(rates));
    this.#settings = settings;
  }

  slotLimit(name: string): number | undefined {
    return this.#slots.get(name);
  }

  rateLimit(name: string): RateSpec | undefined {
    return this.#rates.get(name);
  }

  claim(names: readonly string[], occupy: number, kind: LimitClaim['kind']): LimitClaim {
    const sorted = [...names].sort();
    const id = `${kind}\u0000${occupy}\u0000${sorted.join('\u0000')}`;
    let line = this.#lines.get(id);
    if (line === undefined) {
      const limits = sorted.map((name) => (kind === 'slots' ? this.#slots.get(name) : this.#rates.get(name)?.limit) ?? 0);
      // At most 16 requests under way per claim: each polls Redis while it waits.
      this.#lines.set(id, (line = new Line(sorted, kind, Math.min(16, Math.max(1, Math.floor(Math.min(...limits) / occupy))))));
    }
    return new RedisClaim(sorted, occupy, kind, line);
  }

  acquire(claim: LimitClaim, waiter: LimitWaiter, scheduler: SchedulerLike): boolean {
    const held = claim as RedisClaim;
    held.line.queue.push({ waiter, scheduler });
    this.#busyBy(1);
    // After the caller has marked itself waiting (it does so once this returns false).
    queueMicrotask(() => {
      this.#serve(held);
    });
    return false;
  }

  withdraw(claim: LimitClaim): void {
    this.#serve(claim as RedisClaim);
  }

  release(claim: LimitClaim): void {
    const held = claim as RedisClaim;
    const lease = held.line.held.pop();
    if (lease !== undefined) this.#giveBack(lease, held.kind, held.names);
  }

  /** The first waiter of the claim that still wants it, dropping those that do not. */
  #head(line: Line): Entry | undefined {
    for (let entry = line.queue.peek(); entry !== undefined; entry = line.queue.peek()) {
      if (entry.waiter.wantsLimits()) return entry;
      line.queue.shift();
      this.#busyBy(-1);
    }
    return undefined;
  }

  /**
   * Has as many requests under way as there are callers waiting, up to what the limit could grant
   * at once; with nobody waiting, stops those under way.
   */
  #serve(claim: RedisClaim): void {
    const { line } = claim;
    const head = this.#head(line);
    if (head === undefined) {
      for (const asking of line.asking) asking.abort();
      return;
    }
    // Callers behind the first may have stopped waiting too: a lease nobody wants goes straight back.
    while (line.asking.size < Math.min(line.room, line.queue.length)) void this.#ask(claim, head.scheduler);
  }

  async #ask(claim: RedisClaim, scheduler: SchedulerLike): Promise<void> {
    const { line } = claim;
    const asking = new AbortController();
    line.asking.add(asking);
    this.#listen();
    let lease: Lease | undefined;
    let failure: { reason: string; cause: unknown } | undefined;
    try {
      lease = await this.#take(claim, scheduler, asking.signal);
    } catch (error) {
      if (!asking.signal.aborted) failure = { reason: this.#reason(error), cause: error };
    }
    line.asking.delete(asking);
    const entry = this.#head(line);
    if (entry !== undefined && (lease !== undefined || failure !== undefined)) {
      line.queue.shift();
      this.#busyBy(-1);
    }
    if (lease !== undefined && entry !== undefined) {
      this.#hold(claim, lease, entry.scheduler);
      trampolineCall(grant, entry.waiter);
    } else if (lease !== undefined) {
      // Nobody wants it any more: back at once.
      this.#busyBy(1);
      this.#giveBack(lease, claim.kind, claim.names);
    } else if (failure !== undefined && entry !== undefined) {
      entry.waiter.onLimitsFailed(`Redis at ${this.#settings.target.address}`, failure.reason, scrubCause(failure.cause, this.#settings.target.secrets));
    }
    this.#serve(claim);
  }

  /** Takes a lease of every name of the claim, in name order; gives back what it took if it cannot take all. */
  async #take(claim: RedisClaim, scheduler: SchedulerLike, signal: AbortSignal): Promise<Lease> {
    const taken: MultiSemaphore[] = [];
    try {
      for (const name of claim.names) taken.push(await this.#takeOne(claim, name, scheduler, signal));
      return taken;
    } catch (error) {
      if (taken.length > 0) {
        this.#busyBy(1);
        this.#giveBack(taken, claim.kind, claim.names);
      }
      throw error;
    }
  }

  async #takeOne(claim: RedisClaim, name: string, scheduler: SchedulerLike, signal: AbortSignal): Promise<MultiSemaphore> {
    const { prefix, lease, commandTimeout } = this.#settings;
    const limit = (claim.kind === 'slots' ? this.#slots.get(name) : this.#rates.get(name)?.limit) ?? 0;
    // A token stays counted for its whole window even when its holder dies: a lease shorter than
    // `per` would let a dead holder's tokens come back early, and the rate be exceeded.
    const timeout = claim.kind === 'tokens' ? Math.max(lease, this.#rates.get(name)?.per ?? 0) : lease;
    for (;;) {
      const Semaphore = semaphoreClass();
      // A new holder per request: one that failed is forgotten, not asked again.
      const semaphore = new Semaphore(this.#use(), `${prefix}${claim.kind}:${name}`, limit, claim.occupy, {
        lockTimeout: timeout,
        refreshInterval: Math.max(1, Math.round(timeout / 3)),
        acquireTimeout: Number.POSITIVE_INFINITY,
        acquireAttemptsLimit: Number.POSITIVE_INFINITY,
        // A fallback: a freed slot wakes its waiters at once (here directly, elsewhere through `<prefix>freed`).
        retryInterval: this.#settings.pollInterval,
        // Lost when this process stalled past the lease, or Redis restarted empty: the holder
        // keeps running; the slot counts no more, and its release does nothing.
        onLockLost: () => undefined,
      });
      const started = Date.now();
      // One poll of redis-semaphore's; a slot freed here or elsewhere ends it early, to ask again at once.
      const poll = new AbortController();
      const stop = (): void => {
        poll.abort(signal.reason);
      };
      signal.addEventListener('abort', stop, { once: true });
      const poke = (): void => {
        poll.abort(POKED);
      };
      claim.line.pokes.add(poke);
      try {
        await semaphore.acquire(poll.signal);
        this.#downSince = undefined;
        return semaphore;
      } catch (error) {
        // Ended by its abort, or by a request that failed (possibly aborted meanwhile).
        const ended = poll.signal.aborted && error === poll.signal.reason;
        if (!ended) {
          // Unanswered, it may yet be carried out (Redis stalled, the reply lost): the removal,
          // sent behind it on the same connection, undoes it, so no slot is counted twice.
          semaphore.forget().catch(() => undefined);
        }
        if (signal.aborted) throw signal.reason;
        if (ended) continue;
        const now = Date.now();
        // Counted from the request that went unanswered.
        this.#downSince ??= Math.max(started, now - commandTimeout);
        // Unanswered for commandTimeout: the waiter fails now rather than hang while Redis is away.
        if (now - this.#downSince >= commandTimeout) throw error;
        await pause(scheduler, Math.min(100, commandTimeout), signal);
      } finally {
        signal.removeEventListener('abort', stop);
        claim.line.pokes.delete(poke);
      }
    }
  }

  /** A granted lease: slots are kept until released; a token goes back `per` ms after it was taken. */
  #hold(claim: RedisClaim, lease: Lease, scheduler: SchedulerLike): void {
    this.#busyBy(1);
    if (claim.kind === 'slots') {
      claim.line.held.push(lease);
      return;
    }
    const per = Math.max(...claim.names.map((name) => this.#rates.get(name)?.per ?? 0));
    const grantedAt = scheduler.now();
    // Not a millisecond early (a timer may fire so): the window is what other processes count on.
    const back = (): void => {
      const left = grantedAt + per - scheduler.now();
      if (left > 0) scheduler.schedule(back, left);
      else this.#giveBack(lease, claim.kind, claim.names);
    };
    scheduler.schedule(back, per);
  }

  /**
   * Gives a lease back to Redis (should Redis not answer, it lapses when its lease ends); then
   * this process's waiters for those names ask again at once rather than at their next poll.
   */
  #giveBack(lease: Lease, kind: LimitClaim['kind'], names: readonly string[]): void {
    void Promise.allSettled(lease.map((semaphore) => semaphore.release())).then(() => {
      this.#wake(kind, names);
      // Other processes' waiters, woken through Redis; should it not arrive, they ask at their next poll.
      this.#client?.publish(this.#channel, names.map((name) => `${kind}\u0000${name}`).join('\n')).catch(() => undefined);
      this.#busyBy(-1);
    });
  }

  /** Has this process's waiters for any of `names` ask again at once. */
  #wake(kind: string, names: readonly string[]): void {
    for (const line of this.#lines.values()) {
      if (line.pokes.size > 0 && line.kind === kind && line.names.some((name) => names.includes(name))) for (const poke of [...line.pokes]) poke();
    }
  }

  get #channel(): string {
    return `${this.#settings.prefix}freed`;
  }

  /** Subscribes to the slots other processes give back, unless already subscribed. */
  #listen(): void {
    if (this.#subscriber !== undefined) return;
    const subscriber = this.#use().duplicate();
    this.#subscriber = subscriber;
    // Never what keeps the process alive: the waits and the main connection do that.
    subscriber.on('connect', () => (subscriber as { stream?: Socket }).stream?.unref());
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => {
      for (const freed of message.split('\n')) {
        const cut = freed.indexOf('\u0000');
        this.#wake(freed.slice(0, cut), [freed.slice(cut + 1)]);
      }
    });
    // A slot freed before the subscription took (or while it was reconnecting) went unheard: once
    // it is in place, every request under way asks again.
    const recheck = (): void => {
      for (const line of this.#lines.values()) for (const poke of [...line.pokes]) poke();
    };
    subscriber.on('ready', recheck);
    subscriber.subscribe(this.#channel).then(recheck, () => undefined);
  }

  #busyBy(delta: number): void {
    const was = this.#busy;
    this.#busy += delta;
    if ((was === 0) !== (this.#busy === 0)) this.#keepAlive();
  }

  /**
   * The connection keeps the process alive only while something is held or waited for. Idle, a
   * connection of the home's own is unreferenced, or closed while it is down (its reconnection
   * timer would hold the process); the next request opens another.
   */
  #keepAlive(): void {
    if (this.#busy === 0 && this.#subscriber !== undefined) {
      // Nothing waits: nothing to hear. Closed, not kept: a subscriber's reconnection would hold the process.
      this.#subscriber.disconnect();
      this.#subscriber = undefined;
    }
    const client = this.#client;
    if (client === undefined) return;
    if (this.#busy === 0 && client !== this.#settings.target.client && client.status !== 'ready' && client.status !== 'connect') {
      this.#client = undefined;
      client.disconnect();
      return;
    }
    const stream = (client as { stream?: Socket }).stream;
    if (stream === undefined || typeof stream.ref !== 'function') return;
    if (this.#busy > 0) stream.ref();
    else stream.unref();
  }

  /** The client, opened on first use. */
  #use(): Redis {
    if (this.#client !== undefined) return this.#client;
    const { target, commandTimeout } = this.#settings;
    if (target.client !== undefined) return (this.#client = target.client);
    const client = openRedis(target.settings as string | RedisOptions, commandTimeout);
    client.on('error', (error: unknown) => (this.#connectionError = error));
    client.on('ready', () => (this.#connectionError = undefined));
    client.on('connect', () => this.#keepAlive());
    client.on('reconnecting', () => {
      if (this.#client === client) this.#keepAlive();
    });
    return (this.#client = client);
  }

  #reason(error: unknown): string {
    const { target, commandTimeout } = this.#settings;
    const what = error instanceof Error && error.name === 'MaxRetriesPerRequestError' ? 'Redis could not be reached' : causeText(error, target.secrets);
    const last = this.#connectionError === undefined || this.#connectionError === error ? '' : ` (last connection error: ${causeText(this.#connectionError, target.secrets)})`;
    return `no answer for ${commandTimeout} ms: ${what}${last}`;
  }
}
