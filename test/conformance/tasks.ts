/**
 * The tasks of the runner conformance suite. Each is defined at this module's top level with
 * `module: import.meta.url`, so the same tasks run on every runner: in this thread, or in a worker
 * thread that imports this module and finds them by name.
 *
 * Bodies report what happened through a {@link Probe}: an `Int32Array` over a
 * `SharedArrayBuffer`, which crosses to a worker thread as the same memory, so counts made in a
 * worker are seen here (with `Atomics`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EMPTY, of } from 'rxjs';
import { task } from '../../src/index.js';

/** Slots of a probe. */
export const RUNS = 0;
export const IN_FLIGHT = 1;
export const MAX_IN_FLIGHT = 2;
export const DONE = 3;
export const ATTEMPTS = 4;
export const STARTED = 5;
const SLOTS = 8;

/** Counters shared between this thread and the threads that run bodies. */
export type Probe = Int32Array;

export function newProbe(): Probe {
  return new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

function enter(probe: Probe): void {
  Atomics.add(probe, RUNS, 1);
  const now = Atomics.add(probe, IN_FLIGHT, 1) + 1;
  for (let max = Atomics.load(probe, MAX_IN_FLIGHT); now > max; max = Atomics.load(probe, MAX_IN_FLIGHT)) {
    if (Atomics.compareExchange(probe, MAX_IN_FLIGHT, max, now) === max) break;
  }
}

function leave(probe: Probe): void {
  Atomics.sub(probe, IN_FLIGHT, 1);
}

/** Counts its run and returns `value`. */
export const count = task({ name: 'count', module: import.meta.url }, (probe: Probe, value: number) => {
  Atomics.add(probe, RUNS, 1);
  return value;
});

/** `x + y`. */
export const add = task({ name: 'add', module: import.meta.url }, (x: number, y: number) => x + y);

/** The sum of a list. */
export const sum = task({ name: 'sum', module: import.meta.url }, (values: readonly number[]) => values.reduce((a, b) => a + b, 0));

/** Waits `ms`, counted in flight, then returns `value`. */
export const sleepy = task({ name: 'sleepy', module: import.meta.url }, async (probe: Probe, ms: number, value: number) => {
  enter(probe);
  try {
    await sleep(ms);
    return value;
  } finally {
    leave(probe);
  }
});

/**
 * Counted in flight, waits until `target` runs have been in flight at once (or `patienceMs`
 * passes), then returns `value`. A runner that allows `target` at once lets every run through at
 * once; one that allows fewer makes them wait out their patience.
 */
export const barrier = task({ name: 'barrier', module: import.meta.url }, async (probe: Probe, target: number, value: number, patienceMs: number) => {
  enter(probe);
  try {
    const deadline = Date.now() + patienceMs;
    while (Atomics.load(probe, MAX_IN_FLIGHT) < target && Date.now() < deadline) await sleep(5);
    return value;
  } finally {
    leave(probe);
  }
});

/** Waits a little, then raises the probe's DONE flag. */
export const markDone = task({ name: 'mark_done', module: import.meta.url }, async (probe: Probe, ms: number) => {
  await sleep(ms);
  Atomics.store(probe, DONE, 1);
  return 'marked';
});

/** Reads the probe's DONE flag. */
export const readDone = task({ name: 'read_done', module: import.meta.url }, (probe: Probe) => {
  Atomics.add(probe, RUNS, 1);
  return Atomics.load(probe, DONE);
});

/** An error with a name and a code of its own, as task code throws them. */
export class ConformanceError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'ConformanceError';
    this.code = code;
  }
}

/** Fails with a {@link ConformanceError}. */
export const fail = task({ name: 'fail', module: import.meta.url }, (message: string): number => {
  throw new ConformanceError(message, 'E_CONFORMANCE');
});

/** Fails with a TypeError whose cause is another error. */
export const failWithCause = task({ name: 'fail_with_cause', module: import.meta.url }, (): number => {
  throw new TypeError('outer', { cause: new RangeError('inner') });
});

/** Describes what it was given: a value, or an upstream's error (allowFailure). */
export const describeArg = task({ name: 'describe_arg', module: import.meta.url }, (probe: Probe, arg: unknown) => {
  Atomics.add(probe, RUNS, 1);
  return arg instanceof Error ? `error: ${arg.message}` : `value: ${String(arg)}`;
});

/** Fails on its first `failures` attempts (counted in the probe), then returns the attempt number. */
export const flaky = task({ name: 'flaky', module: import.meta.url }, (probe: Probe, failures: number) => {
  const attempt = Atomics.add(probe, ATTEMPTS, 1) + 1;
  if (attempt <= failures) throw new ConformanceError(`attempt ${attempt} failed`, 'E_FLAKY');
  return attempt;
});

/** Says it started, then never finishes (and ignores any signal). */
export const hang = task({ name: 'hang', module: import.meta.url }, (probe: Probe): Promise<number> => {
  Atomics.add(probe, STARTED, 1);
  return new Promise<number>(() => undefined);
});

/** Ten times `x`. */
export const child = task({ name: 'child', module: import.meta.url }, async (x: number) => {
  await sleep(1);
  return 10 * x;
});

/** Maps {@link child} over `xs` inside its body, waits for the children and sums them. */
export const parent = task({ name: 'parent', module: import.meta.url }, async (xs: readonly number[]) => {
  const values = await child.map([...xs]).result();
  return values.reduce((a, b) => a + b, 0);
});

/** An Observable body: its last value is the result. */
export const countdown = task({ name: 'countdown', module: import.meta.url }, (from: number) => of(...Array.from({ length: from }, (_, i) => from - i)));

/** An Observable body that completes without a value. */
export const nothing = task({ name: 'nothing', module: import.meta.url }, () => EMPTY);
