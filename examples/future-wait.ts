/**
 * Seed: "Handling futures", second snippet.
 *
 * When the result is not needed, `await future.wait()` waits for the run to finish.
 */
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const coolTask = task('cool_task', () => 'sup');

export const myWorkflow = flow('my_workflow', async () => {
  const future = coolTask.submit();
  await future.wait();
  // Not in Prefect's guide: shows that the run has finished once wait() returns.
  console.log(`cool_task is ${future.state.name}`);
});

export async function main(): Promise<void> {
  await myWorkflow();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
