/**
 * What the engine keeps after a flow: nothing of it, once its runs are done (checked with a real
 * garbage collection, through V8's gc exposed at run time).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { flow, task } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('lets a finished flow go: a task does not keep its last flow or parent run', async () => {
  const leaf = task('leaf', (x: number) => x + 1);
  let big: WeakRef<object> | undefined;
  const parent = task('parent', async () => {
    const value = { payload: new Array(1000).fill(1) };
    big = new WeakRef(value);
    await leaf.submit(1).result();
    return value;
  });
  await flow({ name: 'once' }, async () => {
    await parent.submit().result();
  })();
  // WeakRefs are cleared between turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  // `leaf` was last submitted from `parent`'s body: it held that run (and its value) before.
  expect(big?.deref()).toBeUndefined();
});
