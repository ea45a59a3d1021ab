/**
 * Seed: "Creating state dependencies".
 *
 * `waitFor([...])` orders runs that share no data: `task_c` starts only after `task_a` and
 * `task_b` have finished, and the direct call of `task_d` only after `task_c`. As in Prefect's guide,
 * even a single upstream goes in a list.
 *
 * Prefect's guide's bodies are `pass`. Here `task_a` and `task_b` sleep a few ms, standing in for work,
 * so that `task_c` really has something to wait for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const taskA = task('task_a', async () => {
  await sleep(20);
});

export const taskB = task('task_b', async () => {
  await sleep(10);
});

export const taskC = task('task_c', () => {});

export const taskD = task('task_d', () => {});

export const myFlow = flow('my_flow', async () => {
  const a = taskA.submit();
  const b = taskB.submit();
  // Wait for task_a and task_b to complete
  const c = taskC.waitFor([a, b]).submit();
  // task_d will wait for task_c to complete
  // Note: if waiting for one task it must still be in a list.
  await taskD.waitFor([c])();
});

export async function main(): Promise<void> {
  await myFlow();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
