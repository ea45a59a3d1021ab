/**
 * Seed: "Using .map".
 *
 * `stop_at_floor.map(floors)` submits one run per floor on the flow's task runner and returns a
 * `TaskFutureList`, in the order of `floors`.
 *
 * Prefect's guide's `time.sleep(floor)` seconds become `floor * 10` ms here. Unlike the guide's, this
 * task returns its floor, and the flow returns the list, so you can see the results come back in
 * input order (10 … 1) although floor 1 stops first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { flow, task, wait } from '../src/index.js';

export const stopAtFloor = task('stop_at_floor', async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
  return floor;
});

export const elevator = flow('elevator', async () => {
  const floors = Array.from({ length: 10 }, (_, i) => 10 - i); // range(10, 0, -1)
  const futures = stopAtFloor.map(floors);
  await wait(futures);
  return futures; // a flow resolves to the values of the futures it returns
});

export async function main(): Promise<void> {
  console.log(await elevator());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
