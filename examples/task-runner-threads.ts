/**
 * Seed: "Using a different task runner", on worker threads.
 *
 * Prefect's guide passes `task_runner=DaskTaskRunner()` to `@flow` so that `stop_at_floor` runs
 * elsewhere. Here the flow gets a `WorkerThreadsTaskRunner`: each stop runs on one of three worker
 * threads. Only the `taskRunner` line differs from examples/task-runner.ts, and one thing about
 * the task: a function cannot cross to another thread, so a worker imports this module and finds
 * the task by its name. That is why the task is defined at the module's top level, exported, and
 * given `module: import.meta.url`.
 *
 * Prefect's guide's `time.sleep(floor)` seconds become `floor * 10` ms of a blocking sleep here, as
 * `time.sleep` blocks its thread: on a worker thread that blocks only that thread.
 *
 * Run it with `npx tsx examples/task-runner-threads.ts`. The body's `console.log` runs in a
 * worker thread; Node forwards its output to the process's stdout.
 */
import { pathToFileURL } from 'node:url';
import { flow, task, wait, WorkerThreadsTaskRunner, type TaskFuture } from '../src/index.js';

/** Blocks this thread for `ms`, as `time.sleep` does. */
function sleepBlocking(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const stopAtFloor = task({ name: 'stop_at_floor', module: import.meta.url }, (floor: number) => {
  console.log(`elevator moving to floor ${floor}`);
  sleepBlocking(floor * 10);
  console.log(`elevator stops on floor ${floor}`);
});

export const elevator = flow({ name: 'elevator', taskRunner: new WorkerThreadsTaskRunner({ maxThreads: 3 }) }, async () => {
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
