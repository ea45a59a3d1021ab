/**
 * Seed: "Using .submit".
 *
 * `stop_at_floor.submit(floor)` starts each run at once on the flow's task runner (the default
 * `ConcurrentTaskRunner`, sluice's `ThreadPoolTaskRunner`) and returns a future; `wait(floors)`
 * waits for all ten. The ten stops overlap.
 *
 * Prefect's guide's `time.sleep(floor)` seconds become `floor * 10` ms here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { flow, task, wait, type TaskFuture } from '../src/index.js';

export const stopAtFloor = task('stop_at_floor', async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
});

export const elevator = flow('elevator', async () => {
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
