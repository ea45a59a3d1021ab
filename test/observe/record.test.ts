/**
 * flow({ record }): every event of a flow run as one JSON line, in the documented format (v1).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flow, RECORD_FORMAT_VERSION, task, type RecordedEvent } from '../../src/index.js';

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

  it('rewrites the file for each flow run, in chunks for long flows', async () => {
    const file = tempFile('many.jsonl');
    const many = flow({ name: 'many', record: file }, (n: number) => child.map(Array.from({ length: n }, (_, i) => i)).result());
    await many(3000);
    // run-submitted + Pending + Running + Completed per run, and the two flow events.
    expect(readLines(file)).toHaveLength(3000 * 4 + 2);
    await many(2);
    expect(readLines(file)).toHaveLength(2 * 4 + 2);
  });

  it('refuses a record option that is neither a path nor a function, or a file it cannot write', async () => {
    expect(() => flow({ name: 'bad', record: 42 as never }, () => 1)).toThrow(/`record` must be a file path or a function, got 42/);
    const unwritable = flow({ name: 'unwritable', record: path.join(tmpdir(), 'no-such-dir-sluice', 'x', 'runs.jsonl') }, () => 1);
    await expect(unwritable()).rejects.toThrow(/cannot write the recording to .*runs\.jsonl/);
  });
});
