import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlowRun } from '../../src/engine/flow-run.js';
import type { FlowEvent } from '../../src/core/events.js';
import { startFlowRun } from '../../src/api/flow.js';
import { flow, task, type State } from '../../src/index.js';
import type { OutputStream } from '../../src/observers/progress-display.js';
import { ProgressModel, type ProgressSnapshot } from '../../src/observers/progress-model.js';
import { formatDuration, formatRate, renderProgressLine } from '../../src/observers/progress-render.js';
import { attachProgress, isCi, LINE_EVERY_MS, progressMode, SHOW_AFTER_MS, type ProgressEnv } from '../../src/observers/progress.js';
import { ConcurrentTaskRunner } from '../../src/runners/concurrent.js';
import { Screen } from '../helpers/screen.js';

// ---- recorded events ----------------------------------------------------------------------------

const base = { flowRunId: 'f', parentRunId: undefined, taskName: 'score', tags: [] };
const started = (timestamp: number): FlowEvent => ({ type: 'flow-started', timestamp, flowRunId: 'f', flowName: 'evaluate' });
const finished = (timestamp: number): FlowEvent => ({ type: 'flow-finished', timestamp, flowRunId: 'f', flowName: 'evaluate', outcome: 'Completed', error: undefined });
const submitted = (runId: string, timestamp: number): FlowEvent => ({ type: 'run-submitted', timestamp, runId, runName: runId, ...base });
/** A state without its time (which the event gives): each kind of state keeps its own fields. */
type Untimed<S> = S extends unknown ? Omit<S, 'timestamp'> : never;
const state = (runId: string, timestamp: number, s: Untimed<State>): FlowEvent => ({
  type: 'run-state',
  timestamp,
  runId,
  runName: runId,
  ...base,
  state: { ...s, timestamp } as State,
});
const running = (runId: string, t: number, attempt = 1): FlowEvent => state(runId, t, { type: 'Running', name: attempt > 1 ? 'Retrying' : 'Running', attempt });
const completed = (runId: string, t: number): FlowEvent => state(runId, t, { type: 'Completed', name: 'Completed', value: 1 });
const failed = (runId: string, t: number): FlowEvent => state(runId, t, { type: 'Failed', name: 'Failed', error: new Error('x') });

function fold(events: FlowEvent[], label = 'evaluate'): ProgressModel {
  const model = new ProgressModel(label);
  for (const event of events) model.apply(event);
  return model;
}

