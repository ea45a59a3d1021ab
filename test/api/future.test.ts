import { describe, expect, it } from 'vitest';
import { asCompleted, flow, InvalidArgumentError, isCompleted, isFailed, task, wait, WaitTimeoutError, type StateName, type TaskFuture } from '../../src/index.js';

const sleep = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));
const sleepy = task('sleepy', (ms: number) => sleep(ms, ms));
const failing = task('failing', async (ms: number): Promise<number> => {
  await sleep(ms, 0);
  throw new Error(`failed after ${ms}`);
});
const never = task('never', (_n?: number) => new Promise<number>(() => undefined));

describe('submit and map return before any body starts', () => {
  /** A synchronous body that would hold its caller for `ms`, counting its starts. */
  const busy = (starts: { n: number }) =>
    task('busy', (ms: number) => {
      starts.n++;
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // a synchronous body: nothing else runs meanwhile
      }
      return ms;
    });

  it('a submit loop of synchronous bodies returns before the first body starts', async () => {
    const starts = { n: 0 };
    const slow = busy(starts);
    const out = await flow('loop', async () => {
      const futures = [slow.submit(200), slow.submit(1), slow.submit(1)];
      const startedInSubmit = starts.n;
      return { startedInSubmit, values: await Promise.all(futures.map((f) => f.result())) };
    })();
    expect(out).toEqual({ startedInSubmit: 0, values: [200, 1, 1] });
    expect(starts.n).toBe(3);
  });

  it('map returns before its synchronous bodies start', async () => {
    const starts = { n: 0 };
    const list = busy(starts).map([1, 2, 3]);
    expect(starts.n).toBe(0);
    expect(await list.result()).toEqual([1, 2, 3]);
    expect(starts.n).toBe(3);
  });

  it('a state$ subscriber attached right after submit sees every state of a failing synchronous body', async () => {
    const failing = task({ name: 'failing', retries: 2 }, () => {
      throw new Error('no');
    });
    const names: StateName[] = [];
    const future = failing.submit();
    future.state$.subscribe((state) => names.push(state.name));
    await future.wait();
    expect(names).toEqual(['Pending', 'Running', 'Retrying', 'Retrying', 'Failed']);
  });

  it('a run cancelled right after submit never starts its body', async () => {
    const starts = { n: 0 };
    const future = busy(starts).submit(1);
    expect(future.cancel('changed my mind')).toBe(true);
    await future.wait();
    expect(future.state.name).toBe('Cancelled');
    expect(starts.n).toBe(0);
  });
});

