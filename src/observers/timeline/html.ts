/**
 * A timeline as one self-contained HTML file: the page, its CSS, its script and the data, with
 * nothing to fetch (no CDN, no fonts, no images), so it opens offline and can be mailed or kept
 * as a CI artifact.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { RecordedError, RecordedEvent } from '../record.js';
import { TIMELINE_SCRIPT } from './client.js';
import { buildTimeline, type TimelineFlowRun, type TimelineHookFailure, type TimelineModel, type TimelineSegmentKind } from './model.js';
import { STATE_COLOURS, TIMELINE_CSS } from './style.js';

/**
 * Options of {@link renderTimeline}.
 *
 * @example
 * ```ts
 * import { readRecording, renderTimeline, type TimelineHtmlOptions } from 'sluice/timeline';
 * const options: TimelineHtmlOptions = { title: 'nightly ETL' };
 * const html = renderTimeline(readRecording('runs.jsonl'), options);
 * ```
 */
export interface TimelineHtmlOptions {
  /**
   * The page's title.
   *
   * @defaultValue the flow names in the recording, then "timeline"
   */
  readonly title?: string;
}

/** The final states the page has a colour for (others are drawn as `Other`). */
const KNOWN_STATES = Object.keys(STATE_COLOURS).filter((state) => state !== 'Unfinished' && state !== 'Other');

const KIND_CODES: Record<TimelineSegmentKind, number> = { waiting: 0, running: 1, 'awaiting-retry': 2 };

/** A failed state hook, as the page reads it: hook, function, time, timed out (1), error, and the run's name when it is not in the recording. */
interface HookPayload {
  readonly h: string;
  readonly f: string;
  readonly t: number;
  readonly o?: 1;
  readonly err: RecordedError;
  readonly rn?: string;
}

/**
 * The data the page's script reads, in short keys to keep a 10k-run page small. Times are
 * relative to the run's flow run's start.
 */
interface Payload {
  readonly title: string;
  /** The longest flow run: the time axis. */
  readonly span: number;
  readonly skipped: number;
  readonly states: readonly string[];
  readonly flows: readonly {
    /** name, id, start (the recording's clock), duration, outcome, run count */
    readonly n: string;
    readonly i: string;
    readonly s: number;
    readonly d: number;
    readonly o: 'Completed' | 'Failed' | 'Cancelled' | null;
    readonly r: number;
    readonly err?: RecordedError;
    /** the flow run's own name (`flowRunName`), and its flow's failed hooks, when it has them */
    readonly rn?: string;
    readonly hk?: readonly HookPayload[];
    /** for a subflow: its depth (1 under a top-level flow run) and what called it */
    readonly sd?: number;
    readonly sub?: string;
    /** groups: task name, path label, depth, lanes, run count */
    readonly g: readonly { readonly t: string; readonly p: string; readonly d: number; readonly l: number; readonly n: number }[];
  }[];
  readonly runs: readonly {
    /** flow, group, lane, id, name, parent (index in `runs`, or -1) */
    readonly f: number;
    readonly g: number;
    readonly l: number;
    readonly i: string;
    readonly n: string;
    readonly p: number;
    /** state name, finished (0/1), submitted, end, attempts, waited, ran */
    readonly s: string;
    readonly d: 0 | 1;
    readonly t: number;
    readonly e: number;
    readonly a: number;
    readonly w: number;
    readonly r: number;
    /** spans: [kind code, start, end, attempt or -1] */
    readonly x: readonly (readonly [number, number, number, number])[];
    /** states: [name, time, attempt or -1] */
    readonly h: readonly (readonly [string, number, number])[];
    readonly err?: RecordedError;
    /** its task's failed hooks, when it has them */
    readonly hk?: readonly HookPayload[];
  }[];
}

/** Times to a thousandth, relative to an origin: shorter numbers, same picture. */
const rel = (time: number, origin: number): number => Math.round((time - origin) * 1000) / 1000;

/** A subflow's depth and label: the flow run and task run that called it. */
function subflowOf(model: TimelineModel, f: number, runNames: Map<number, Map<string, string>>): { sd: number; sub: string } | undefined {
  const flowRun = model.flowRuns[f] as TimelineFlowRun;
  if (flowRun.parent === null) return undefined;
  const parent = model.flowRuns[flowRun.parent] as TimelineFlowRun;
  let names = runNames.get(flowRun.parent);
  if (names === undefined) {
    names = new Map(parent.runs.map((run) => [run.id, run.name]));
    runNames.set(flowRun.parent, names);
  }
  const runName = flowRun.parentRunId === undefined ? undefined : names.get(flowRun.parentRunId);
  let depth = 0;
  for (let at: number | null = f; at !== null && depth < model.flowRuns.length; at = (model.flowRuns[at] as TimelineFlowRun).parent) depth++;
  return { sd: depth - 1, sub: `subflow of ${parent.name}${runName === undefined ? '' : ` / ${runName}`}` };
}

/** Failed hooks for the page, or nothing when there are none (a page without them is as before). */
function hooksOf(failures: readonly TimelineHookFailure[], origin: number): { hk: HookPayload[] } | undefined {
  if (failures.length === 0) return undefined;
  return {
    hk: failures.map((failure) => ({
      h: failure.hook,
      f: failure.hookFunction,
      t: rel(failure.time, origin),
      ...(failure.timedOut ? { o: 1 as const } : {}),
      err: failure.error,
      ...(failure.runName === undefined ? {} : { rn: failure.runName }),
    })),
  };
}

