/**
 * The tasks of the runner conformance suite. Each is defined at this module's top level with
 * `module: import.meta.url`, so the same tasks run on every runner: in this thread, in a worker
 * thread that imports this module and finds them by name, or in a `sluice worker` process.
 *
 * Bodies report what happened through a {@link Probe}: a file that each run appends one-letter
 * marks to. Appends of a few bytes are atomic, so counts made in worker threads and in other
 * processes are seen here, in order; a probe crosses every wire as a plain `{ file }` object.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMPTY, of } from 'rxjs';
import { getRunContext, task } from '../../src/index.js';

/** Where bodies report what happened: a file of marks. */
export interface Probe {
  readonly file: string;
}

/** What a probe counted. */
export interface ProbeCounts {
  /** Bodies run. */
  readonly runs: number;
  /** Bodies in flight now, and the most at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Whether `markDone` ran. */
  readonly done: boolean;
  /** Attempts of `flaky`. */
  readonly attempts: number;
  /** Bodies of `hang` that started. */
  readonly started: number;
}

const RUN = 'r';
const ENTER = '+';
const LEAVE = '-';
const DONE = 'd';
const ATTEMPT = 'a';
const START = 's';

const probeDir = path.join(tmpdir(), `sluice-probes-${process.pid}`);
let probes = 0;

export function newProbe(): Probe {
  mkdirSync(probeDir, { recursive: true });
  const file = path.join(probeDir, `${++probes}`);
  appendFileSync(file, '');
  return { file };
}

/** Removes this process's probe files. */
export function removeProbes(): void {
  rmSync(probeDir, { recursive: true, force: true });
}

function mark(probe: Probe, what: string): void {
  appendFileSync(probe.file, what);
}

export function counts(probe: Probe): ProbeCounts {
  const marks = readFileSync(probe.file, 'latin1');
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let done = false;
  let attempts = 0;
  let started = 0;
  for (const m of marks) {
    if (m === RUN) runs++;
    else if (m === ENTER) {
      runs++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
    } else if (m === LEAVE) inFlight--;
    else if (m === DONE) done = true;
    else if (m === ATTEMPT) attempts++;
    else if (m === START) started++;
  }
  return { runs, inFlight, maxInFlight, done, attempts, started };
}

function enter(probe: Probe): void {
  mark(probe, ENTER);
}

function leave(probe: Probe): void {
  mark(probe, LEAVE);
}

/** Counts its run and returns `value`. */
export const count = task({ name: 'count', module: import.meta.url }, (probe: Probe, value: number) => {
  mark(probe, RUN);
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
    while (counts(probe).maxInFlight < target && Date.now() < deadline) await sleep(5);
    return value;
  } finally {
    leave(probe);
  }
});

/** The barrier, tagged `crm-api`: a flow's tag limit bounds it whatever the runner allows. */
export const taggedBarrier = barrier.with({ tags: ['crm-api'] });

/** Waits a little, then raises the probe's DONE flag. */
export const markDone = task({ name: 'mark_done', module: import.meta.url }, async (probe: Probe, ms: number) => {
  await sleep(ms);
  mark(probe, DONE);
  return 'marked';
});

/** Reads the probe's DONE flag. */
export const readDone = task({ name: 'read_done', module: import.meta.url }, (probe: Probe) => {
  mark(probe, RUN);
  return counts(probe).done ? 1 : 0;
});

/** An error with a name and a code of its own, as task code throws them. */
export class ConformanceError extends Error {
  readonly code: string;
  constructor(message: string, code: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
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
  mark(probe, RUN);
  return arg instanceof Error ? `error: ${arg.message}` : `value: ${String(arg)}`;
});

/** Fails on its first `failures` attempts (counted in the probe), then returns the attempt number. */
export const flaky = task({ name: 'flaky', module: import.meta.url }, (probe: Probe, failures: number) => {
  const attempt = counts(probe).attempts + 1;
  mark(probe, ATTEMPT);
  if (attempt <= failures) throw new ConformanceError(`attempt ${attempt} failed`, 'E_FLAKY');
  return attempt;
});

/** Says it started, then never finishes (and ignores any signal). */
export const hang = task({ name: 'hang', module: import.meta.url }, (probe: Probe): Promise<number> => {
  mark(probe, START);
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

/** What `getRunContext()` says inside the body, wherever it runs; logs one line with its logger. */
export const whoAmI = task({ name: 'who_am_i', module: import.meta.url, taskRunName: 'who-{label}' }, (label: string) => {
  const context = getRunContext();
  context.logger.debug(`I am ${context.runName}`);
  return {
    label,
    runName: context.runName,
    taskName: context.taskName,
    attempt: context.attempt,
    flowName: context.flowRun.name,
    flowRunId: context.flowRun.id,
    runId: context.runId,
    signal: context.signal instanceof AbortSignal && !context.signal.aborted,
  };
});

/** What {@link throwOdd} throws. */
export type OddThrow = 'undefined' | 'symbol' | 'registered symbol' | 'bigint' | 'cyclic';

/** Throws something that is not an Error: `undefined`, a symbol, a bigint or a cyclic object. */
export const throwOdd = task({ name: 'throw_odd', module: import.meta.url }, (kind: OddThrow): number => {
  switch (kind) {
    case 'undefined':
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw undefined;
    case 'symbol':
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw Symbol('odd');
    case 'registered symbol':
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw Symbol.for('sluice.odd');
    case 'bigint':
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw 12345678901234567890n;
    case 'cyclic': {
      const cyclic: { label: string; self?: unknown } = { label: 'cyclic' };
      cyclic.self = cyclic;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw cyclic;
    }
  }
});

/** A list nested `depth` levels deep: `[[[...[]]]]`. */
export function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** How deep a nested list is, counted without recursion. */
export function depthOf(value: unknown): number {
  let depth = 0;
  for (let v = value; Array.isArray(v); v = (v as unknown[])[0]) depth++;
  return depth;
}

/** Returns how deep its argument is nested. */
export const measureDepth = task({ name: 'measure_depth', module: import.meta.url }, (value: unknown) => depthOf(value));

/** Returns a list nested `depth` levels deep. */
export const makeDeep = task({ name: 'make_deep', module: import.meta.url }, (depth: number) => nested(depth));

/** Throws an Error whose chain of causes is `depth` long. */
export const throwDeepCause = task({ name: 'throw_deep_cause', module: import.meta.url }, (depth: number): number => {
  let error = new Error('cause 0');
  for (let i = 1; i < depth; i++) error = new Error(`cause ${i}`, { cause: error });
  throw new ConformanceError('the top of a deep chain', 'E_DEEP', error);
});