describe('ProgressModel (folded over recorded events)', () => {
  it('should count done, failed, cancelled, running and total', () => {
    const model = fold([
      started(0),
      ...['a', 'b', 'c', 'd', 'e'].map((id) => submitted(id, 0)),
      ...['a', 'b', 'c', 'd', 'e'].map((id) => state(id, 0, { type: 'Pending', name: 'Pending' })),
      running('a', 10),
      running('b', 10),
      running('c', 10),
      completed('a', 100),
      failed('b', 120),
      state('d', 130, { type: 'Failed', name: 'UpstreamFailed', error: new Error('up') }),
      state('e', 140, { type: 'Cancelled', name: 'Cancelled', error: new Error('c') }),
    ]);
    expect(model.snapshot(1000)).toMatchObject({ label: 'evaluate', total: 5, done: 1, failed: 2, cancelled: 1, running: 1, elapsed: 1000, finished: false });
  });

  it('should count a run that is retrying as running once, and not while it waits for its retry', () => {
    const model = fold([started(0), submitted('a', 0), running('a', 0), state('a', 50, { type: 'Scheduled', name: 'AwaitingRetry', attempt: 2 })]);
    expect(model.snapshot(60).running).toBe(0);
    model.apply(running('a', 100, 2));
    expect(model.snapshot(110)).toMatchObject({ running: 1, done: 0, failed: 0 });
    model.apply(completed('a', 200));
    expect(model.snapshot(210)).toMatchObject({ running: 0, done: 1, failed: 0, total: 1 });
  });

  it('should count a crash as a failure', () => {
    const model = fold([started(0), submitted('a', 0), running('a', 0), state('a', 5, { type: 'Crashed', name: 'Crashed', error: new Error('worker died') })]);
    expect(model.snapshot(10)).toMatchObject({ failed: 1, running: 0 });
  });

  it('should take the rate over the finishes so far and the ETA from the runs left', () => {
    const events = [started(0), ...Array.from({ length: 10 }, (_, i) => submitted(`r${i}`, 0))];
    // One finish a second: at 0.5 s, 1.5 s, 2.5 s, 3.5 s.
    for (let i = 0; i < 4; i++) events.push(completed(`r${i}`, 500 + i * 1000));
    const snapshot = fold(events).snapshot(4000);
    expect(snapshot.rate).toBeCloseTo(1, 10);
    expect(snapshot.eta).toBeCloseTo(6000, 6);
  });

  it('should take the rate over the last 10 s only, so a flow that stalls has no ETA', () => {
    const events = [started(0), submitted('a', 0), submitted('b', 0), submitted('c', 0), completed('a', 100), completed('b', 200)];
    const model = fold(events);
    expect(model.snapshot(1000).rate).toBeCloseTo(2, 10);
    const stalled = model.snapshot(30_000);
    expect(stalled.rate).toBe(0);
    expect(stalled.eta).toBeUndefined();
  });

  it('should count finishes in the window, not before it', () => {
    const events = [started(0), ...Array.from({ length: 30 }, (_, i) => submitted(`r${i}`, 0))];
    // 20 finishes in the first second, then one a second from 10 s on.
    for (let i = 0; i < 20; i++) events.push(completed(`r${i}`, 100 + i * 10));
    for (let i = 0; i < 5; i++) events.push(completed(`r${20 + i}`, 10_000 + i * 1000));
    const snapshot = fold(events).snapshot(15_000);
    // The window is [6 s, 15 s): 5 finishes in 9 s.
    expect(snapshot.rate).toBeCloseTo(5 / 9, 10);
  });

  it('should have no rate at its first instant, and no ETA with nothing left', () => {
    expect(fold([started(100)]).snapshot(100)).toMatchObject({ rate: undefined, eta: undefined, total: 0 });
    expect(fold([started(0), submitted('a', 0), completed('a', 10)]).snapshot(1000).eta).toBeUndefined();
  });

  it('should stop the clock at flow-finished and report the average rate', () => {
    const model = fold([started(1000), submitted('a', 1000), submitted('b', 1000), completed('a', 2000), failed('b', 3000), finished(5000)]);
    const snapshot = model.snapshot(99_999);
    expect(snapshot).toMatchObject({ finished: true, elapsed: 4000, eta: undefined, done: 1, failed: 1 });
    expect(snapshot.rate).toBeCloseTo(0.5, 10);
  });

  it('should take a total known in advance (a map), and run from the time it is given', () => {
    const model = new ProgressModel('score', 100);
    model.expect(4);
    model.apply(completed('a', 600));
    expect(model.snapshot(1100)).toMatchObject({ total: 4, done: 1, elapsed: 1000 });
  });
});

// ---- rendering ----------------------------------------------------------------------------------

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  label: 'evaluate',
  total: 300,
  done: 120,
  failed: 3,
  cancelled: 0,
  running: 16,
  elapsed: 3000,
  rate: 41,
  eta: 4200,
  finished: false,
  ...over,
});