function toPayload(model: TimelineModel, title: string): Payload {
  const runNames = new Map<number, Map<string, string>>();
  const offsets: number[] = [];
  let total = 0;
  for (const flowRun of model.flowRuns) {
    offsets.push(total);
    total += flowRun.runs.length;
  }
  return {
    title,
    span: Math.max(0, ...model.flowRuns.map((flowRun) => flowRun.end - flowRun.start)),
    skipped: model.skipped,
    states: KNOWN_STATES,
    flows: model.flowRuns.map((flowRun, f) => ({
      n: flowRun.name,
      i: flowRun.id,
      s: flowRun.start,
      d: rel(flowRun.end, flowRun.start),
      o: flowRun.outcome ?? null,
      r: flowRun.runs.length,
      ...(flowRun.error === undefined ? {} : { err: flowRun.error }),
      ...(flowRun.flowRunName === undefined ? {} : { rn: flowRun.flowRunName }),
      ...hooksOf(flowRun.hookFailures, flowRun.start),
      ...subflowOf(model, f, runNames),
      g: flowRun.groups.map((group) => ({ t: group.taskName, p: group.path.join(' \u203a '), d: group.depth, l: group.lanes, n: group.runs.length })),
    })),
    runs: model.flowRuns.flatMap((flowRun, f) =>
      flowRun.runs.map((run) => ({
        f,
        g: run.group,
        l: run.lane,
        i: run.id,
        n: run.name,
        ...(run.tags.length === 0 ? {} : { tg: run.tags }),
        p: run.parent === null ? -1 : (offsets[f] as number) + run.parent,
        s: run.state,
        d: run.finished ? 1 : 0,
        t: rel(run.submitted, flowRun.start),
        e: rel(run.end, flowRun.start),
        a: run.attempts,
        w: rel(run.waited, 0),
        r: rel(run.ran, 0),
        x: run.segments.map((s) => [KIND_CODES[s.kind], rel(s.start, flowRun.start), rel(s.end, flowRun.start), s.attempt ?? -1] as const),
        h: run.states.map((s) => [s.name, rel(s.time, flowRun.start), s.attempt ?? -1] as const),
        ...(run.error === undefined ? {} : { err: run.error }),
        ...hooksOf(run.hookFailures, flowRun.start),
      })),
    ),
  };
}

/**
 * JSON that is safe inside a `<script>` element: `<`, `>`, `&` and `/` (so no `</script>`, no
 * `<!--`, and no URL-like text), and the two line separators JavaScript once did not allow in
 * strings, are written as escapes, which JSON reads back as the same characters.
 *
 * @internal
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&/\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text safe in HTML content and attribute values. @internal */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'/]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isModel(input: Iterable<RecordedEvent> | TimelineModel): input is TimelineModel {
  return typeof input === 'object' && input !== null && Array.isArray((input as Partial<TimelineModel>).flowRuns);
}

/**
 * A timeline of a recording as one self-contained HTML page (CSS, script and data inline;
 * nothing is fetched): every task run as a bar on a time axis, grouped by task with nested runs
 * under their parent's group, stacked in lanes, coloured by final state. A bar shows the run's
 * wait before it ran (a thin line), each attempt (failed ones in a lighter red), and retry delays
 * (amber); hover shows a summary, and a click shows its states with times, attempts, error,
 * failed state hooks, parent and children. A flow run is labelled with its flow's name and its
 * own (`flowRunName`) when it has one; a run or flow run whose state hooks failed has a mark on
 * its bar or header. It stays quick with 10k runs: one element per run, placed once.
 *
 * Recorded strings (run and task names, errors) are data, never markup: they are embedded as
 * escaped JSON and set as text, and the page's Content-Security-Policy runs only its own script.
 *
 * @param input - a recording's events (see {@link readRecording}) or a model from {@link buildTimeline}
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { flow, task } from 'sluice';
 * import { readRecording, renderTimeline } from 'sluice/timeline';
 *
 * const double = task('double', async (x: number) => 2 * x);
 * await flow({ name: 'doubles', record: 'runs.jsonl' }, () => double.map([1, 2, 3]).result())();
 * writeFileSync('timeline.html', renderTimeline(readRecording('runs.jsonl'), { title: 'doubles' }));
 * ```
 */
export function renderTimeline(input: Iterable<RecordedEvent> | TimelineModel, options: TimelineHtmlOptions = {}): string {
  const model = isModel(input) ? input : buildTimeline(input);
  const names = [...new Set(model.flowRuns.map((flowRun) => flowRun.name))];
  const title = options.title ?? (names.length === 0 ? 'timeline' : `${names.join(', ')} timeline`);
  const script = TIMELINE_SCRIPT;
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  // Only this page's own script may run, whatever a recording holds; nothing may be fetched.
  const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sluice timeline">
<title>${escapeHtml(title)}</title>
<style>${TIMELINE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<span id="summary"></span>
<div id="legend"></div>
<div id="zoom"><button type="button" id="zoom-out" title="Zoom out (Ctrl + wheel)">\u2212</button><button type="button" id="zoom-in" title="Zoom in (Ctrl + wheel)">+</button><button type="button" id="zoom-fit" title="Fit the whole run">Fit</button></div>
</header>
<main>
<div id="scroll"><div id="sheet"><div id="corner">task</div><div id="axis"></div><div id="labels"></div><div id="track"></div></div></div>
<aside id="detail"><noscript>This timeline is drawn by its inline script: allow JavaScript for this file.</noscript></aside>
</main>
<div id="tip" role="tooltip"></div>
<script type="application/json" id="sluice-timeline-data">${scriptSafeJson(toPayload(model, title))}</script>
<script>${script}</script>
</body>
</html>
`;
}
