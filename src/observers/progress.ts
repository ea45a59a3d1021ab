/**
 * The live progress bars of `flow({ progress })` and `task.with({ progress: true }).map(...)`:
 * a {@link ProgressModel} folded from the flow's events, drawn by a cli-progress display on a
 * terminal, or written as an occasional plain line elsewhere. Nothing is subscribed while the
 * bar is off: a flow's events are only built while someone listens, and that costs every run.
 *
 * @module
 * @internal
 */
import type { SchedulerLike } from 'rxjs';
import type { FlowRun } from '../engine/flow-run.js';
import { rxjs } from '../core/lazy-rxjs.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import type { ObserveOptions } from './options.js';
import { displayFor, type ProgressStreams, type ShownBar } from './progress-display.js';
import { ProgressModel } from './progress-model.js';
import { renderProgressLine } from './progress-render.js';

/** A bar appears only once its flow (or map) has run this long: quick ones never flash one. */
export const SHOW_AFTER_MS = 500;
/** When stderr is not a terminal, a forced bar is a plain line this often instead. */
export const LINE_EVERY_MS = 10_000;

/** Where progress goes, and what decides whether it is on by default. @internal */
export interface ProgressEnv extends ProgressStreams {
  /** `CI` is set: on a CI machine a bar is noise in the log, so it is off unless asked for. */
  readonly ci: boolean;
  /** `TERM=dumb`: the terminal cannot move its cursor, so it gets plain lines. */
  readonly dumb: boolean;
}

/** How a bar is shown: not at all, drawn on a terminal, or as occasional plain lines. @internal */
export type ProgressMode = 'off' | 'bar' | 'lines';

/** True when `CI` holds anything but nothing, `0` or `false` (any case). @internal */
export function isCi(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/** This process's stderr and stdout, and its environment (read only when stderr is a terminal). @internal */
export function processEnv(): ProgressEnv {
  return {
    stderr: process.stderr,
    stdout: process.stdout,
    get ci() {
      return isCi(process.env.CI);
    },
    get dumb() {
      return process.env.TERM === 'dumb';
    },
  };
}

/**
 * `true` forces progress (a bar on a terminal, plain lines elsewhere), `false` turns it off, and
 * by default there is a bar only on a terminal outside CI.
 *
 * @internal
 */
export function progressMode(option: boolean | undefined, env: ProgressEnv): ProgressMode {
  if (option === false) return 'off';
  if (option === true) return forcedMode(env);
  return forcedMode(env) === 'bar' && !env.ci ? 'bar' : 'off';
}

/** What progress that was asked for looks like: a bar if stderr is a terminal that can draw one. */
function forcedMode(env: ProgressEnv): 'bar' | 'lines' {
  return env.stderr.isTTY === true && !env.dumb ? 'bar' : 'lines';
}

/** Shows `model` from {@link SHOW_AFTER_MS} on, until `end()`. */
function show(model: ProgressModel, scheduler: SchedulerLike, mode: 'bar' | 'lines', env: ProgressEnv): { end(): void } {
  const line = (width: number): string => renderProgressLine(model.snapshot(scheduler.now()), width, mode === 'bar');
  let bar: ShownBar | undefined;
  let shown = false;
  const rx = rxjs();
  // On the flow's scheduler: under a TestScheduler the bar appears in virtual time.
  const subscription =
    mode === 'bar'
      ? rx.timer(SHOW_AFTER_MS, scheduler).subscribe(() => {
          bar = displayFor(env).add(line);
        })
      : rx.timer(SHOW_AFTER_MS, LINE_EVERY_MS, scheduler).subscribe(() => {
          shown = true;
          env.stderr.write(`${line(Number.POSITIVE_INFINITY)}\n`);
        });
  let ended = false;
  return {
    end: () => {
      if (ended) return;
      ended = true;
      subscription.unsubscribe();
      // A bar that was shown leaves its final line; one that never appeared leaves nothing.
      bar?.close(line);
      if (shown) env.stderr.write(`${line(Number.POSITIVE_INFINITY)}\n`);
    },
  };
}

/** Subscribes a progress bar to a new flow run's events when its options ask for one. */
export function attachProgress(flowRun: FlowRun, options: ObserveOptions, env?: ProgressEnv): void {
  const option = options.progress;
  // A subflow's runs are counted in its parent's bar (its events reach the parent's stream).
  if (option === false || (option === undefined && flowRun.parent !== undefined)) return;
  if (option !== undefined && typeof option !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`progress\` must be true or false, got ${String(option)}`);
  }
  const environment = env ?? processEnv();
  const mode = progressMode(option, environment);
  if (mode === 'off') return;
  const model = new ProgressModel(flowRun.name);
  let shown: { end(): void } | undefined;
  const end = (): void => shown?.end();
  flowRun.events$.subscribe({
    next: (event) => {
      // A subflow's start and end are not this flow's (its runs are counted here all the same).
      if ((event.type === 'flow-started' || event.type === 'flow-finished') && event.flowRunId !== flowRun.id) return;
      model.apply(event);
      if (event.type === 'flow-started') shown ??= show(model, flowRun.scheduler, mode, environment);
      else if (event.type === 'flow-finished') end();
    },
    complete: end,
  });
}

/**
 * Shows a bar for one map's `runs` runs (labelled with the task's name), fed by the flow's
 * events for those runs only. Returns the function that registers each run's id: call it before
 * the run starts.
 *
 * @internal
 */
export function watchMapProgress(flowRun: FlowRun, taskName: string, runs: number, env: ProgressEnv = processEnv()): (runId: string) => void {
  const mode = forcedMode(env);
  const scheduler = flowRun.scheduler;
  const model = new ProgressModel(taskName, scheduler.now());
  model.expect(runs);
  const ids = new Set<string>();
  const shown = show(model, scheduler, mode, env);
  let left = runs;
  const subscription = flowRun.events$.subscribe({
    next: (event) => {
      // Runs of this map only; their `run-submitted` came before they were registered, and the
      // map's length is the total already.
      if (event.type !== 'run-state' || !ids.has(event.runId)) return;
      model.apply(event);
      const type = event.state.type;
      if (type !== 'Completed' && type !== 'Failed' && type !== 'Cancelled' && type !== 'Crashed') return;
      ids.delete(event.runId);
      if (--left > 0) return;
      model.finish(event.timestamp);
      shown.end();
      subscription.unsubscribe();
    },
    complete: () => shown.end(),
  });
  return (runId) => {
    ids.add(runId);
  };
}
