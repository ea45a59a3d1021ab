/**
 * The tasks of examples/distributed.ts, in a module of their own: this is what each
 * `sluice worker` process loads (`--module examples/distributed-tasks.ts`). A job names its task
 * ("stop_at_floor"), never code, so a worker runs only the tasks of the modules it was started
 * with.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { task } from '../src/index.js';

/** Prefect's guide's `time.sleep(floor)` seconds become `floor * 10` ms. Runs in a worker process. */
export const stopAtFloor = task({ name: 'stop_at_floor' }, async (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  await sleep(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
  return `floor ${floor} served by ${hostname()} (pid ${process.pid})`;
});