describe('renderProgressLine', () => {
  it('should draw the bar, the counts, the rate and the ETA on one line', () => {
    expect(renderProgressLine(snap(), 100)).toBe('evaluate █████████░░░░░░░░░░░░░░░ 120/300 done · 3 failed · 16 running · 41/s · ETA 4s');
  });

  it('should fit the width: a shorter bar, then none, then the text cut', () => {
    const line = renderProgressLine(snap(), 72);
    expect(line).toBe('evaluate ███░░░░░░ 120/300 done · 3 failed · 16 running · 41/s · ETA 4s');
    expect(line.length).toBe(71);
    expect(renderProgressLine(snap(), 66)).toBe('evaluate 120/300 done · 3 failed · 16 running · 41/s · ETA 4s');
    expect(renderProgressLine(snap(), 30)).toBe('evaluate 120/300 done · 3 fa…');
  });

  it('should show cancelled runs when there are some, and leave out a rate or ETA it does not have', () => {
    expect(renderProgressLine(snap({ cancelled: 2, rate: undefined, eta: undefined }), 200, false)).toBe('evaluate 120/300 done · 3 failed · 2 cancelled · 16 running');
  });

  it('should say how long it took once finished, with a full bar only when every run is done', () => {
    const done = snap({ done: 297, failed: 3, running: 0, finished: true, elapsed: 7300, rate: 41.1, eta: undefined });
    expect(renderProgressLine(done, 100)).toBe(`evaluate ${'█'.repeat(24)} 297/300 done · 3 failed · 41/s · took 7s`);
    expect(renderProgressLine(snap({ done: 299, failed: 0 }), 100)).toContain(`${'█'.repeat(23)}░`);
  });

  it('should give the plain line (no bar) for logs', () => {
    expect(renderProgressLine(snap(), Number.POSITIVE_INFINITY, false)).toBe('evaluate 120/300 done · 3 failed · 16 running · 41/s · ETA 4s');
  });

  it('should draw an empty bar for nothing submitted yet', () => {
    expect(renderProgressLine(snap({ total: 0, done: 0, failed: 0, running: 0, rate: undefined, eta: undefined }), 80)).toBe(
      `evaluate ${'░'.repeat(24)} 0/0 done · 0 failed · 0 running`,
    );
  });

  it('should format durations and rates', () => {
    expect([0, 400, 4200, 59_400, 125_000, 3_725_000].map(formatDuration)).toEqual(['0s', '0s', '4s', '59s', '2m05s', '1h02m']);
    expect([0.5, 9.94, 41.4, 999, 12_345].map(formatRate)).toEqual(['0.5/s', '9.9/s', '41/s', '999/s', '12.3k/s']);
  });
});

// ---- when it is on ------------------------------------------------------------------------------

interface FakeTerminal {
  readonly env: ProgressEnv;
  readonly screen: Screen;
  readonly writes: { stderr: OutputStream['write']; stdout: OutputStream['write'] };
}

