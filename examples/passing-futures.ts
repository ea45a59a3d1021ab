/**
 * Seed: "Passing futures between tasks".
 *
 * A task that receives a future as an argument waits for it and gets its value: here a direct
 * call, `whatDidCoolTaskSay(future)`, starts once `cool_task` has completed.
 */
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const coolTask = task('cool_task', () => 'sup');

export const whatDidCoolTaskSay = task('what_did_cool_task_say', (whatItSaid: string) => `cool task said ${whatItSaid}`);

export const myWorkflow = flow('my_workflow', async () => {
  const future = coolTask.submit();
  console.log(await whatDidCoolTaskSay(future));
});

export async function main(): Promise<void> {
  await myWorkflow();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
