import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, flow, task, type TaskFuture } from '../../src/index.js';

describe('stress', () => {
  it('should map 100k synchronous bodies at maxConcurrency 1 without overflowing the stack', async () => {
    const inc = task('inc', (x: number) => x + 1);
    const n = 100_000;
    const result = await flow({ name: 'sync-100k', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, () =>
      inc.map(Array.from({ length: n }, (_, i) => i)).result(),
    )();
    expect(result).toHaveLength(n);
    expect(result[0]).toBe(1);
    expect(result[n - 1]).toBe(n);
  });

  it('should run 100k synchronous Observable bodies at maxConcurrency 1', async () => {
    const { of } = await import('rxjs');
    const echo = task('echo', (x: number) => of(x));
    const result = await flow({ name: 'of-100k', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, () =>
      echo.map(Array.from({ length: 100_000 }, (_, i) => i)).result(),
    )();
    expect(result).toHaveLength(100_000);
  });

  it('should complete a chain of 1,000 waitFor runs at maxConcurrency 1, in order', async () => {
    const order: number[] = [];
    const step = task('step', (i: number) => {
      order.push(i);
    });
    await flow({ name: 'chain', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, async () => {
      let previous: TaskFuture<void> = step.submit(0);
      for (let i = 1; i < 1000; i++) previous = step.waitFor([previous]).submit(i);
      await previous.result();
    })();
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('should pass a value through a chain of 10,000 future arguments', async () => {
    const inc = task('inc', (x: number) => x + 1);
    const result = await flow('future-chain', () => {
      let f: TaskFuture<number> = inc.submit(0);
      for (let i = 1; i < 10_000; i++) f = inc.submit(f);
      return f;
    })();
    expect(result).toBe(10_000);
  });

  it('should end a 10,000-long chain as UpstreamFailed after one failure, without recursion', async () => {
    const boom = task('boom', (): number => {
      throw new Error('boom');
    });
    const inc = task('inc', (x: number) => x + 1);
    const error = await flow('failed-chain', () => {
      let f: TaskFuture<number> = boom.submit();
      for (let i = 1; i < 10_000; i++) f = inc.submit(f);
      return f;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_FAILED' });
  });
});
