/**
 * Seed: "Using a different task runner".
 *
 * Prefect's guide passes `task_runner=DaskTaskRunner()` to `@flow`. Here the flow gets its runner the
 * same way, through `flow({ taskRunner })`: a `ConcurrentTaskRunner` limited to 3 runs at once
 * stands in for Dask. The out-of-process runners (`WorkerThreadsTaskRunner` for worker threads,
 * `BullMQTaskRunner` for workers on other machines, Dask's counterpart) come later; switching to
 * one of them will only change the `taskRunner` line.
 *
 * Prefect's guide's `time.sleep(floor)` seconds become `floor * 10` ms here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ConcurrentTaskRunner, flow, task, wait, type TaskFuture } from '../src/index.js';

export const stopAtFloor = task('stop_at_floor', async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
});

export const elevator = flow({ name: 'elevator', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 3 }) }, async () => {
  const floors: TaskFuture<void>[] = [];
  for (let floor = 10; floor > 0; floor--) {
    floors.push(stopAtFloor.submit(floor));
  }
  await wait(floors);
});

export async function main(): Promise<void> {
  await elevator();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
