/**
 * Seed: "Using the unmapped annotation", both snippets.
 *
 * Non-iterable arguments are passed whole to every run of a `map` (no `unmapped` needed);
 * an iterable argument is mapped over unless wrapped in `unmapped(...)`.
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { flow, task, unmapped } from '../src/index.js';

// By default, non-iterable values will not be mapped over.
export const addTogether = task('add_together', (x: number, y: number) => x + y);

export const sumIt = flow('sum_it', async (numbers: number[], staticValue: number) => {
  const futures = addTogether.map(numbers, staticValue);
  return futures.result();
});

// An iterable argument is treated as static when wrapped in unmapped().
export const sumPlus = task('sum_plus', (x: number, staticIterable: number[]) => x + staticIterable.reduce((a, b) => a + b, 0));

export const sumItUnmapped = flow('sum_it', async (numbers: number[], staticIterable: number[]) => {
  const futures = sumPlus.map(numbers, unmapped(staticIterable));
  return futures.result();
});

export async function main(): Promise<void> {
  const resultingSum = await sumIt([1, 2, 3], 5);
  assert.deepEqual(resultingSum, [6, 7, 8]);
  console.log(resultingSum);

  const resultingSumPlus = await sumItUnmapped([4, 5, 6], [1, 2, 3]);
  assert.deepEqual(resultingSumPlus, [10, 11, 12]);
  console.log(resultingSumPlus);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
