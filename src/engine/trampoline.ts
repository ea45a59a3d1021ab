import { Deque } from './deque.js';

/**
 * Runs engine steps one after another instead of inside each other. A run whose body finishes
 * synchronously frees its slot, which starts the next run, which finishes synchronously...: run
 * directly, 100k such runs at concurrency 1 overflow the stack (rxjs#3609). Steps scheduled while
 * the trampoline is running are queued and run by the outermost call, in order, in the same tick.
 *
 * @internal
 */
const queue = new Deque<() => void>();
let running = false;

export function trampoline(step: () => void): void {
  if (running) {
    queue.push(step);
    return;
  }
  running = true;
  let failure: { error: unknown } | undefined;
  // A step that throws is an engine bug; the steps queued behind it still run, then it surfaces.
  for (let next: (() => void) | undefined = step; next !== undefined; next = queue.shift()) {
    try {
      next();
    } catch (error) {
      failure ??= { error };
    }
  }
  running = false;
  if (failure) throw failure.error;
}

/** True while the trampoline is running steps. */
export function inTrampoline(): boolean {
  return running;
}
