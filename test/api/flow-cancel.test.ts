import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../../src/core/events.js';
import { buildTimeline, readRecording } from '../../src/timeline.js';
import { CancelledError, ConcurrentTaskRunner, FailedRunsError, flow, getRunContext, isSluiceError, task } from '../../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A task whose bodies are counted as they start, each taking `ms` (and ignoring its signal). */
function countedTask(name: string, ms: number) {
  let started = 0;
  const counted = task(name, async (n: number) => {
    started++;
    await sleep(ms);
    return n;
  });
  return Object.assign(counted, { started: () => started });
}

/** Waits until `check` holds, polling every few ms (at most `limit` ms). */
async function until(check: () => boolean, limit = 5_000): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > limit) throw new Error('timed out waiting');
    await sleep(5);
  }
}

describe('a flow called with a signal that has already fired', () => {
  it('should start nothing and reject at once with a CancelledError naming the flow, its cause the signal reason', async () => {
    const work = countedTask('work', 10);
    let called = 0;
    const reason = new Error('deadline passed');
    const mirror = flow({ name: 'mirror', signal: AbortSignal.abort(reason) }, (xs: number[]) => {
      called++;
      return work.map(xs);
    });
    const error: unknown = await mirror([1, 2, 3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(isSluiceError(error, 'CANCELLED') && error.flowName).toBe('mirror');
    expect((error as CancelledError).cause).toBe(reason);
    expect((error as CancelledError).cancelledRuns).toBe(0);
    expect(called).toBe(0);
    expect(work.started()).toBe(0);
  });

  it('should do the same for a definition-time AbortSignal.timeout that has since fired', async () => {
    const work = countedTask('work', 1);
    const mirror = flow({ name: 'mirror', signal: AbortSignal.timeout(5) }, (xs: number[]) => work.map(xs));
    await sleep(30);
    const error: unknown = await mirror([1, 2]).catch((e: unknown) => e);
    expect(isSluiceError(error, 'CANCELLED')).toBe(true);
    expect((error as CancelledError).cause).toMatchObject({ name: 'TimeoutError' });
    expect(work.started()).toBe(0);
  });

  it('should end the events of a started handle with flow-finished Cancelled', async () => {
    const handle = flow({ name: 'never', signal: AbortSignal.abort('stop') }, () => 1).start();
    const events: FlowEvent[] = [];
    handle.events$.subscribe((e) => events.push(e));
    await expect(handle.result()).rejects.toBeInstanceOf(CancelledError);
    expect(events.map((e) => e.type)).toEqual(['flow-started', 'flow-finished']);
    expect(events[1]).toMatchObject({ type: 'flow-finished', outcome: 'Cancelled' });
  });
});

describe('a per-call signal: flow.with({ signal })', () => {
  it('should cancel that call only, while another call of the same flow completes', async () => {
    const work = countedTask('work', 20);
    const batch = flow({ name: 'batch', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, (xs: number[]) => work.map(xs));
    const controller = new AbortController();
    const cancelled = batch.with({ signal: controller.signal })([1, 2, 3, 4, 5]);
    const other = batch([10, 20]);
    await until(() => work.started() >= 2);
    controller.abort('user pressed stop');
    const error: unknown = await cancelled.catch((e: unknown) => e);
    expect(isSluiceError(error, 'CANCELLED') && error.flowName).toBe('batch');
    expect((error as CancelledError).cause).toBe('user pressed stop');
    expect((error as CancelledError).cancelledRuns).toBeGreaterThanOrEqual(3);
    expect(await other).toEqual([10, 20]);
  });

  it('should start the clock of AbortSignal.timeout at the call, not when the module loaded', async () => {
    const quick = flow({ name: 'quick' }, async () => {
      await sleep(10);
      return 'done';
    });
    await sleep(30);
    // A signal made per call: it has not fired when the call begins.
    expect(await quick.with({ signal: AbortSignal.timeout(1_000) })()).toBe('done');
  });

  it('should keep the flow’s own signal: aborting either cancels the call', async () => {
    const own = new AbortController();
    const slow = task('slow', () => sleep(200));
    const f = flow({ name: 'both', signal: own.signal }, () => slow.submit());
    const pending = f.with({ signal: new AbortController().signal })();
    await sleep(20);
    own.abort('own');
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(isSluiceError(error, 'CANCELLED') && error.cause).toBe('own');
  });

  it('should reject a signal that is not an AbortSignal, naming the flow and the option', () => {
    const f = flow({ name: 'typed' }, () => 1);
    expect(() => f.with({ signal: { aborted: false } as unknown as AbortSignal })).toThrow(/flow "typed": `signal` must be an AbortSignal/);
  });
});

describe('one error for one cause', () => {
  it('should reject an abort mid-run with one CancelledError naming the flow, with the reason as cause and the count of cancelled runs', async () => {
    const work = countedTask('work', 50);
    const controller = new AbortController();
    const grid = flow({ name: 'grid', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 2 }) }, (xs: number[]) => work.map(xs).result());
    const pending = grid.with({ signal: controller.signal })([1, 2, 3, 4, 5, 6]);
    await until(() => work.started() === 2);
    const reason = new Error('shutting down');
    controller.abort(reason);
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    const cancelled = error as CancelledError;
    expect(cancelled.code).toBe('CANCELLED');
    expect(cancelled.flowName).toBe('grid');
    expect(cancelled.taskName).toBeUndefined();
    expect(cancelled.cause).toBe(reason);
    expect(cancelled.cancelledRuns).toBe(6);
    expect(cancelled.message).toMatch(/^flow "grid" \(flow run [^)]+\) was cancelled: its signal was aborted; 6 runs were cancelled$/);
    expect(work.started()).toBe(2);
  });

  it('should reject the same way when the flow function returns by itself after the abort', async () => {
    const controller = new AbortController();
    const slow = task('slow', () => sleep(100));
    const f = flow({ name: 'returns' }, async () => {
      slow.submit();
      await sleep(30);
      return 'finished anyway';
    });
    const pending = f.with({ signal: controller.signal })();
    await sleep(5);
    controller.abort('stop');
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).toMatchObject({ code: 'CANCELLED', flowName: 'returns', cause: 'stop', cancelledRuns: 1 });
  });

  it('should cancel runs the flow function submits after the cancel, without running them', async () => {
    const work = countedTask('work', 5);
    const controller = new AbortController();
    const f = flow({ name: 'late' }, async () => {
      await sleep(30);
      return work.map([1, 2, 3]);
    });
    const pending = f.with({ signal: controller.signal })();
    controller.abort('stop');
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED', cancelledRuns: 3 });
    expect(work.started()).toBe(0);
  });

  it('should carry handle.cancel(reason) as the cause', async () => {
    const slow = task('slow', (_n: number) => sleep(100));
    const handle = flow({ name: 'handled' }, () => slow.map([1, 2])).start();
    await sleep(20);
    handle.cancel('no longer needed');
    await expect(handle.result()).rejects.toMatchObject({ code: 'CANCELLED', flowName: 'handled', cause: 'no longer needed', cancelledRuns: 2 });
  });
});

