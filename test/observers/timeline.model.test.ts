/**
 * The timeline's data model (buildTimeline): a known recording → runs with their spans (waiting,
 * attempts, retry delays), final states, nesting, lanes; tolerant of several flow runs, unknown
 * event types, malformed events and runs that never finished. Also the lane packer on its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flow, STATE_NAMES, task, type RecordedEvent } from '../../src/index.js';
import { buildTimeline, type TimelineFlowRun, type TimelineRun } from '../../src/timeline.js';
import { assignLanes } from '../../src/observers/timeline/lanes.js';

type RunState = Extract<RecordedEvent, { type: 'run-state' }>;

/** Writes a recording by hand: one flow run, its runs' events at the given times. */
function recording(flowRunId = 'f1', flowName = 'etl') {
  const events: RecordedEvent[] = [];
  const v = 1 as const;
  const api = {
    events,
    started(time: number) {
      events.push({ v, type: 'flow-started', time, flowRunId, flowName });
      return api;
    },
    finished(time: number, outcome: 'Completed' | 'Failed' = 'Completed') {
      events.push({ v, type: 'flow-finished', time, flowRunId, flowName, outcome, ...(outcome === 'Failed' ? { error: { name: 'Error', message: 'flow broke' } } : {}) });
      return api;
    },
    /** A run: submitted at `time`, then `[time, state name, extra]` changes. */
    run(runId: string, taskName: string, time: number, states: [number, string, Partial<RunState>?][], parentRunId: string | null = null) {
      const base = { v, flowRunId, runId, runName: `${taskName}-${runId}`, taskName, parentRunId };
      events.push({ ...base, type: 'run-submitted', time });
      for (const [at, state, extra] of states) events.push({ ...base, type: 'run-state', time: at, state, stateType: TYPES[state] ?? state, ...extra });
      return api;
    },
  };
  return api;
}

const TYPES: Readonly<Record<string, string>> = STATE_NAMES;

/** A subflow's `flow-started`: it also names the flow run and the task run that called it. */
function subflowStarted(flowRunId: string, flowName: string, time: number, parentFlowRunId: string, parentRunId: string): RecordedEvent {
  const event = { v: 1, type: 'flow-started', time, flowRunId, flowName, parentFlowRunId, parentRunId } as const;
  return event;
}

const boom = { name: 'Error', message: 'boom' };

function only(model: { flowRuns: readonly TimelineFlowRun[] }): TimelineFlowRun {
  expect(model.flowRuns).toHaveLength(1);
  return model.flowRuns[0] as TimelineFlowRun;
}

function byId(flowRun: TimelineFlowRun, id: string): TimelineRun {
  const run = flowRun.runs.find((r) => r.id === id);
  if (run === undefined) throw new Error(`no run ${id}`);
  return run;
}

