/**
 * Seed: "Using asyncio".
 *
 * An async task called directly returns a Promise, so `Promise.all` over direct calls runs them
 * concurrently, as `asyncio.gather` does.
 *
 * Prefect's guide's `asyncio.sleep(floor)` seconds become `floor * 10` ms here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const stopAtFloor = task('stop_at_floor', async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
});

export const elevator = flow('elevator', async () => {
  const floors = Array.from({ length: 10 }, (_, i) => 10 - i); // range(10, 0, -1)
  await Promise.all(floors.map((floor) => stopAtFloor(floor)));
});

export async function main(): Promise<void> {
  await elevator();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
