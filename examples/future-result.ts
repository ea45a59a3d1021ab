/**
 * Seed: "Handling futures", first snippet.
 *
 * `submit` returns a `TaskFuture`; `await future.result()` gets the task's value.
 */
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const coolTask = task('cool_task', () => 'sup');

export const myWorkflow = flow('my_workflow', async () => {
  const future = coolTask.submit();
  const result = await future.result();
  console.log(result);
});

export async function main(): Promise<void> {
  await myWorkflow();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
