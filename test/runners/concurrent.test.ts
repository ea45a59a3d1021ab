import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, flow, task, wait, type StateName } from '../../src/index.js';
import { describeRunnerConformance } from '../conformance/suite.js';

describeRunnerConformance('ConcurrentTaskRunner', ({ maxConcurrency }) => new ConcurrentTaskRunner({ maxConcurrency }));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A body that ignores its signal and runs for `ms`, counted while it executes. */
function stubbornBodies(ms: number): { body: () => Promise<string>; counts: { inFlight: number; max: number; started: number } } {
  const counts = { inFlight: 0, max: 0, started: 0 };
  const body = async (): Promise<string> => {
    counts.started++;
    counts.max = Math.max(counts.max, ++counts.inFlight);
    try {
      await sleep(ms);
      return 'too late';
    } finally {
      counts.inFlight--;
    }
  };
  return { body, counts };
}

describe('ConcurrentTaskRunner: a stopped body that goes on keeps its slot', () => {
  it('keeps maxConcurrency bodies executing at most when attempts time out and are retried', async () => {
    const { body, counts } = stubbornBodies(60);
    const stubborn = task({ name: 'stubborn', timeout: 20, retries: 2 }, body);
    const out = await flow({ name: 'timeouts', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 2 }) }, async () => {
      const runs = [1, 2, 3, 4].map(() => stubborn.submit());
      const firstStates: StateName[] = [];
      runs[0]?.state$.subscribe((state) => firstStates.push(state.name));
      await wait(runs);
      return { ends: runs.map((run) => run.state.name), firstStates };
    })();
    expect(out.ends).toEqual(['TimedOut', 'TimedOut', 'TimedOut', 'TimedOut']);
    expect(counts.started).toBe(12);
    expect(counts.max).toBe(2);
    // Both slots are still taken by bodies that timed out whenever a retry is due: it waits.
    expect(out.firstStates).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'AwaitingRetry', 'Retrying', 'TimedOut']);
  });

  it('ends a cancelled run at once, and starts the next body only once the cancelled one has settled', async () => {
    const { body, counts } = stubbornBodies(40);
    const stubborn = task('stubborn', body);
    const out = await flow({ name: 'cancel', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, async () => {
      const first = stubborn.submit();
      const second = stubborn.submit();
      await sleep(5);
      first.cancel('the test cancelled it');
      const cancelledAtOnce = first.state.name;
      const secondWhileFirstRuns = second.state.name;
      return { cancelledAtOnce, secondWhileFirstRuns, second: await second.result() };
    })();
    expect(out).toEqual({ cancelledAtOnce: 'Cancelled', secondWhileFirstRuns: 'Pending', second: 'too late' });
    expect(counts.max).toBe(1);
  });

  it('gives the slot of a stopped body that goes on to the runs it waits for: no deadlock at a limit of 1', async () => {
    const children = { inFlight: 0, max: 0 };
    const child = task('child', async (ms: number) => {
      children.max = Math.max(children.max, ++children.inFlight);
      await sleep(ms);
      children.inFlight--;
      return ms;
    });
    // These ignore their signal: each goes on, and waits on a child, when timed out or cancelled.
    const parent = task({ name: 'parent', timeout: 20, retries: 1 }, async (ms: number, childMs: number) => {
      await sleep(ms);
      return child.submit(childMs).result();
    });
    // Times out while waiting on its child; its retry waits on a child while that wait goes on.
    const waiting = task({ name: 'waiting', timeout: 30, retries: 2 }, async () => {
      const value = await child.submit(60).result();
      await sleep(10);
      return value;
    });
    const out = await flow({ name: 'nested', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, async () => {
      const cancelled = parent.submit(10, 1);
      await sleep(5);
      cancelled.cancel();
      const timedOutSleeping = parent.submit(40, 1);
      const timedOutWaiting = [waiting.submit(), waiting.submit()];
      await wait([cancelled, timedOutSleeping, ...timedOutWaiting]);
      const after = await child.submit(1).result();
      return { states: [cancelled, timedOutSleeping, ...timedOutWaiting].map((run) => run.state.name), after };
    })();
    expect(out).toEqual({ states: ['Cancelled', 'TimedOut', 'TimedOut', 'TimedOut'], after: 1 });
    expect(children.max).toBe(1);
  });
});