describe('future.result()', () => {
  it('should return the value, or throw the error as thrown', async () => {
    expect(await sleepy.submit(1).result()).toBe(1);
    await expect(failing.submit(1).result()).rejects.toThrow('failed after 1');
  });

  it('should return the error as the value with raiseOnFailure: false', async () => {
    const value = await failing.submit(1).result({ raiseOnFailure: false });
    expect(value).toBeInstanceOf(Error);
  });

  it('should reject with a WaitTimeoutError naming the run on timeout, while the run goes on', async () => {
    const future = never.submit();
    const error = await future.result({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain(future.name);
    expect(future.state.name).toBe('Running');
    future.cancel();
  });

  it('should reject a negative timeout with a typed error', async () => {
    await expect(sleepy.submit(1).result({ timeout: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('a body that returns a thenable', () => {
  it('should complete with what a well-behaved thenable gives, and fail with what a broken one throws', async () => {
    const good = task('good-thenable', (x: number) => ({ then: (ok: (v: number) => void) => ok(x * 2) }) as PromiseLike<number>);
    expect(await good.submit(21).result()).toBe(42);
    const broken = task('broken-thenable', () => ({
      then: () => {
        throw new Error('then() broke');
      },
    }));
    const future = broken.submit();
    await expect(future.result()).rejects.toThrow('then() broke');
    expect(isFailed(future.state)).toBe(true);
  });
});

describe('future.wait()', () => {
  it('should resolve on failure and on timeout without throwing', async () => {
    const f = failing.submit(1);
    await f.wait();
    expect(isFailed(f.state)).toBe(true);
    const n = never.submit();
    await n.wait(5);
    expect(n.state.name).toBe('Running');
    n.cancel();
  });
});

describe('wait(futures)', () => {
  it('should split done and notDone at the timeout, in completion order, and never reject', async () => {
    const slow = never.submit();
    const futures = [sleepy.submit(20), sleepy.submit(1), failing.submit(5), slow];
    const { done, notDone } = await wait(futures, { timeout: 60 });
    expect([...done].map((f) => f.name)).toEqual([futures[1], futures[2], futures[0]].map((f) => f?.name));
    expect([...notDone]).toEqual([slow]);
    slow.cancel();
  });

  it('should count failed and cancelled runs as done and drop duplicates', async () => {
    const a = failing.submit(1);
    const b = never.submit();
    b.cancel();
    const { done, notDone } = await wait([a, a, b]);
    expect(done.size).toBe(2);
    expect(notDone.size).toBe(0);
  });

  it('should list already finished futures first, in input order', async () => {
    const a = sleepy.submit(1);
    const b = sleepy.submit(1);
    await wait([a, b]);
    const c = sleepy.submit(1);
    const { done } = await wait([c, b, a]);
    expect([...done]).toEqual([b, a, c]);
  });

  it('should reject a negative timeout and non-futures with typed errors', async () => {
    await expect(wait([], { timeout: -1 })).rejects.toThrow(/non-negative number/);
    await expect(wait([1 as unknown as TaskFuture<number>])).rejects.toThrow(/element 0 is not a TaskFuture/);
  });
});

describe('asCompleted', () => {
  it('should yield futures as they finish, each once', async () => {
    const futures = sleepy.map([150, 1, 60]);
    const order: number[] = [];
    for await (const future of asCompleted([...futures, futures[0] as TaskFuture<number>])) order.push(await future.result());
    expect(order).toEqual([1, 60, 150]);
  });

  it('should yield finished futures first', async () => {
    const early = sleepy.submit(1);
    await early.wait();
    const late = sleepy.submit(5);
    const seen: TaskFuture<number>[] = [];
    for await (const f of asCompleted([late, early])) seen.push(f);
    expect(seen).toEqual([early, late]);
  });

  it('should error with how many were unfinished on timeout', async () => {
    const slow = never.submit();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const f of asCompleted([sleepy.submit(1), slow], { timeout: 500 })) seen.push(f.name);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect((error as Error).message).toBe('1 (of 2) futures unfinished');
    slow.cancel();
  });

  it('should be an Observable too', async () => {
    const futures = sleepy.map([5, 1]);
    const names = await new Promise<string[]>((resolve) => {
      const out: string[] = [];
      asCompleted(futures).subscribe({ next: (f) => out.push(f.name), complete: () => resolve(out) });
    });
    expect(names).toEqual([futures[1]?.name, futures[0]?.name]);
  });
});

describe('TaskFutureList', () => {
  it('should reject on the first failure by completion time, not input order', async () => {
    const list = failing.map([50, 1]);
    await expect(list.result()).rejects.toThrow('failed after 1');
    await list.wait();
  });

  it('should return values in input order and errors in place with raiseOnFailure: false', async () => {
    const values = await task('maybe', async (x: number) => {
      await sleep(10 - x, 0);
      if (x === 2) throw new Error('two');
      return x;
    })
      .map([1, 2, 3])
      .result({ raiseOnFailure: false });
    expect(values[0]).toBe(1);
    expect(values[1]).toBeInstanceOf(Error);
    expect(values[2]).toBe(3);
  });

  it('should reject on timeout with a WaitTimeoutError saying how many are unfinished', async () => {
    const list = [sleepy.submit(1), never.submit()];
    const { TaskFutureList } = await import('../../src/index.js');
    const typed = TaskFutureList.from(list) as unknown as InstanceType<typeof TaskFutureList<number>>;
    void typed;
    const mapped = never.map([1, 2]);
    await expect(mapped.result({ timeout: 5 })).rejects.toThrow('(2 of 2 unfinished)');
    expect(mapped.cancel()).toBe(2);
    list[1]?.cancel();
  });

  it('should expose state predicates as refinements', async () => {
    const f = sleepy.submit(1);
    await f.wait();
    const state = f.state;
    if (isCompleted(state)) expect(state.value).toBe(1);
    else throw new Error('expected Completed');
  });
});

describe('how a future shows itself', () => {
  const double = task('double', (x: number) => 2 * x);

  it('should print its name, task, state and value with console.log (util.inspect), not engine internals', async () => {
    const { inspect } = await import('node:util');
    await flow('show', async () => {
      const future = double.submit(1);
      await future.wait();
      expect(inspect(future)).toBe("TaskFuture { name: 'double-0', task: 'double', state: 'Completed', value: 2 }");
      const list = double.map([2, 3]);
      await list.wait();
      expect(inspect(list)).toBe(
        [
          'TaskFutureList(2) [',
          "  TaskFuture { name: 'double-1', task: 'double', state: 'Completed', value: 4 },",
          "  TaskFuture { name: 'double-2', task: 'double', state: 'Completed', value: 6 }",
          ']',
        ].join('\n'),
      );
    })();
  });

  it('should turn into JSON, alone, in a list and inside other values', async () => {
    await flow('json', async () => {
      const future = double.submit(1);
      await future.wait();
      expect(JSON.parse(JSON.stringify({ step: future }))).toEqual({ step: { id: future.id, name: 'double-0', task: 'double', state: 'Completed', value: 2 } });
      const list = double.map([2]);
      await list.wait();
      expect(JSON.parse(JSON.stringify(list))).toEqual([{ id: list[0]?.id, name: 'double-1', task: 'double', state: 'Completed', value: 4 }]);
    })();
  });

  it('should show a failure as a line, without counting as looking at it', async () => {
    const { inspect } = await import('node:util');
    const boom = task('boom', (): number => {
      throw new Error('no');
    });
    const shown: string[] = [];
    const careless = flow('careless', async () => {
      const future = boom.submit();
      await future.wait();
      shown.push(inspect(future), JSON.stringify(future));
    });
    await expect(careless()).rejects.toMatchObject({ code: 'UNOBSERVED_FAILURES' });
    expect(shown[0]).toBe("TaskFuture { name: 'boom-0', task: 'boom', state: 'Failed', error: 'Error: no' }");
    expect(JSON.parse(shown[1] ?? '')).toMatchObject({ state: 'Failed', error: 'Error: no' });
  });
});
