import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, flow, isSluiceError, task, UnobservedFailuresError, wait } from '../../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('flow', () => {
  it('should resolve to its function value', async () => {
    expect(await flow('f', (x: number) => x + 1)(1)).toBe(2);
  });

  it('should not settle while runs it started are still going', async () => {
    const finished: number[] = [];
    const slow = task('slow', async (ms: number) => {
      await sleep(ms);
      finished.push(ms);
    });
    await flow('fire-and-forget', () => {
      slow.submit(20);
      slow.map([5, 10]);
    })();
    expect(finished.sort((a, b) => a - b)).toEqual([5, 10, 20]);
  });

  it('should reject, listing the runs, when a run failed and nothing looked at it', async () => {
    const bad = task('bad', (x: number): number => {
      throw new Error(`bad ${x}`);
    });
    const error = await flow('careless', async () => {
      await wait(bad.map([1, 2]));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnobservedFailuresError);
    expect(error).toMatchObject({ code: 'UNOBSERVED_FAILURES', flowName: 'careless' });
    expect((error as UnobservedFailuresError).failures.map((f) => f.runName)).toEqual(['bad-0', 'bad-1']);
    expect((error as Error).message).toContain('Error: bad 1');
  });

  it('should pass when the failure was looked at through result(), state, or either()', async () => {
    const bad = task('bad', (): number => {
      throw new Error('bad');
    });
    await expect(
      flow('careful', async () => {
        const a = bad.submit();
        await a.result().catch(() => undefined);
        const b = bad.submit();
        await b.wait();
        void b.state;
        const c = bad.submit();
        await c.either();
      })(),
    ).resolves.toBeUndefined();
  });

  it('should reject with the error its function threw, after cancelling its runs', async () => {
    const never = task('never', () => new Promise<never>(() => undefined));
    let future!: ReturnType<typeof never.submit>;
    const error = await flow('thrower', () => {
      future = never.submit();
      throw new Error('flow broke');
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('flow broke');
    expect(future.state.type).toBe('Cancelled');
  });

  it("should cancel what is left with onExit: 'cancel'", async () => {
    const never = task('never', () => new Promise<never>(() => undefined));
    let future!: ReturnType<typeof never.submit>;
    await flow({ name: 'quick', onExit: 'cancel' }, () => {
      future = never.submit();
      future.state$.subscribe({ error: () => undefined });
      return 'done';
    })();
    expect(future.state.name).toBe('Cancelled');
  });

  it('should cancel its runs when its signal aborts', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const { getRunContext } = await import('../../src/index.js');
    const waitForAbort = task('wait-for-abort', () => {
      seen = getRunContext().signal;
      return new Promise<never>(() => undefined);
    });
    const run = flow({ name: 'abortable', signal: controller.signal }, async () => waitForAbort.submit().result());
    const pending = run().catch((e: unknown) => e);
    await sleep(5);
    controller.abort(new Error('user stop'));
    const error = await pending;
    expect(seen?.aborted).toBe(true);
    expect((error as Error).message).toMatch(/cancelled|user stop/);
  });

  it('should resolve returned futures to their values', async () => {
    const double = task('double', (x: number) => 2 * x);
    expect(await flow('returns-future', () => double.submit(2))()).toBe(4);
    expect(await flow('returns-list', () => double.map([1, 2]))()).toEqual([2, 4]);
  });

  it('should run tasks outside any flow on a default runner (an extension: Prefect raises)', async () => {
    const double = task('double', (x: number) => 2 * x);
    expect(await double.submit(3).result()).toBe(6);
    expect(await double.map([1, 2]).result()).toEqual([2, 4]);
  });

  it('should name runs name-N per flow run, and render taskRunName from resolved arguments', async () => {
    const t = task({ name: 'train', taskRunName: 'train on {dataset.name}' }, (dataset: { name: string }) => dataset.name);
    const plain = task('plain', () => 1);
    const names = await flow('names', async () => {
      const source = task('source', () => ({ name: 'customers' })).submit();
      const f = t.submit(source);
      await f.result();
      return [f.name, plain.submit().name, plain.submit().name];
    })();
    expect(names).toEqual(['train on customers', 'plain-0', 'plain-1']);
  });

  it('should limit runs across submit and map with the flow runner', async () => {
    let inFlight = 0;
    let max = 0;
    const work = task('work', async (_n?: number) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(2);
      inFlight--;
    });
    await flow({ name: 'limited', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 3 }) }, async () => {
      work.submit();
      await wait([...work.map([1, 2, 3, 4, 5, 6]), work.submit()]);
    })();
    expect(max).toBe(3);
  });

  it('should give a flow with a bad name a typed error', () => {
    expect(() => flow('', () => 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error);
    expect(isSluiceError(new UnobservedFailuresError('f', []))).toBe(true);
  });
});
