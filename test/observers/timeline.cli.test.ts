/**
 * From a recording file to a timeline file: readRecording, and `sluice timeline` run from the
 * sources as a user runs it (`npm run sluice -- timeline ...`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { flow, isSluiceError, task } from '../../src/index.js';
import { readRecording } from '../../src/timeline.js';
import { syntheticRecording } from './timeline.fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sluice-timeline-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (events: readonly unknown[]) => `${events.map((event) => JSON.stringify(event)).join('\n')}\n`;

/** `sluice` from the sources; resolves with its exit code and output, failing or not. */
async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('readRecording', () => {
  it('reads what flow({ record }) wrote, in order', async () => {
    const path = join(dir, 'real.jsonl');
    const double = task('double', (x: number) => 2 * x);
    await flow({ name: 'doubles', record: path }, () => double.map([1, 2, 3]).result())();
    const events = readRecording(path);
    expect(events[0]).toMatchObject({ v: 1, type: 'flow-started', flowName: 'doubles' });
    expect(events.at(-1)).toMatchObject({ type: 'flow-finished', outcome: 'Completed' });
    expect(events.filter((event) => event.type === 'run-submitted')).toHaveLength(3);
  });

  it('skips blank lines and a last line cut short, and names a bad line elsewhere', () => {
    const events = syntheticRecording(5);
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${lines(events)}\n{"v":1,"type":"run-st`);
    expect(readRecording(cut)).toEqual(events);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${lines(events.slice(0, 2))}not json\n${lines(events.slice(2))}`);
    expect(() => readRecording(bad)).toThrow(`${bad}:3 is not a recorded event`);

    const notObject = join(dir, 'array.jsonl');
    writeFileSync(notObject, '[1,2]\n{}\n');
    expect(() => readRecording(notObject)).toThrow(`${notObject}:1 is not a recorded event: expected a JSON object`);
  });

  it('says which file it cannot read', () => {
    const missing = join(dir, 'missing.jsonl');
    let caught: unknown;
    try {
      readRecording(missing);
    } catch (error) {
      caught = error;
    }
    expect(isSluiceError(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toContain(`cannot read the recording ${missing}`);
  });
});

describe('sluice timeline', () => {
  it('writes the timeline of a recording to -o, and says where', async () => {
    const recording = join(dir, 'runs.jsonl');
    writeFileSync(recording, lines(syntheticRecording(200)));
    const out = join(dir, 'timeline.html');
    const { code, stdout } = await sluice('timeline', recording, '-o', out, '--title', 'nightly <run>');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`sluice timeline: 200 runs of 1 flow run(s) drawn to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>nightly &#60;run&#62;</title>');
  }, 70_000);

  it('writes next to the recording by default, and counts events it skipped', async () => {
    const recording = join(dir, 'later.jsonl');
    writeFileSync(recording, lines([...syntheticRecording(3), { v: 2, type: 'run-log', time: 1, flowRunId: 'f0', message: 'from the future' }]));
    const { code, stdout } = await sluice('timeline', recording);
    expect(code).toBe(0);
    expect(stdout).toContain(`drawn to ${join(dir, 'later.html')} (1 events of unknown types skipped)`);
    expect(existsSync(join(dir, 'later.html'))).toBe(true);
  }, 70_000);

  it('draws the ten flow runs that recorded to one file at once, or the one given with --flow-run', async () => {
    const recording = join(dir, 'shared.jsonl');
    const step = task('step', async (x: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      return x;
    });
    // One flow run per request, as in a server, all recording to one path.
    const perRequest = flow({ name: 'per-request', record: recording }, (n: number) => step.map(Array.from({ length: n }, (_, i) => i)).result());
    const handles = Array.from({ length: 10 }, () => perRequest.start(300));
    await Promise.all(handles.map((handle) => handle.result()));

    const out = join(dir, 'shared.html');
    const all = await sluice('timeline', recording, '-o', out);
    expect(all.code).toBe(0);
    expect(all.stdout.trim()).toBe(`sluice timeline: 3000 runs of 10 flow run(s) drawn to ${out}`);

    const picked = handles[3]?.id as string;
    const one = await sluice('timeline', recording, '--flow-run', picked, '-o', join(dir, 'one.html'));
    expect(one.stdout.trim()).toBe(`sluice timeline: 300 runs of 1 flow run(s) drawn to ${join(dir, 'one.html')}`);
    expect(readFileSync(join(dir, 'one.html'), 'utf8')).toContain(picked);

    const unknown = await sluice('timeline', recording, '--flow-run', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`sluice timeline: no flow run nope in ${recording}; it holds 10 flow run(s):`);
    for (const handle of handles) expect(unknown.stderr).toContain(`  ${handle.id}  per-request  Completed  300 runs`);
  }, 120_000);

  it('lists each flow run with its flowRunName, when it has one, for an unknown --flow-run', async () => {
    const recording = join(dir, 'named.jsonl');
    const sync = flow({ name: 'sync', flowRunName: 'sync-{day}', record: recording }, (day: string) => task('t', () => day)());
    const monday = sync.start('monday');
    const tuesday = sync.start('tuesday');
    await Promise.all([monday.result(), tuesday.result()]);
    const { code, stderr } = await sluice('timeline', recording, '--flow-run', 'nope', '-o', join(dir, 'named.html'));
    expect(code).toBe(1);
    expect(stderr).toContain(`  ${monday.id}  sync › sync-monday  Completed  1 runs`);
    expect(stderr).toContain(`  ${tuesday.id}  sync › sync-tuesday  Completed  1 runs`);
  });

  it('lists flow names with newlines or ANSI escapes escaped, one line each', async () => {
    const recording = join(dir, 'odd-names.jsonl');
    const forged = 'FORGED: all is well';
    await flow({ name: `odd\n${forged}\u001b[31m`, record: recording }, () => task('t', () => 1)())();
    const { code, stderr } = await sluice('timeline', recording, '--flow-run', 'nope', '-o', join(dir, 'odd.html'));
    expect(code).toBe(1);
    expect(stderr).toContain(`odd\\n${forged}\\u001b[31m`);
    expect(stderr).not.toContain('\u001b');
    expect(stderr.split('\n').filter((line) => line.startsWith(forged))).toEqual([]);
  });

  it('prints its usage on a wrong call, with exit code 2, and on --help', async () => {
    const none = await sluice('timeline');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('sluice: give the recording to draw');
    expect(none.stderr).toContain('usage: sluice timeline <recording.jsonl> [-o <file.html>]');
    expect(none.stderr).not.toContain('usage: sluice worker');

    const unknown = await sluice('timeline', 'a.jsonl', '--colour', 'red');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--colour'");

    const help = await sluice('--help');
    expect(help.stdout).toContain('usage: sluice worker');
    expect(help.stdout).toContain('usage: sluice timeline');
  }, 70_000);

  it('fails with exit code 1 and the reason when the recording cannot be read', async () => {
    const { code, stderr } = await sluice('timeline', join(dir, 'nope.jsonl'));
    expect(code).toBe(1);
    expect(stderr).toContain(`sluice: cannot read the recording ${join(dir, 'nope.jsonl')}`);
  }, 70_000);
});