describe('subflows', () => {
  it('should cancel the subflow a parent flow awaits, so its remaining bodies never run', async () => {
    const work = countedTask('work', 40);
    const child = flow({ name: 'child', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, (xs: number[]) => work.map(xs).result());
    let childError: unknown;
    const parent = flow({ name: 'parent' }, async () => {
      try {
        return await child([1, 2, 3, 4, 5]);
      } catch (error) {
        childError = error;
        throw error;
      }
    });
    const controller = new AbortController();
    const pending = parent.with({ signal: controller.signal })();
    await until(() => work.started() === 1);
    const reason = new Error('user aborted');
    controller.abort(reason);
    const error: unknown = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED', flowName: 'parent', cause: reason });
    // The subflow rejected with its own CancelledError, carrying the same reason.
    expect(childError).toBeInstanceOf(CancelledError);
    expect(childError).toMatchObject({ flowName: 'child', cause: reason, cancelledRuns: 5 });
    await sleep(100);
    expect(work.started()).toBe(1);
  });

  it('should cancel a subflow called in a task body when that task run is cancelled', async () => {
    const work = countedTask('work', 40);
    const child = flow({ name: 'child', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, (xs: number[]) => work.map(xs).result());
    const outer = task('outer', (xs: number[]) => child(xs));
    const parent = flow({ name: 'parent' }, async () => {
      const run = outer.submit([1, 2, 3, 4]);
      await until(() => work.started() === 1);
      run.cancel('not needed');
      return run.state.type;
    });
    expect(await parent()).toBe('Cancelled');
    await sleep(100);
    expect(work.started()).toBe(1);
  });

  it('should link the subflow to the run and flow that called it in the parent’s events, which carry the subflow’s runs', async () => {
    const double = task('double', (x: number) => 2 * x);
    const child = flow({ name: 'child' }, (x: number) => double(x));
    const outer = task('outer', (x: number) => child(x));
    const handle = flow({ name: 'parent' }, () => outer.submit(21)).start();
    const events: FlowEvent[] = [];
    handle.events$.subscribe((e) => events.push(e));
    expect(await handle.result()).toBe(42);
    const outerRun = events.find((e) => e.type === 'run-submitted' && e.taskName === 'outer');
    const childStart = events.find((e) => e.type === 'flow-started' && e.flowName === 'child');
    expect(childStart).toMatchObject({ parentFlowRunId: handle.id, parentRunId: outerRun && 'runId' in outerRun ? outerRun.runId : 'missing' });
    const childRunId = childStart?.flowRunId;
    expect(events.some((e) => e.type === 'run-state' && e.taskName === 'double' && e.flowRunId === childRunId && e.state.type === 'Completed')).toBe(true);
    // The parent's own stream ends with its own flow-finished.
    expect(events.at(-1)).toMatchObject({ type: 'flow-finished', flowRunId: handle.id });
    expect(events.filter((e) => e.type === 'flow-finished').map((e) => e.flowRunId)).toEqual([childRunId, handle.id]);
  });

  it('should put the subflow’s runs in the parent’s recording, linked to the run that called it, for the timeline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-subflow-'));
    try {
      const file = path.join(dir, 'runs.jsonl');
      const double = task('double', (x: number) => 2 * x);
      const child = flow({ name: 'child' }, (xs: number[]) => double.map(xs));
      const outer = task('outer', (xs: number[]) => child(xs));
      expect(await flow({ name: 'parent', record: file }, () => outer([1, 2, 3]))()).toEqual([2, 4, 6]);
      const model = buildTimeline(readRecording(file));
      const [parentRun, childRun] = model.flowRuns;
      expect(model.flowRuns.map((f) => f.name)).toEqual(['parent', 'child']);
      expect(childRun?.parentFlowRunId).toBe(parentRun?.id);
      expect(childRun?.parentRunId).toBe(parentRun?.runs.find((r) => r.taskName === 'outer')?.id);
      expect(childRun?.runs.map((r) => r.name)).toEqual(['double-0', 'double-1', 'double-2']);
      expect(childRun?.outcome).toBe('Completed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should not let a parent settle before a subflow it started and did not await', async () => {
    const order: string[] = [];
    const child = flow({ name: 'child' }, async () => {
      await sleep(30);
      order.push('child done');
    });
    const parent = flow({ name: 'parent' }, () => {
      void child();
      order.push('parent returned');
    });
    await parent();
    order.push('parent settled');
    expect(order).toEqual(['parent returned', 'child done', 'parent settled']);
  });

  it('should give a subflow its own run context (its runs see the subflow)', async () => {
    const where = task('where', () => getRunContext().flowRun.name);
    const child = flow({ name: 'child' }, () => where());
    const parent = flow({ name: 'parent' }, () => child());
    expect(await parent()).toBe('child');
  });
});

describe('a flow that returns several futures', () => {
  it('should reject with one error that lists every failed run by name, each error reachable', async () => {
    const fail1 = task('fail1', (): number => {
      throw new TypeError('Test 1');
    });
    const fail2 = task('fail2', (): number => {
      throw new RangeError('Test 2');
    });
    const ok = task('ok', () => 3);
    const error: unknown = await flow({ name: 'three' }, () => [fail1.submit(), fail2.submit(), ok.submit()])().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedRunsError);
    const failed = error as FailedRunsError;
    expect(failed.code).toBe('RUNS_FAILED');
    expect(failed.returned).toBe(3);
    expect(failed.failures.map((f) => f.runName)).toEqual(['fail1-0', 'fail2-0']);
    expect(failed.failures.map((f) => (f.error as Error).message)).toEqual(['Test 1', 'Test 2']);
    expect(failed.message).toMatch(/flow "three": 2 of 3 returned runs did not complete: "fail1-0" \(task "fail1"\): TypeError: Test 1; "fail2-0" \(task "fail2"\): RangeError: Test 2/);
    expect(failed.cause).toBeInstanceOf(TypeError);
  });

  it('should do the same for a returned list and for futures inside a returned object', async () => {
    const flaky = task('flaky', (n: number): number => {
      if (n % 2 === 1) throw new Error(`odd ${n}`);
      return n;
    });
    const fromList: unknown = await flow({ name: 'list' }, () => flaky.map([1, 2, 3]))().catch((e: unknown) => e);
    expect((fromList as FailedRunsError).failures.map((f) => f.runName)).toEqual(['flaky-0', 'flaky-2']);
    const fromObject: unknown = await flow({ name: 'object' }, () => ({ a: flaky.submit(1), b: flaky.submit(3), c: 'plain' }))().catch((e: unknown) => e);
    expect((fromObject as FailedRunsError).failures.map((f) => f.runName)).toEqual(['flaky-0', 'flaky-1']);
  });

  it('should still reject with the run’s own error when the flow returns one failed future', async () => {
    const fail = task('fail', (): number => {
      throw new Error('alone');
    });
    await expect(flow({ name: 'one' }, () => fail.submit())()).rejects.toThrow('alone');
  });
});
