/**
 * Seed: "Bulk PrefectFuture operations".
 *
 * `.map` returns a `TaskFutureList`; `await futures.result()` is sugar for reading each future's
 * result in turn (`Promise.all` over `f.result()`, the list comprehension's counterpart). Both
 * give the values in input order.
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { flow, task } from '../src/index.js';

export const someTask = task('some_task', (x: number) => x * x);

export const bulk = flow('bulk', async (someIterable: number[]) => {
  const futures = someTask.map(someIterable);
  const results = await futures.result();

  // … which is syntactic sugar for the corresponding list comprehension:
  const sameFutures = someTask.map(someIterable);
  const sameResults = await Promise.all(sameFutures.map((future) => future.result()));

  return { results, sameResults };
});

export async function main(): Promise<void> {
  const { results, sameResults } = await bulk([1, 2, 3, 4]);
  assert.deepEqual(results, sameResults);
  console.log(results);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
