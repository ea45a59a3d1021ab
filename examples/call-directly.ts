/**
 * Seed: "Calling tasks directly".
 *
 * Tasks can be called directly, but they will not run concurrently: each call blocks (here: is
 * awaited) until the task completes, so the three stops happen one after another.
 *
 * Prefect's guide's `time.sleep(floor)` seconds become `floor * 100` ms here (0.1 s → 10 ms).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { task } from '../src/index.js';

export const stopAtFloor = task('stop_at_floor', async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 100);
  console.log(`elevator stops on floor ${floor}`);
});

export async function main(): Promise<void> {
  await stopAtFloor(0.1); // blocks for 0.1 "seconds"
  await stopAtFloor(0.2); // blocks for 0.2 "seconds"
  await stopAtFloor(0.3); // blocks for 0.3 "seconds"
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
