import { Deque } from '../core/deque.js';
import { trampoline } from '../core/trampoline.js';

/** Something that waits for a slot. @internal */
export interface SlotWaiter {
  /** False once the waiter no longer wants the slot (it was cancelled while queued). */
  wantsSlot(): boolean;
  /** Called with the slot held. */
  onSlot(): void;
}

/**
 * A counting limiter that hands a freed slot straight to the next waiter. Waiters queue in a
 * {@link Deque} (no `Array#shift`), grants run on the trampoline (no recursion when bodies finish
 * synchronously), and a waiter that stopped wanting its slot is skipped when its turn comes.
 *
 * @internal
 */
export class Slots {
  private active = 0;
  private readonly waiting = new Deque<SlotWaiter>();

  constructor(readonly limit: number) {}

  /** True when `acquire` would grant a slot without queueing. */
  get free(): boolean {
    return this.active < this.limit;
  }

  acquire(waiter: SlotWaiter): void {
    if (this.active < this.limit) {
      this.active++;
      trampoline(waiter);
    } else {
      this.waiting.push(waiter);
    }
  }

  /** Like `acquire`, but ahead of every queued waiter: for a run taking back the slot it lent. */
  reacquire(waiter: SlotWaiter): void {
    if (this.active < this.limit) {
      this.active++;
      trampoline(waiter);
    } else {
      this.waiting.unshift(waiter);
    }
  }

  release(): void {
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      if (next.wantsSlot()) {
        trampoline(next);
        return;
      }
    }
    this.active--;
  }
}
