/**
 * Seed: "Handling futures", third snippet: "To wait for multiple futures to complete, use the
 * wait() utility."
 *
 * `await wait(futures)` resolves to `{ done, notDone }` once every run has finished.
 */
import { pathToFileURL } from 'node:url';
import { flow, task, wait } from '../src/index.js';

export const coolTask = task('cool_task', () => 'sup');

export const myWorkflow = flow('my_workflow', async () => {
  const futures = Array.from({ length: 10 }, () => coolTask.submit());
  const { done, notDone } = await wait(futures);
  // Not in Prefect's guide: what wait() reports.
  console.log(`${done.size} done, ${notDone.size} not done`);
});

export async function main(): Promise<void> {
  await myWorkflow();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
