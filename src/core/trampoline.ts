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
// Steps and their arguments, side by side: a step with an argument needs no closure.
const queue = new Deque<Step | ((arg: never) => void)>();
const args = new Deque<unknown>();
let running = false;

function runStep(step: Step | ((arg: never) => void), arg: unknown): void {
  if (typeof step === 'function') (step as (arg: unknown) => void)(arg);
  else step.onSlot();
}

function drain(first: Step | ((arg: never) => void), firstArg: unknown): void {
  running = true;
  let failure: { error: unknown } | undefined;
  // A step that throws is an engine bug; the steps queued behind it still run, then it surfaces.
  let step: Step | ((arg: never) => void) | undefined = first;
  let arg = firstArg;
  while (step !== undefined) {
    try {
      runStep(step, arg);
    } catch (error) {
      failure ??= { error };
    }
    step = queue.shift();
    arg = args.shift();
  }
  running = false;
  if (failure) throw failure.error;
}

export function trampoline(step: Step): void {
  if (running) {
    queue.push(step);
    args.push(undefined);
  } else {
    drain(step, undefined);
  }
}

/** `trampoline(() => fn(arg))` without allocating the closure. */
export function trampolineCall<T>(fn: (arg: T) => void, arg: T): void {
  if (running) {
    queue.push(fn);
    args.push(arg);
  } else {
    drain(fn, arg);
  }
}
