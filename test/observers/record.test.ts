/**
 * flow({ record }): every event of a flow run as one JSON line, in the documented format (v1),
 * whole and in order also when many runs record to one file at once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flow, RECORD_FORMAT_VERSION, task, type RecordedEvent } from '../../src/index.js';
import { buildTimeline, readRecording } from '../../src/timeline.js';

const dirs: string[] = [];

function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-record-'));
  dirs.push(dir);
  return path.join(dir, name);
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readLines(file: string): RecordedEvent[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordedEvent);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

let attempts = 0;
const flaky = task({ name: 'flaky', retries: 1, retryDelay: 1 }, (x: number) => {
  attempts++;
  if (attempts === 1) {
    const error = new Error('first attempt fails');
    Object.assign(error, { code: 'E_FIRST' });
    throw error;
  }
  return x;
});
const boom = task('boom', (): number => {
  throw new TypeError('no luck');
});
const child = task('child', (x: number) => x * 10);
const parent = task('parent', async (xs: number[]) => (await child.map(xs).result()).length);

describe('flow({ record })', () => {
  it('writes every event as a JSON line, complete when the flow settles', async () => {
    attempts = 0;
    const file = tempFile('runs.jsonl');
    const out = await flow({ name: 'recorded', record: file }, async () => {
      const a = await flaky.submit(7).result();
      const failed = boom.submit();
      const kids = await parent.submit([1, 2]).result();
      const seen = await child.submit(failed).result().catch(() => 'upstream failed');
      return { a, kids, seen };
    })();
    expect(out).toEqual({ a: 7, kids: 2, seen: 'upstream failed' });
    const events = readLines(file);
    expect(events.every((e) => e.v === RECORD_FORMAT_VERSION)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'flow-started', flowName: 'recorded' });
    expect(events.at(-1)).toMatchObject({ type: 'flow-finished', flowName: 'recorded', outcome: 'Completed' });
    const flowRunId = events[0]?.flowRunId;
    expect(events.every((e) => e.flowRunId === flowRunId)).toBe(true);
    const times = events.map((e) => e.time);
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    const states = (runName: string): string[] => events.flatMap((e) => (e.type === 'run-state' && e.runName === runName ? [e.state] : []));
    expect(states('flaky-0')).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'Completed']);
    const retrying = events.find((e) => e.type === 'run-state' && e.runName === 'flaky-0' && e.state === 'Retrying');
    expect(retrying).toMatchObject({ stateType: 'Running', attempt: 2 });
    const failedOnce = events.find((e) => e.type === 'run-state' && e.runName === 'flaky-0' && e.state === 'AwaitingRetry');
    expect(failedOnce).toMatchObject({ stateType: 'Scheduled', attempt: 2 });
    const boomFailed = events.find((e) => e.type === 'run-state' && e.runName === 'boom-0' && e.stateType === 'Failed');
    expect(boomFailed).toMatchObject({ state: 'Failed', error: { name: 'TypeError', message: 'no luck' } });
    expect(events.some((e) => e.type === 'run-state' && e.state === 'UpstreamFailed' && e.error?.code === 'UPSTREAM_FAILED')).toBe(true);

    const submitted = events.filter((e): e is Extract<RecordedEvent, { type: 'run-submitted' }> => e.type === 'run-submitted');
    const parentRun = submitted.find((e) => e.taskName === 'parent');
    const kids = submitted.filter((e) => e.taskName === 'child' && e.parentRunId !== null);
    expect(kids).toHaveLength(2);
    expect(kids.every((k) => k.parentRunId === parentRun?.runId)).toBe(true);
    expect(parentRun?.parentRunId).toBeNull();
    // Values are not recorded.
    expect(readFileSync(file, 'utf8')).not.toContain('"value"');
  });

  it('records a failed flow with its error, and calls a function sink with each event', async () => {
    const seen: RecordedEvent[] = [];
    const failing = flow({ name: 'failing', record: (event) => seen.push(event) }, () => boom.submit().result());
    await expect(failing()).rejects.toThrow('no luck');
    expect(seen.at(-1)).toEqual({
      v: 1,
      type: 'flow-finished',
      time: expect.any(Number) as number,
      flowRunId: seen[0]?.flowRunId,
      flowName: 'failing',
      outcome: 'Failed',
      error: { name: 'TypeError', message: 'no luck' },
    });
  });

  it('keeps every line whole and in order when ten runs of a flow record to one path at once', async () => {
    const file = tempFile('shared.jsonl');
    let inFlight = 0;
    let mostInFlight = 0;
    const step = task('step', async (x: number) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return x;
    });
    // One flow run per request, as in a server; 300 runs each is more than one chunk of lines.
    const perRequest = flow({ name: 'per-request', record: file }, (n: number) => step.map(Array.from({ length: n }, (_, i) => i)).result());
    await Promise.all(Array.from({ length: 10 }, () => perRequest(300)));
    expect(mostInFlight).toBeGreaterThan(300);

    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((line) => JSON.parse(line) as RecordedEvent);
    const byFlowRun = groupBy(events, (event) => event.flowRunId);
    expect(byFlowRun.size).toBe(10);
    for (const own of byFlowRun.values()) {
      expect(own).toHaveLength(300 * 4 + 2);
      expect(own[0]).toMatchObject({ type: 'flow-started', flowName: 'per-request' });
      expect(own.at(-1)).toMatchObject({ type: 'flow-finished', outcome: 'Completed' });
      const times = own.map((e) => e.time);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      const byRun = groupBy(
        own.filter((e) => e.type === 'run-submitted' || e.type === 'run-state'),
        (e) => (e as Extract<RecordedEvent, { type: 'run-state' }>).runId,
      );
      expect(byRun.size).toBe(300);
      for (const run of byRun.values()) {
        expect(run.map((e) => (e.type === 'run-state' ? e.state : e.type))).toEqual(['run-submitted', 'Pending', 'Running', 'Completed']);
      }
    }
    const model = buildTimeline(readRecording(file));
    expect(model.skipped).toBe(0);
    expect(model.flowRuns).toHaveLength(10);
    expect(model.flowRuns.every((flowRun) => flowRun.finished && flowRun.runs.length === 300)).toBe(true);
  });

  it('starts the file afresh once per process, then appends each flow run, in chunks for long flows', async () => {
    const file = tempFile('many.jsonl');
    writeFileSync(file, 'left by an earlier process\n');
    const many = flow({ name: 'many', record: file }, (n: number) => child.map(Array.from({ length: n }, (_, i) => i)).result());
    await many(3000);
    // run-submitted + Pending + Running + Completed per run, and the two flow events.
    expect(readLines(file)).toHaveLength(3000 * 4 + 2);
    await many(2);
    const events = readLines(file);
    expect(events).toHaveLength(3000 * 4 + 2 + 2 * 4 + 2);
    expect(new Set(events.map((e) => e.flowRunId)).size).toBe(2);
  });

  it('writes a file per flow run when the path holds {flowRunId}', async () => {
    const dir = path.dirname(tempFile('x'));
    const pattern = path.join(dir, 'run-{flowRunId}.jsonl');
    const perRun = flow({ name: 'per-run', record: pattern }, (n: number) => child.map(Array.from({ length: n }, (_, i) => i)).result());
    const handles = Array.from({ length: 3 }, (_, i) => perRun.start(i + 1));
    await Promise.all(handles.map((handle) => handle.result()));
    for (const [i, handle] of handles.entries()) {
      const events = readLines(path.join(dir, `run-${handle.id}.jsonl`));
      expect(events.every((e) => e.flowRunId === handle.id)).toBe(true);
      expect(events.filter((e) => e.type === 'run-submitted')).toHaveLength(i + 1);
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('run-'))).toHaveLength(3);
  });

  it('refuses a record option that is neither a path nor a function, or a file it cannot write', async () => {
    expect(() => flow({ name: 'bad', record: 42 as never }, () => 1)).toThrow(/`record` must be a file path or a function, got 42/);
    const unwritable = flow({ name: 'unwritable', record: path.join(tmpdir(), 'no-such-dir-sluice', 'x', 'runs.jsonl') }, () => 1);
    await expect(unwritable()).rejects.toThrow(/cannot write the recording to .*runs\.jsonl/);
  });
});
