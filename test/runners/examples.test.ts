/**
 * The worker-thread examples: examples/task-runner-threads.ts (Prefect's guide's "Using a different task
 * runner", on worker threads) and examples/cpu-bound.ts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../../src/index.js';
import * as cpuBound from '../../examples/cpu-bound.js';
import * as threadsExample from '../../examples/task-runner-threads.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('a different task runner, on worker threads', () => {
  it('prints every stop when run with tsx, from its worker threads, and exits by itself', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/task-runner-threads.ts'], { cwd: root, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(20);
    for (let floor = 10; floor > 0; floor--) {
      const moving = lines.indexOf(`elevator moving to floor ${floor}`);
      const stops = lines.indexOf(`elevator stops on floor ${floor}`);
      expect(moving).toBeGreaterThanOrEqual(0);
      expect(stops).toBeGreaterThan(moving);
    }
  }, 60_000);

  it("runs the stops at once, never more than the runner's 3 threads", async () => {
    const handle = threadsExample.elevator.start();
    const running = new Set<string>();
    let most = 0;
    handle.events$.subscribe((event: FlowEvent) => {
      if (event.type !== 'run-state') return;
      if (event.state.type === 'Running') running.add(event.runId);
      else running.delete(event.runId);
      most = Math.max(most, running.size);
    });
    await handle.result();
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  }, 60_000);
});

describe('cpu-bound', () => {
  it('gets the same results sequentially, on ConcurrentTaskRunner and on WorkerThreadsTaskRunner', async () => {
    const timings = await cpuBound.compare(4, 200_000, 2);
    expect(timings.map((t) => t.label)).toEqual([
      'sequential (plain loop)',
      'ConcurrentTaskRunner',
      'WorkerThreadsTaskRunner, 2 threads, cold pool',
      'WorkerThreadsTaskRunner, 2 threads, warm pool',
    ]);
    const expected = [1, 2, 3, 4].map((seed) => cpuBound.mixRounds(seed, 200_000));
    for (const timing of timings) expect(timing.results).toEqual(expected);
  }, 60_000);
});
