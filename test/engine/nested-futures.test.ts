import { describe, expect, it } from 'vitest';
import { allowFailure, FailedRunsError, flow, isSluiceError, isTaskFuture, opaque, quote, task, unmapped, type TaskFuture } from '../../src/index.js';

const value = task('value', <T>(x: T): T => x);
const failing = task('failing', (): string => {
  throw new Error('boom');
});
/** Returns what the body received, untouched: the tests look at it from outside. */
const received = task('received', (x: unknown): unknown => x);

describe('futures at any depth inside arguments', () => {
  it('resolves a future nested in plain objects, arrays, Maps and Sets, and waits for it', async () => {
    await flow({ name: 'deep' }, async () => {
      const city = value.submit('Lyon');
      const zip = value.submit(69001);
      const tag = value.submit('t');
      const arg = {
        address: { city, lines: [[zip]] },
        byName: new Map<string, unknown>([['home', { city }]]),
        tags: new Set<unknown>([tag, 'plain']),
      };
      const got = (await received(arg)) as typeof arg;
      expect(got).toEqual({
        address: { city: 'Lyon', lines: [[69001]] },
        byName: new Map([['home', { city: 'Lyon' }]]),
        tags: new Set(['t', 'plain']),
      });
      // The caller's structure is not changed in place.
      expect(isTaskFuture(arg.address.city)).toBe(true);
      expect(isTaskFuture((arg.byName.get('home') as { city: unknown }).city)).toBe(true);
    })();
  });

  it('keeps containers without futures as they are, and copies only those on the way to one', async () => {
    const untouched = { big: [1, 2, 3] };
    const got = (await received({ untouched, deep: { f: value.submit(1) } })) as { untouched: unknown; deep: { f: number } };
    expect(got.untouched).toBe(untouched);
    expect(got.deep.f).toBe(1);
  });

  it('ends the run UpstreamFailed when a deeply nested future failed, naming where it was found', async () => {
    let ran = false;
    const body = task('body', (o: { a: { b: string[] } }) => {
      ran = true;
      return o.a.b.length;
    });
    const future = body.submit({ a: { b: ['x', failing.submit()] } });
    const error = await future.result().catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(future.state).toMatchObject({ name: 'UpstreamFailed' });
    expect(isSluiceError(error, 'UPSTREAM_FAILED')).toBe(true);
  });

  it('admits a deeply nested allowFailure(...)', async () => {
    const got = (await received({ a: [allowFailure(failing.submit())] })) as { a: [Error] };
    expect(got.a[0]).toBeInstanceOf(Error);
    expect(got.a[0].message).toBe('boom');
  });

  it('names a nested self-dependency by its path', async () => {
    const holder: { deep: { me?: unknown } } = { deep: {} };
    const future = received.submit(holder);
    // The run has not started yet (a submit starts on the next turn): make it depend on itself.
    holder.deep.me = future;
    const error = await future.result().catch((e: unknown) => e);
    expect(isSluiceError(error, 'SELF_DEPENDENCY')).toBe(true);
    expect((error as Error).message).toContain('argument 0[deep.me]');
  });

  it('resolves nested futures in mapped items and in a broadcast argument of map', async () => {
    const add = task('add', (item: { n: number[] }, offset: { by: { n: number } }) => (item.n[0] ?? 0) + offset.by.n);
    const num = task('num', (x: number) => x);
    const result = await add.map([{ n: [num.submit(1)] }, { n: [num.submit(2)] }], unmapped({ by: { n: num.submit(10) } })).result();
    expect(result).toEqual([11, 12]);
  });

  it('leaves class instances as they are, futures inside included', async () => {
    class Box {
      constructor(readonly inner: unknown) {}
    }
    const future = value.submit(3);
    const box = new Box(future);
    const date = new Date(0);
    const got = (await received({ box, date })) as { box: Box; date: Date };
    expect(got.box).toBe(box);
    expect(got.box.inner).toBe(future);
    expect(got.date).toBe(date);
    await future.wait();
  });
});

describe('very deep arguments', () => {
  /** `[[[...[leaf]]]]`, `depth` arrays deep. */
  const nestedAround = (depth: number, leaf: unknown): unknown[] => {
    let value: unknown[] = [leaf];
    for (let i = 1; i < depth; i++) value = [value];
    return value;
  };
  const leafOf = (value: unknown): unknown => {
    let v = value;
    while (Array.isArray(v)) v = (v as unknown[])[0];
    return v;
  };

  it('walks 1,000 levels down and passes deeper levels as they are, never overflowing the stack', async () => {
    const shallow = value.submit(1);
    const deepest = value.submit(2);
    const beside = nestedAround(100_000, 'leaf');
    const got = (await received({ f: shallow, beside, at999: nestedAround(998, value.submit(3)), below: nestedAround(2_000, deepest) })) as Record<string, unknown>;
    expect(got.f).toBe(1);
    expect(got.beside).toBe(beside);
    expect(leafOf(got.at999)).toBe(3);
    expect(leafOf(got.below)).toBe(deepest);
  });
});

