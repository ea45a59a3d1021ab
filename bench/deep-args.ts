/**
 * What finding futures at any depth costs: `npx tsx bench/deep-args.ts`. Not part of `npm run bench`.
 *
 * An argument of 1,000 small objects (`{ id, name, tags: [..], value }`), with `value` a plain
 * number or a completed future. Measures the engine's walk alone (find the futures, then put their
 * values in a copy), and a whole direct call of a task with that argument in a flow, against the
 * same call with the argument quoted (no walk) and with a number. Prints µs per call (median of 7
 * rounds, and the best round: on a shared host the best is the steadier figure).
 */
import { flow, quote, task, type TaskFuture } from '../src/index.js';
import { findUpstreams, substituteUpstreams } from '../src/engine/upstream.js';

const N = 1_000;

function rows(value: (i: number) => unknown): unknown[] {
  return Array.from({ length: N }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'], value: value(i) }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function time(label: string, calls: number, fn: () => unknown): Promise<void> {
  const rounds: number[] = [];
  for (let r = 0; r < 8; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await fn();
    const us = Number(process.hrtime.bigint() - start) / 1000 / calls;
    if (r > 0) rounds.push(us); // the first round warms up
  }
  const best = Math.min(...rounds);
  console.log(`${label.padEnd(58)} ${median(rounds).toFixed(2).padStart(9)} µs  (best ${best.toFixed(2)})`);
}

const echo = task('echo', (x: unknown) => x);
const one = task('one', (i: number) => i);

await flow({ name: 'deep-args', progress: false }, async () => {
  const futures: TaskFuture<number>[] = [];
  for (let i = 0; i < N; i++) futures.push(one.submit(i));
  await Promise.all(futures.map((f) => f.wait()));
  const plain = rows((i) => i);
  const withFutures = rows((i) => futures[i]);

  console.log(`walk only (findUpstreams + substituteUpstreams), ${N} objects:`);
  await time('  a number', 100_000, () => findUpstreams([42], undefined, undefined));
  await time('  1,000 objects, no future', 2_000, () => findUpstreams([plain], undefined, undefined));
  await time('  1,000 objects, a future in each: find', 2_000, () => findUpstreams([withFutures], undefined, undefined));
  await time('  1,000 objects, a future in each: find + substitute', 2_000, () => {
    const found = findUpstreams([withFutures], undefined, undefined);
    if (found !== undefined) substituteUpstreams([withFutures], found);
  });

  console.log('a direct call of a task in a flow:');
  await time('  echo(42)', 5_000, () => echo(42));
  await time('  echo(1,000 objects, no future)', 2_000, () => echo(plain));
  await time('  echo(quote(1,000 objects)): no walk', 2_000, () => echo(quote(plain)));
  await time('  echo(1,000 objects, a future in each)', 1_000, () => echo(withFutures));
})();
