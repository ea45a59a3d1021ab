/**
 * Seed: "Using a different task runner" with DaskTaskRunner, for work spread over many processes
 * and machines. In the Node world that is a BullMQ queue on Redis: the flow gets a
 * `BullMQTaskRunner`, and `sluice worker` processes, on any machine that reaches Redis, run the
 * stops. Only the `taskRunner` differs from examples/task-runner.ts, and the task lives in a module
 * the workers load (examples/distributed-tasks.ts).
 *
 * In three terminals:
 *
 *     redis-server                                                                  # 1: Redis on 127.0.0.1:6379
 *     npm run sluice -- worker --module examples/distributed-tasks.ts --queue elevator --concurrency 2   # 2 and 3: workers
 *     npx tsx examples/distributed.ts                                               # the flow (REDIS_URL to point elsewhere)
 *
 * The workers print the elevator's moves; the flow prints which worker served each floor.
 */
import { pathToFileURL } from 'node:url';
import { BullMQTaskRunner } from '../src/bullmq.js';
import { flow, wait, type TaskFuture } from '../src/index.js';
import { stopAtFloor } from './distributed-tasks.js';

export const runner = new BullMQTaskRunner({ queue: 'elevator', connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });

export const elevator = flow({ name: 'elevator', taskRunner: runner }, async () => {
  const floors: TaskFuture<string>[] = [];
  for (let floor = 10; floor > 0; floor--) {
    floors.push(stopAtFloor.submit(floor));
  }
  await wait(floors);
  return Promise.all(floors.map((floor) => floor.result()));
});

export async function main(): Promise<void> {
  for (const line of await elevator()) console.log(line);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