describe('cycles', () => {
  it('passes a cyclic argument without futures through untouched, without hanging', async () => {
    const a: { self?: unknown; n: number } = { n: 1 };
    a.self = a;
    const list: unknown[] = [1];
    list.push(list);
    const got = (await received([a, list])) as [typeof a, unknown[]];
    expect(got[0]).toBe(a);
    expect(got[1]).toBe(list);
  });

  it('resolves a future inside a cycle once, and the copy keeps the cycle', async () => {
    const node: { next?: unknown; f: unknown } = { f: value.submit(7) };
    node.next = { back: node };
    const got = (await received(node)) as { next: { back: unknown }; f: number };
    expect(got.f).toBe(7);
    expect(got.next.back).toBe(got);
    expect(got).not.toBe(node);
    expect(isTaskFuture(node.f)).toBe(true);
  });

  it('resolves a cycle whose future comes after the back edge, in a Map and a Set too', async () => {
    const list: unknown[] = [];
    const map = new Map<string, unknown>([['list', list]]);
    const set = new Set<unknown>([map]);
    list.push(set, value.submit('x'));
    const got = (await received(list)) as unknown[];
    expect(got[1]).toBe('x');
    const gotSet = got[0] as Set<Map<string, unknown>>;
    const gotMap = [...gotSet][0] as Map<string, unknown>;
    expect(gotMap.get('list')).toBe(got);
  });

  it('keeps an object shared by two places shared in the copy', async () => {
    const shared = { f: value.submit(1) };
    const got = (await received({ a: shared, b: shared })) as { a: { f: number }; b: { f: number } };
    expect(got.a).toEqual({ f: 1 });
    expect(got.b).toBe(got.a);
  });
});

describe('quote and opaque', () => {
  it('quote passes the value as it is: futures stay futures, and are not upstreams', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = task('slow', async () => {
      await gate;
      return 1;
    });
    await flow({ name: 'quoted' }, async () => {
      const future = slow.submit();
      const got = (await received(quote({ deep: [future] }))) as { deep: [TaskFuture<number>] };
      // The run did not wait for the quoted future: it is still running.
      expect(got.deep[0]).toBe(future);
      expect(future.state.type).not.toBe('Completed');
      release();
      expect(await future.result()).toBe(1);
      // A quoted future at the top level stays a future too.
      expect(await received(quote(future))).toBe(future);
    })();
  });

  it('quote inside a structure is taken off, and a failed future inside it does not stop the run', async () => {
    const failed = failing.submit();
    const got = (await received({ a: quote([failed]), b: value.submit(2) })) as { a: [unknown]; b: number };
    expect(got.a[0]).toBe(failed);
    expect(got.b).toBe(2);
    await failed.wait();
  });

  it('opaque resolves the future it wraps, but does not walk into a container', async () => {
    await flow({ name: 'opaque' }, async () => {
      const future = value.submit(5);
      const inner = value.submit(6);
      const rows = [{ inner }];
      const got = (await received({ a: opaque(future), rows: opaque(rows) })) as { a: number; rows: unknown };
      expect(got.a).toBe(5);
      expect(got.rows).toBe(rows);
      expect(isTaskFuture(rows[0]?.inner)).toBe(true);
      // A future's value is never walked: a value holding a future arrives as it is.
      const holder = value.submit(quote({ inner }));
      expect(((await received(opaque(holder))) as { inner: unknown }).inner).toBe(inner);
      expect(((await received(holder)) as { inner: unknown }).inner).toBe(inner);
    })();
  });

  it('opaque(future) whose run failed ends the run UpstreamFailed', async () => {
    const future = received.submit(opaque(failing.submit()));
    expect(isSluiceError(await future.result().catch((e: unknown) => e), 'UPSTREAM_FAILED')).toBe(true);
  });
});

describe('what a flow returns', () => {
  it('resolves futures nested at any depth in the returned value', async () => {
    const result = await flow({ name: 'returns-deep' }, () => ({
      summary: { total: value.submit(3), parts: [value.submit(1), { two: value.submit(2) }] },
      byKey: new Map([['k', value.map([1, 2])]]),
    }))();
    expect(result).toEqual({ summary: { total: 3, parts: [1, { two: 2 }] }, byKey: new Map([['k', [1, 2]]]) });
  });

  it('rejects when a deeply returned future failed, naming it', async () => {
    const error: unknown = await flow({ name: 'returns-failed' }, () => ({ a: { b: [failing.submit()] } }))().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailedRunsError);
    expect((error as FailedRunsError).failures.map((f) => f.runName)).toEqual(['failing-0']);
  });

  it('returns a quoted value as it is', async () => {
    let kept: unknown;
    const result = await flow({ name: 'returns-quoted' }, () => {
      kept = value.submit(1);
      return quote({ f: kept });
    })();
    expect(result.f).toBe(kept);
  });
});
