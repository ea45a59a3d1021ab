import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, flow, task, wait } from '../../src/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('nested map and submit inside a task', () => {
  for (const maxConcurrency of [1, 2]) {
    it(`should not deadlock when parents map children and wait for them (maxConcurrency ${maxConcurrency})`, async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const child = task('child', async (x: number) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick();
        inFlight--;
        return x * 10;
      });
      const parent = task('parent', async (xs: number[]) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await tick();
        inFlight--; // the parent's own work is done; it now waits, holding no slot
        const values = await child.map(xs).result();
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const total = values.reduce((a, b) => a + b, 0);
        inFlight--;
        return total;
      });
      const run = flow({ name: 'nested', taskRunner: new ConcurrentTaskRunner({ maxConcurrency }) }, () =>
        parent.map([[1, 2], [3], [4, 5, 6]]).result(),
      );
      expect(await run()).toEqual([30, 30, 150]);
      // Waiting parents lend their slot, so the limit holds for every body that is working.
      expect(maxInFlight).toBeLessThanOrEqual(maxConcurrency);
    });
  }

  it('should not deadlock when a parent submits a child and awaits it with result$ or wait()', async () => {
    const child = task('child', async (x: number) => {
      await tick();
      return x + 1;
    });
    const parent = task('parent', async (x: number) => {
      const f = child.submit(x);
      await wait([f]);
      return (await f.result()) * 2;
    });
    const run = flow({ name: 'nested', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, () => parent.map([1, 2, 3]).result());
    expect(await run()).toEqual([4, 6, 8]);
  });

  it('should record the parent run on nested runs', async () => {
    const child = task('child', () => 1);
    let parentId = '';
    let childParent: string | undefined;
    const parent = task('parent', async () => {
      const f = child.submit();
      childParent = f.parentRunId;
      return f.result();
    });
    await flow('nested', async () => {
      const p = parent.submit();
      parentId = p.id;
      await p.result();
    })();
    expect(childParent).toBe(parentId);
  });

  it('should fail a run that depends on the run that started it, instead of deadlocking', async () => {
    const holder: { self?: ReturnType<typeof parent.submit> } = {};
    const child = task('child', (x: number) => x);
    const parent = task('parent', async (): Promise<number> => {
      await tick(); // the body starts inside submit(), before the future is stored
      const own = holder.self;
      if (own === undefined) throw new Error('no future');
      return child(own);
    });
    const run = flow('self', async () => {
      holder.self = parent.submit();
      return holder.self.result();
    });
    await expect(run()).rejects.toMatchObject({ code: 'SELF_DEPENDENCY' });
  });
});
