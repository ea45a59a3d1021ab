import { Deque } from './deque.js';

/** A step: a function, or a slot waiter whose `onSlot` runs (no closure per grant). @internal */
export type Step = (() => void) | { onSlot(): void };

/**
 * Runs engine steps one after another instead of inside each other. A run whose body finishes
 * synchronously frees its slot, which starts the next run, which finishes synchronously...: run
 * directly, 100k such runs at concurrency 1 overflow the stack (rxjs#3609). Steps scheduled while
 * the trampoline is running are queued and run by the outermost call, in order, in the same tick.
 *
 * @internal
 */
const queue = new Deque<Step>();
let running = false;

function runStep(step: Step): void {
  if (typeof step === 'function') step();
  else step.onSlot();
}

export function trampoline(step: Step): void {
  if (running) {
    queue.push(step);
    return;
  }
  running = true;
  let failure: { error: unknown } | undefined;
  // A step that throws is an engine bug; the steps queued behind it still run, then it surfaces.
  for (let next: Step | undefined = step; next !== undefined; next = queue.shift()) {
    try {
      runStep(next);
    } catch (error) {
      failure ??= { error };
    }
  }
  running = false;
  if (failure) throw failure.error;
}