describe('buildTimeline', () => {
  it('turns a run into a wait then an attempt, with its final state', () => {
    const rec = recording()
      .started(1000)
      .run('a', 'fetch', 1000, [
        [1000, 'Pending'],
        [1005, 'Running', { attempt: 1 }],
        [1015, 'Completed'],
      ])
      .finished(1020);
    const flowRun = only(buildTimeline(rec.events));
    expect(flowRun).toMatchObject({ id: 'f1', name: 'etl', start: 1000, end: 1020, finished: true, outcome: 'Completed' });
    const run = byId(flowRun, 'a');
    expect(run).toMatchObject({ name: 'fetch-a', taskName: 'fetch', submitted: 1000, end: 1015, finished: true, state: 'Completed', stateType: 'Completed', attempts: 1, waited: 5, ran: 10, parent: null, children: [] });
    expect(run.error).toBeUndefined();
    expect(run.segments).toEqual([
      { kind: 'waiting', start: 1000, end: 1005, endedBy: 'Running' },
      { kind: 'running', start: 1005, end: 1015, attempt: 1, endedBy: 'Completed' },
    ]);
    expect(run.states.map((s) => s.name)).toEqual(['Pending', 'Running', 'Completed']);
  });

  it("keeps a run's tags from its recorded submission, and none for a run without (or with malformed ones)", () => {
    const rec = recording().started(0).run('a', 'fetch', 0, [[0, 'Completed']]).run('b', 'parse', 0, [[0, 'Completed']]).run('c', 'load', 0, [[0, 'Completed']]).finished(1);
    const submitted = (id: string) => rec.events.find((e) => e.type === 'run-submitted' && e.runId === id) as { tags?: unknown };
    submitted('a').tags = ['crm-api', 'io'];
    submitted('c').tags = ['ok', 3];
    const flowRun = only(buildTimeline(rec.events));
    expect(byId(flowRun, 'a').tags).toEqual(['crm-api', 'io']);
    expect(byId(flowRun, 'b').tags).toEqual([]);
    expect(byId(flowRun, 'c').tags).toEqual([]);
  });

  it('draws each attempt as its own span, with the retry delay between them, and keeps the last error', () => {
    const rec = recording()
      .started(0)
      .run('r', 'flaky', 0, [
        [0, 'Pending'],
        [2, 'Running', { attempt: 1 }],
        [10, 'AwaitingRetry', { attempt: 2 }],
        [30, 'Retrying', { attempt: 2 }],
        [35, 'AwaitingRetry', { attempt: 3 }],
        [45, 'Retrying', { attempt: 3 }],
        [50, 'Failed', { error: boom }],
      ])
      .finished(51, 'Failed');
    const flowRun = only(buildTimeline(rec.events));
    expect(flowRun.outcome).toBe('Failed');
    expect(flowRun.error).toEqual({ name: 'Error', message: 'flow broke' });
    const run = byId(flowRun, 'r');
    expect(run).toMatchObject({ state: 'Failed', stateType: 'Failed', attempts: 3, waited: 2, ran: 8 + 5 + 5, error: boom });
    expect(run.segments.map((s) => [s.kind, s.start, s.end, s.attempt, s.endedBy])).toEqual([
      ['waiting', 0, 2, undefined, 'Running'],
      ['running', 2, 10, 1, 'AwaitingRetry'],
      ['awaiting-retry', 10, 30, 2, 'Retrying'],
      ['running', 30, 35, 2, 'AwaitingRetry'],
      ['awaiting-retry', 35, 45, 3, 'Retrying'],
      ['running', 45, 50, 3, 'Failed'],
    ]);
  });

  it('keeps a run that never ran (upstream failed) as one wait, with no attempts', () => {
    const rec = recording()
      .started(0)
      .run('u', 'parse', 0, [
        [0, 'Pending'],
        [12, 'UpstreamFailed', { error: { name: 'UpstreamFailedError', message: 'upstream failed', code: 'UPSTREAM_FAILED' } }],
      ])
      .finished(20, 'Failed');
    const run = byId(only(buildTimeline(rec.events)), 'u');
    expect(run).toMatchObject({ state: 'UpstreamFailed', stateType: 'Failed', attempts: 0, waited: 12, ran: 0, finished: true, end: 12 });
    expect(run.error).toEqual({ name: 'UpstreamFailedError', message: 'upstream failed', code: 'UPSTREAM_FAILED' });
    expect(run.segments).toEqual([{ kind: 'waiting', start: 0, end: 12, endedBy: 'UpstreamFailed' }]);
  });

  it.each([
    ['TimedOut', 'Failed'],
    ['Cancelled', 'Cancelled'],
    ['UpstreamCancelled', 'Cancelled'],
    ['Crashed', 'Crashed'],
  ])('takes %s as the final state (type %s)', (state, type) => {
    const rec = recording()
      .started(0)
      .run('x', 't', 0, [
        [1, 'Running', { attempt: 1 }],
        [9, state, { error: boom }],
      ])
      .finished(10, 'Failed');
    expect(byId(only(buildTimeline(rec.events)), 'x')).toMatchObject({ state, stateType: type, finished: true, end: 9, error: boom });
  });

  it('groups runs by task, nests runs submitted in a body under their parent\'s group, and links parents and children', () => {
    const rec = recording()
      .started(0)
      .run('p', 'analyze', 0, [
        [0, 'Running', { attempt: 1 }],
        [50, 'Completed'],
      ])
      .run('c1', 'count_words', 5, [[6, 'Running', { attempt: 1 }], [10, 'Completed']], 'p')
      .run('c2', 'count_words', 5, [[6, 'Running', { attempt: 1 }], [12, 'Completed']], 'p')
      .run('e1', 'extract', 7, [[8, 'Running', { attempt: 1 }], [20, 'Completed']], 'p')
      .run('g1', 'deep', 9, [[9, 'Running', { attempt: 1 }], [11, 'Completed']], 'e1')
      .run('top', 'count_words', 60, [[60, 'Running', { attempt: 1 }], [61, 'Completed']])
      .run('orphan', 'extract', 62, [[62, 'Running', { attempt: 1 }], [63, 'Completed']], 'not-recorded')
      .finished(70);
    const flowRun = only(buildTimeline(rec.events));
    expect(flowRun.groups.map((g) => [g.path.join('/'), g.depth, g.parent === null ? null : flowRun.groups[g.parent]?.path.join('/'), g.runs.map((i) => flowRun.runs[i]?.id)])).toEqual([
      ['analyze', 0, null, ['p']],
      ['analyze/count_words', 1, 'analyze', ['c1', 'c2']],
      ['analyze/extract', 1, 'analyze', ['e1']],
      ['analyze/extract/deep', 2, 'analyze/extract', ['g1']],
      ['count_words', 0, null, ['top']],
      ['extract', 0, null, ['orphan']],
    ]);
    const index = (id: string) => flowRun.runs.findIndex((r) => r.id === id);
    expect(byId(flowRun, 'p').children.map((i) => flowRun.runs[i]?.id)).toEqual(['c1', 'c2', 'e1']);
    expect(byId(flowRun, 'c2').parent).toBe(index('p'));
    expect(byId(flowRun, 'g1').parent).toBe(index('e1'));
    // A parent that is not in the recording: the run is kept, at the top.
    expect(byId(flowRun, 'orphan')).toMatchObject({ parentId: 'not-recorded', parent: null });
    for (const run of flowRun.runs) expect(flowRun.groups[run.group]?.runs).toContain(flowRun.runs.indexOf(run));
  });

  it('stacks overlapping runs of a group in lanes and reuses a lane once it is free', () => {
    const rec = recording().started(0);
    const span = (id: string, from: number, to: number) => rec.run(id, 'work', from, [[from, 'Running', { attempt: 1 }], [to, 'Completed']]);
    span('a', 0, 100);
    span('b', 10, 50);
    span('c', 20, 30);
    span('d', 60, 90); // b is done: its lane is free
    span('e', 100, 120); // a ends as e starts: lane 0 again
    rec.finished(1000);
    const flowRun = only(buildTimeline(rec.events));
    expect(Object.fromEntries(flowRun.runs.map((r) => [r.id, r.lane]))).toEqual({ a: 0, b: 1, c: 2, d: 1, e: 0 });
    expect(flowRun.groups[0]?.lanes).toBe(3);
  });

  it('gives runs too short to see apart lanes of their own, unless told not to', () => {
    const rec = recording().started(0);
    for (const id of ['a', 'b', 'c']) rec.run(id, 'instant', 5, [[5, 'Running', { attempt: 1 }], [5, 'Completed']]);
    rec.finished(1000);
    expect(only(buildTimeline(rec.events)).runs.map((r) => r.lane)).toEqual([0, 1, 2]);
    expect(only(buildTimeline(rec.events, { minBarFraction: 0 })).runs.map((r) => r.lane)).toEqual([0, 0, 0]);
  });

  it('keeps runs that never finished, up to the end of the recording, and a flow run that never finished', () => {
    const rec = recording()
      .started(0)
      .run('running', 'slow', 0, [[0, 'Pending'], [3, 'Running', { attempt: 1 }]])
      .run('waiting', 'slow', 1, [[1, 'Pending']])
      .run('retrying', 'slow', 2, [[2, 'Running', { attempt: 1 }], [40, 'AwaitingRetry', { attempt: 2 }]])
      .run('done', 'fast', 0, [[0, 'Running', { attempt: 1 }], [77, 'Completed']]);
    const flowRun = only(buildTimeline(rec.events));
    expect(flowRun).toMatchObject({ start: 0, end: 77, finished: false });
    expect(flowRun.outcome).toBeUndefined();
    expect(byId(flowRun, 'running')).toMatchObject({ finished: false, state: 'Running', stateType: 'Running', end: 77, attempts: 1, waited: 3, ran: 74 });
    expect(byId(flowRun, 'running').segments.at(-1)).toEqual({ kind: 'running', start: 3, end: 77, attempt: 1, endedBy: null });
    expect(byId(flowRun, 'waiting')).toMatchObject({ finished: false, state: 'Pending', attempts: 0, waited: 76, end: 77 });
    expect(byId(flowRun, 'retrying').segments.at(-1)).toEqual({ kind: 'awaiting-retry', start: 40, end: 77, attempt: 2, endedBy: null });
    expect(byId(flowRun, 'done')).toMatchObject({ finished: true, end: 77 });
  });

  it('skips events of unknown types (a later format) and malformed ones, and lists unknown states without drawing them', () => {
    const rec = recording()
      .started(0)
      .run('a', 'fetch', 0, [
        [1, 'Running', { attempt: 1 }],
        [4, 'Paused'], // a state type this version does not know
        [9, 'Completed'],
      ])
      .finished(10);
    const later = [
      { v: 2, type: 'run-log', time: 3, flowRunId: 'f1', runId: 'a', message: 'hello' },
      { v: 1, type: 'run-state', time: 5, flowRunId: 'f1', runName: 'x', taskName: 'fetch', state: 'Running', stateType: 'Running' }, // no runId
      { v: 1, type: 'run-submitted', time: 'soon', flowRunId: 'f1', runId: 'b', runName: 'b', taskName: 'fetch', parentRunId: null },
      null,
      'not an event',
    ] as unknown as RecordedEvent[];
    const model = buildTimeline([...rec.events.slice(0, 3), ...later, ...rec.events.slice(3)]);
    expect(model.skipped).toBe(5);
    const run = byId(only(model), 'a');
    expect(run.states.map((s) => s.name)).toEqual(['Running', 'Paused', 'Completed']);
    expect(run.segments.map((s) => [s.kind, s.start, s.end])).toEqual([
      ['waiting', 0, 1],
      ['running', 1, 9],
    ]);
  });

  it("reads a recording with a failed state hook's line as known, not as an unknown event", async () => {
    const events: RecordedEvent[] = [];
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    const work = task({ name: 'work', onCompletion: () => Promise.reject(new Error('no mail')) }, () => 1);
    await flow({ name: 'hooked', record: (e) => events.push(e), logger: silent, progress: false }, () => work.submit())();
    expect(events.find((e) => e.type === 'hook-failed')).toMatchObject({ hook: 'onCompletion', runName: 'work-0', taskName: 'work', timedOut: false, error: { name: 'Error', message: 'no mail' } });
    const model = buildTimeline(events);
    expect(model.skipped).toBe(0);
    expect(only(model).runs.map((r) => r.name)).toEqual(['work-0']);
  });

  it('names a flow run by its recorded flowRunName, and a flow run without one by its flow alone', async () => {
    const events: RecordedEvent[] = [];
    const sync = flow({ name: 'sync', flowRunName: 'sync-{day}', record: (e) => events.push(e), progress: false }, (day: string) => day);
    await sync('monday');
    await sync('tuesday');
    await flow({ name: 'plain', record: (e) => events.push(e), progress: false }, () => 1)();
    const flowRuns = buildTimeline(events).flowRuns;
    expect(flowRuns.map((f) => [f.name, f.flowRunName])).toEqual([
      ['sync', 'sync-monday'],
      ['sync', 'sync-tuesday'],
      ['plain', undefined],
    ]);
    expect(flowRuns[2]).not.toHaveProperty('flowRunName');
  });

  it("keeps a task's failed hooks on its run and the flow's own on its flow run: hook, function, time, timed out or not, error", async () => {
    const events: RecordedEvent[] = [];
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    const notifySlack = () => Promise.reject(new Error('503'));
    const sendMail = () => new Promise<void>(() => undefined);
    const broken = task({ name: 'broken', onFailure: [notifySlack, sendMail] }, () => {
      throw new Error('no data');
    });
    const fine = task('fine', () => 1);
    const report = () => {
      throw new TypeError('no report');
    };
    await flow({ name: 'hooked', record: (e) => events.push(e), logger: silent, progress: false, hookTimeout: 10, onCompletion: report }, async () => {
      const failed = broken.submit();
      await failed.wait();
      // Reading its state looks at its failure: the flow completes.
      return [failed.state.name, await fine()];
    })();

    const model = buildTimeline(events);
    expect(model.skipped).toBe(0);
    const flowRun = only(model);
    const run = flowRun.runs.find((r) => r.taskName === 'broken') as TimelineRun;
    expect(run.hookFailures.map(({ time: _time, ...rest }) => rest)).toEqual([
      { hook: 'onFailure', hookFunction: 'notifySlack', timedOut: false, error: { name: 'Error', message: '503' } },
      { hook: 'onFailure', hookFunction: 'sendMail', timedOut: true, error: { name: 'HookTimeoutError', message: expect.stringContaining('hookTimeout of 10ms') as string, code: 'HOOK_TIMED_OUT' } },
    ]);
    // Each at the time it was reported, after the run failed.
    const recorded = events.filter((e) => e.type === 'hook-failed').map((e) => e.time);
    expect(run.hookFailures.map((f) => f.time)).toEqual(recorded.slice(0, 2));
    for (const failure of run.hookFailures) expect(failure.time).toBeGreaterThanOrEqual(run.end);
    expect(flowRun.runs.find((r) => r.taskName === 'fine')?.hookFailures).toEqual([]);
    expect(flowRun.hookFailures).toEqual([{ hook: 'onCompletion', hookFunction: 'report', time: recorded[2], timedOut: false, error: { name: 'TypeError', message: 'no report' } }]);
    // A hook failure changes no state.
    expect(flowRun.outcome).toBe('Completed');
    expect(run.state).toBe('Failed');
  });

  it("keeps a failed hook of a run that is not in the recording on the flow run, named, and skips a malformed hook line", () => {
    const rec = recording().started(0).run('a', 'fetch', 0, [[1, 'Running', { attempt: 1 }], [5, 'Completed']]).finished(10);
    const hookFailed = { v: 1, type: 'hook-failed', flowRunId: 'f1', flowName: 'etl', hook: 'onCompletion', hookFunction: 'ping', timedOut: false, message: 'hook onCompletion threw' } as const;
    const events = [
      ...rec.events.slice(0, -1),
      { ...hookFailed, time: 6, runId: 'gone', runName: 'fetch-gone', taskName: 'fetch', error: { name: 'Error', message: 'down', stack: 'at ping (secret.ts:1)' } },
      { ...hookFailed, time: 7, hook: 3, error: boom }, // malformed: no hook name
      { ...hookFailed, time: 8, error: 'not an error' },
      ...rec.events.slice(-1),
    ] as unknown as RecordedEvent[];
    const model = buildTimeline(events);
    expect(model.skipped).toBe(2);
    const flowRun = only(model);
    // Only the recorded error's name, message and code are kept.
    expect(flowRun.hookFailures).toEqual([{ hook: 'onCompletion', hookFunction: 'ping', time: 6, timedOut: false, error: { name: 'Error', message: 'down' }, runName: 'fetch-gone' }]);
    expect(byId(flowRun, 'a').hookFailures).toEqual([]);
  });

  it('draws a recording without flow run names or hook lines as before: no name, no hook failures', () => {
    const flowRun = only(buildTimeline(recording().started(0).run('a', 'fetch', 0, [[0, 'Completed']]).finished(1).events));
    expect(flowRun).not.toHaveProperty('flowRunName');
    expect(flowRun.hookFailures).toEqual([]);
    expect(byId(flowRun, 'a').hookFailures).toEqual([]);
  });

  it('keeps the flow runs of one recording apart, in the order they started', () => {
    const second = recording('f2', 'load').started(500).run('x', 'load', 500, [[501, 'Running', { attempt: 1 }], [510, 'Completed']]).finished(520);
    const first = recording('f1', 'extract').started(100).run('x', 'extract', 100, [[101, 'Running', { attempt: 1 }], [150, 'Completed']]).finished(160);
    // Interleaved, as two flow runs recorded by one function sink would be.
    const events = [second.events[0], first.events[0], ...second.events.slice(1), ...first.events.slice(1)] as RecordedEvent[];
    const model = buildTimeline(events);
    expect(model.flowRuns.map((f) => [f.id, f.name, f.start, f.end, f.runs.map((r) => `${r.taskName}:${r.end}`)])).toEqual([
      ['f1', 'extract', 100, 160, ['extract:150']],
      ['f2', 'load', 500, 520, ['load:510']],
    ]);
  });

  it('draws each subflow right after the flow run that called it, linked to it, and selects a flow run with its subflows', () => {
    const parent = recording('f1', 'nightly').started(100).run('a', 'load', 100, [[101, 'Running', { attempt: 1 }], [190, 'Completed']]).finished(200);
    const other = recording('f3', 'nightly').started(120).finished(130);
    const child = recording('f2', 'load_one').run('b', 'fetch', 150, [[151, 'Running', { attempt: 1 }], [160, 'Completed']]).finished(170);
    const grandchild = recording('f4', 'parse').finished(158);
    const events = [
      ...parent.events.slice(0, -1),
      ...other.events,
      subflowStarted('f2', 'load_one', 150, 'f1', 'a'),
      subflowStarted('f4', 'parse', 155, 'f2', 'b'),
      ...grandchild.events,
      ...child.events,
      ...parent.events.slice(-1),
    ];
    const model = buildTimeline(events);
    expect(model.skipped).toBe(0);
    expect(model.flowRuns.map((f) => [f.id, f.parent, f.parentFlowRunId, f.parentRunId])).toEqual([
      ['f1', null, undefined, undefined],
      ['f2', 0, 'f1', 'a'],
      ['f4', 1, 'f2', 'b'],
      ['f3', null, undefined, undefined],
    ]);
    expect(buildTimeline(events, { flowRunIds: ['f2'] }).flowRuns.map((f) => [f.id, f.parent])).toEqual([
      ['f2', null],
      ['f4', 0],
    ]);
    expect(buildTimeline(events, { flowRunIds: ['f3', 'nope'] }).flowRuns.map((f) => f.id)).toEqual(['f3']);
    // Parents in a cycle (a malformed file): every flow run still drawn, once.
    const cycle = [subflowStarted('x', 'x', 1, 'y', 'r'), subflowStarted('y', 'y', 2, 'x', 'r')];
    expect(buildTimeline(cycle).flowRuns.map((f) => f.id).sort()).toEqual(['x', 'y']);
  });

  it('gives a run first seen by a state change (a recording that starts mid-flow) a bar, and an empty recording no flow runs', () => {
    const events: RecordedEvent[] = [
      { v: 1, type: 'run-state', time: 7, flowRunId: 'f9', runId: 'r', runName: 'late', taskName: 't', parentRunId: null, stateType: 'Running', state: 'Running', attempt: 1 },
      { v: 1, type: 'run-state', time: 9, flowRunId: 'f9', runId: 'r', runName: 'late', taskName: 't', parentRunId: null, stateType: 'Completed', state: 'Completed' },
    ];
    const flowRun = only(buildTimeline(events));
    expect(flowRun).toMatchObject({ id: 'f9', name: 'f9', start: 7, end: 9, finished: false });
    expect(flowRun.runs[0]).toMatchObject({ name: 'late', submitted: 7, end: 9, state: 'Completed', finished: true, waited: 0 });
    expect(buildTimeline([])).toEqual({ flowRuns: [], skipped: 0 });
  });

  it('draws a real flow run, recorded: a retried run, a failure, the run it failed upstream of, and a nested map', async () => {
    const events: RecordedEvent[] = [];
    let calls = 0;
    const flaky = task({ name: 'flaky', retries: 1, retryDelay: 5 }, () => {
      if (++calls === 1) throw new Error('first try fails');
      return 1;
    });
    const broken = task('broken', () => {
      throw new TypeError('always fails');
    });
    const downstream = task('downstream', (x: number) => x);
    const leaf = task('leaf', (x: number) => x * 2);
    const parent = task('parent', async (xs: number[]) => (await leaf.map(xs).result()).length);
    await flow({ name: 'real', record: (event) => events.push(event) }, async () => {
      const f = flaky.submit();
      const b = broken.submit();
      const d = downstream.submit(b);
      const p = parent.submit([1, 2, 3]);
      await Promise.all([f.wait(), b.wait(), d.wait(), p.wait()]);
      return [f.state.name, b.state.name, d.state.name, p.state.name];
    })();

    const flowRun = only(buildTimeline(events));
    expect(flowRun.finished).toBe(true);
    const byTask = (name: string) => flowRun.runs.filter((r) => r.taskName === name);
    expect(byTask('flaky')[0]).toMatchObject({ state: 'Completed', attempts: 2 });
    expect(byTask('flaky')[0]?.segments.map((s) => s.kind)).toEqual(['waiting', 'running', 'awaiting-retry', 'running']);
    expect(byTask('broken')[0]).toMatchObject({ state: 'Failed', attempts: 1, error: { name: 'TypeError', message: 'always fails' } });
    expect(byTask('downstream')[0]).toMatchObject({ state: 'UpstreamFailed', attempts: 0, error: { code: 'UPSTREAM_FAILED' } });
    expect(byTask('leaf')).toHaveLength(3);
    const parentIndex = flowRun.runs.indexOf(byTask('parent')[0] as TimelineRun);
    for (const run of byTask('leaf')) expect(run).toMatchObject({ parent: parentIndex, state: 'Completed' });
    expect(flowRun.groups.map((g) => g.path.join('/')).sort()).toEqual(['broken', 'downstream', 'flaky', 'parent', 'parent/leaf']);
  });
});

describe('assignLanes', () => {
  it('never puts overlapping intervals in one lane, and uses no more lanes than the most that overlap', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 200 })).map(([start, length]) => ({ start, end: start + length }));
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (intervals, minSpan) => {
        const { lanes, count } = assignLanes(intervals, minSpan);
        const occupied = intervals.map(({ start, end }) => ({ start, end: Math.max(end, start + minSpan) }));
        for (let i = 0; i < intervals.length; i++) {
          for (let j = i + 1; j < intervals.length; j++) {
            const a = occupied[i] as { start: number; end: number };
            const b = occupied[j] as { start: number; end: number };
            if (lanes[i] === lanes[j]) expect(a.end <= b.start || b.end <= a.start).toBe(true);
          }
        }
        // Interval partitioning is optimal: lanes = the largest number of intervals open at once.
        let most = 0;
        for (const { start } of occupied) most = Math.max(most, occupied.filter((o) => o.start <= start && start < o.end).length);
        expect(count).toBe(most);
        expect(new Set(lanes).size).toBe(count);
      }),
      { numRuns: 200 },
    );
  });
});