/** stderr and stdout on one fake terminal (or, with `tty: false`, two pipes feeding it). */
function fakeTerminal(options: { tty?: boolean; ci?: boolean; dumb?: boolean; columns?: number } = {}): FakeTerminal {
  const screen = new Screen();
  const stream = (): OutputStream => ({
    isTTY: options.tty ?? true,
    columns: options.columns ?? 80,
    write: (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      screen.feed(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    },
  });
  const stderr = stream();
  const stdout = stream();
  return { env: { stderr, stdout, ci: options.ci ?? false, dumb: options.dumb ?? false }, screen, writes: { stderr: stderr.write, stdout: stdout.write } };
}

/** A TestScheduler whose flush runs every timer (not only those within 750 frames). */
function newScheduler(): TestScheduler {
  const scheduler = new TestScheduler(() => undefined);
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  return scheduler;
}

function newFlowRun(name: string, scheduler = newScheduler()): FlowRun {
  return new FlowRun(name, new ConcurrentTaskRunner(), scheduler, true);
}

describe('progressMode (the default, and forcing it)', () => {
  const env = (over: Partial<ProgressEnv> & { tty?: boolean }): ProgressEnv => ({ ...fakeTerminal({ tty: over.tty ?? true }).env, ...over });

  it('should be on by default only on a terminal, outside CI, with a TERM that can move the cursor', () => {
    expect(progressMode(undefined, env({}))).toBe('bar');
    expect(progressMode(undefined, env({ tty: false }))).toBe('off');
    expect(progressMode(undefined, env({ ci: true }))).toBe('off');
    expect(progressMode(undefined, env({ dumb: true }))).toBe('off');
  });

  it('should turn off with false and on with true: a bar on a terminal, plain lines elsewhere', () => {
    expect(progressMode(false, env({}))).toBe('off');
    expect(progressMode(true, env({ ci: true }))).toBe('bar');
    expect(progressMode(true, env({ tty: false }))).toBe('lines');
    expect(progressMode(true, env({ dumb: true }))).toBe('lines');
  });

  it('should read CI as set unless it is empty, 0 or false', () => {
    expect([undefined, '', ' ', '0', 'false', 'FALSE'].map(isCi)).toEqual([false, false, false, false, false, false]);
    expect(['true', '1', 'yes', 'github'].map(isCi)).toEqual([true, true, true, true]);
  });
});

describe('attachProgress', () => {
  it('should not subscribe to the events, nor draw, when stderr is not a terminal or CI is set', () => {
    for (const options of [{ tty: false }, { ci: true }, { dumb: true }]) {
      const terminal = fakeTerminal(options);
      const flowRun = newFlowRun('quiet');
      attachProgress(flowRun, { name: 'quiet' }, terminal.env);
      expect(flowRun.hasListeners).toBe(false);
      expect(terminal.screen.raw).toBe('');
    }
    const terminal = fakeTerminal();
    const off = newFlowRun('off');
    attachProgress(off, { name: 'off', progress: false }, terminal.env);
    expect(off.hasListeners).toBe(false);
    const on = newFlowRun('on');
    attachProgress(on, { name: 'on' }, terminal.env);
    expect(on.hasListeners).toBe(true);
  });

  it('should reject a progress option that is not a boolean, when the flow is defined', () => {
    expect(() => {
      attachProgress(newFlowRun('x'), { name: 'x', progress: 'yes' as unknown as boolean }, fakeTerminal().env);
    }).toThrow(/`progress` must be true or false/);
    expect(() => flow({ name: 'x', progress: 'yes' as unknown as boolean }, () => 1)).toThrow(/flow "x": `progress` must be true or false/);
  });

  /** Runs `body` as a flow with progress attached to `terminal`, in virtual time. */
  async function runFlow(terminal: FakeTerminal, progress: boolean | undefined, body: (scheduler: TestScheduler) => unknown): Promise<void> {
    const scheduler = newScheduler();
    const flowRun = newFlowRun('evaluate', scheduler);
    attachProgress(flowRun, { name: 'evaluate', progress }, terminal.env);
    const handle = startFlowRun({ name: 'evaluate', scheduler }, () => body(scheduler), [], flowRun);
    scheduler.flush();
    await handle.result();
  }

  it('should draw no bar for a flow that ends before it would show', async () => {
    const terminal = fakeTerminal();
    await runFlow(terminal, undefined, (scheduler) => task('quick', (_: number) => timer(SHOW_AFTER_MS - 100, scheduler)).map([1, 2, 3]));
    expect(terminal.screen.raw).toBe('');
  });

  it('should draw a bar on a terminal, print task output whole above it, and leave a final line', async () => {
    const terminal = fakeTerminal();
    const stdout = terminal.env.stdout;
    await runFlow(terminal, undefined, (scheduler) => {
      const score = task('score', (n: number) => {
        // A partial line and its end, a whole line, and a line on stderr: each lands whole.
        stdout.write(`scoring `);
        stdout.write(`item ${n}\n`);
        if (n === 6) terminal.env.stderr.write('warning: item 6 is odd\n');
        return timer(200, scheduler);
      });
      return score.with({ maxConcurrency: 2 }).map([0, 1, 2, 3, 4, 5, 6, 7]);
    });
    const screen = terminal.screen.text();
    // Items 0 to 5 started before the bar showed (at 500 ms), 6 and 7 while it was shown.
    expect(screen).toEqual([
      'scoring item 0',
      'scoring item 1',
      'scoring item 2',
      'scoring item 3',
      'scoring item 4',
      'scoring item 5',
      'scoring item 6',
      'warning: item 6 is odd',
      'scoring item 7',
      `evaluate ${'█'.repeat(24)} 8/8 done · 0 failed · 10/s · took 1s`,
    ]);
    // While it ran, the bar was drawn (partly filled) and redrawn under each line of output.
    expect(terminal.screen.raw).toMatch(/evaluate █+░+ 4\/8 done · 0 failed · 2 running · 8\.0\/s · ETA 1s/u);
    // Each line written meanwhile replaced the bar (cleared below the cursor), whole, in one go.
    expect(terminal.screen.raw).toContain('\x1b[0Jscoring item 6\n');
    expect(terminal.screen.raw).toContain('\x1b[0Jwarning: item 6 is odd\n');
    // The writes are the streams' own again.
    expect(terminal.env.stdout.write).toBe(terminal.writes.stdout);
    expect(terminal.env.stderr.write).toBe(terminal.writes.stderr);
  });

  it('should stack two flows running at once as two bars, and leave each one its final line', async () => {
    const terminal = fakeTerminal();
    const scheduler = newScheduler();
    const handles = ['first', 'second'].map((name, i) => {
      const flowRun = newFlowRun(name, scheduler);
      attachProgress(flowRun, { name }, terminal.env);
      return startFlowRun({ name, scheduler }, () => task('t', (_: number) => timer(1000 * (i + 1), scheduler)).map([1, 2]), [], flowRun);
    });
    scheduler.flush();
    await Promise.all(handles.map((h) => h.result()));
    expect(terminal.screen.text()).toEqual([`first ${'█'.repeat(24)} 2/2 done · 0 failed · 2.0/s · took 1s`, `second ${'█'.repeat(24)} 2/2 done · 0 failed · 1.0/s · took 2s`]);
  });

  it('should write plain lines every 10 s, and one at the end, when forced where stderr is not a terminal', async () => {
    const terminal = fakeTerminal({ tty: false });
    await runFlow(terminal, true, (scheduler) => task('slow', (_: number) => timer(25_000, scheduler)).map([1, 2]));
    expect(LINE_EVERY_MS).toBe(10_000);
    expect(terminal.screen.text()).toEqual([
      'evaluate 0/2 done · 0 failed · 2 running · 0.0/s', // at 0.5 s
      'evaluate 0/2 done · 0 failed · 2 running · 0.0/s', // at 10.5 s
      'evaluate 0/2 done · 0 failed · 2 running · 0.0/s', // at 20.5 s
      'evaluate 2/2 done · 0 failed · 0.1/s · took 25s',
    ]);
    expect(terminal.screen.raw).not.toContain('\x1b');
  });
});

describe('task.with({ progress: true }).map: a bar for one map', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('should show that map\'s runs only, labelled with the task, as plain lines where stderr is not a terminal', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const scheduler = newScheduler();
    const other = task('other', () => 'x');
    const score = task('score', (n: number) => {
      if (n === 2) throw new Error('bad item');
      return timer(400 * n, scheduler);
    });
    const result = flow({ name: 'evaluate', scheduler, progress: false }, async () => {
      other.submit();
      const scored = score.with({ progress: true }).map([1, 2, 3, 4]);
      other.submit();
      await scored.wait();
      return scored.filter((f) => f.state.type === 'Completed').length;
    })();
    // The flow's body starts on a microtask; its timers are virtual.
    await Promise.resolve();
    scheduler.flush();
    expect(await result).toBe(3);
    // At 0.5 s (item 2 failed at once, item 1 finished at 0.4 s), then at the end (1.6 s).
    expect(lines).toEqual(['score 1/4 done · 1 failed · 2 running · 4.0/s · ETA 1s\n', 'score 3/4 done · 1 failed · 2.5/s · took 2s\n']);
  });

  it('should reject a progress option that is not a boolean, and leave a task without it quiet', () => {
    const score = task('score', (n: number) => n);
    expect(() => score.with({ progress: 1 as unknown as boolean })).toThrow(/option `progress` must be true or false/);
    const spy = vi.spyOn(process.stderr, 'write');
    const list = score.map([1, 2]);
    expect(list).toHaveLength(2);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('a cancelled flow', () => {
  it('should fill the bar with the runs that ran, not with the cancelled ones', () => {
    const snapshot: ProgressSnapshot = {
      label: 'evaluate',
      total: 10,
      done: 2,
      failed: 1,
      cancelled: 7,
      running: 0,
      elapsed: 1000,
      rate: 10,
      eta: undefined,
      finished: true,
    };
    expect(renderProgressLine(snapshot, 80)).toBe('evaluate █████░░░░░░░░░░░░░ 2/10 done · 1 failed · 7 cancelled · 10/s · took 1s');
  });
});

// ---- in a real pseudo-terminal ------------------------------------------------------------------

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasScript = ((): boolean => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs the fixture under `script` (a pseudo-terminal on stdin, stdout and stderr) or through pipes. */
async function runChild(mode: 'flow' | 'map' | 'cancel' | 'sigint', pty: boolean): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
  delete env.CI;
  const command = ['node', '--import', 'tsx', 'test/fixtures/progress-child.ts', mode];
  const [file, args] = pty ? ['script', ['-qfec', command.join(' '), '/dev/null']] : ['node', command.slice(1)];
  return promisify(execFile)(file, args, { cwd: root, env, encoding: 'utf8' });
}

describe.skipIf(!hasScript)('in a pseudo-terminal (util-linux script)', () => {
  const items = Array.from({ length: 30 }, (_, i) => `scored item ${i}`);

  it.each([
    ['flow', 'evaluate'],
    ['map', 'score'],
  ] as const)('should draw the %s bar live and keep every console.log line whole', async (mode, label) => {
    const { stdout } = await runChild(mode, true);
    const screen = new Screen();
    screen.feed(stdout);
    const lines = screen.text();
    // Every line the bodies printed is on the screen, whole and on its own line.
    for (const item of items) expect(lines).toContain(item);
    expect(lines.filter((line) => line.includes('scored item') && !items.includes(line))).toEqual([]);
    // The bar was drawn while the flow ran (part-filled), and its final line stays.
    expect(stdout).toMatch(new RegExp(`${label} █+░+ \\d+/30 done`, 'u'));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${label} █{24} 29/30 done · 1 failed · [\\d.]+/s · took \\ds$`, 'u')));
    expect(lines.at(-1)).toBe('completed 29');
  });

  it('should draw a cancelled flow as far as it got, not full', async () => {
    const { stdout } = await runChild('cancel', true);
    const lines = new Screen();
    lines.feed(stdout);
    const final = lines.text().find((line) => line.startsWith('evaluate ') && line.includes('took'));
    expect(final).toMatch(/^evaluate █*░+ \d+\/30 done · 1 failed · \d+ cancelled · /u);
    expect(lines.text()).toContain('flow ended: CancelledError');
  });

  it('should give the line back on Ctrl-C, so the shell prompt starts on a line of its own', async () => {
    // SIGINT with nobody listening ends the process: script reports it as a failure.
    const out = await runChild('sigint', true).then(
      (r) => r.stdout,
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(out).toMatch(/evaluate █*░+ \d+\/30 done/u);
    const screen = new Screen();
    screen.feed(out);
    // What the shell prints next lands where the cursor was left.
    screen.feed('PROMPT$ ');
    expect(screen.text().at(-1)).toBe('PROMPT$');
  });

  it('should print nothing on stderr when it is not a terminal', async () => {
    const { stdout, stderr } = await runChild('flow', false);
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n').sort()).toEqual([...items, 'completed 29'].sort());
  });
});
