import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { task } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

describe('map concurrency (virtual time)', () => {
  it(
    'should run at most maxConcurrency bodies at once and start the next when a slot frees',
    marbles((m) => {
      const body = m.cold('--a|');
      const work = task('work', (x: string) => body.pipe(map(() => x.toUpperCase())));
      let futures!: ReturnType<typeof work.map>;
      const done = runTestFlow(m.scheduler, () => {
        futures = work.map(['a', 'b', 'c', 'd', 'e']);
      }, { maxConcurrency: 2 });

      m.expect(futures.result$).toBeObservable('---------(x|)', { x: ['A', 'B', 'C', 'D', 'E'] });
      m.expect(body).toHaveSubscriptions(['^--!', '^--!', '---^--!', '---^--!', '------^--!']);
      return done;
    }),
  );

  it(
    'should count submits and maps against one runner limit',
    marbles((m) => {
      const body = m.cold('--a|');
      const work = task('work', (_n?: number) => body);
      runTestFlow(m.scheduler, () => {
        work.submit();
        work.map([1, 2]);
        work.submit();
      }, { maxConcurrency: 1 }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^--!', '---^--!', '------^--!', '---------^--!']);
    }),
  );

  it(
    'should apply a per-task maxConcurrency from with() on top of the runner limit',
    marbles((m) => {
      const body = m.cold('-a|');
      const work = task('work', (_n: number) => body);
      void runTestFlow(m.scheduler, () => {
        work.with({ maxConcurrency: 1 }).map([1, 2, 3]);
      });
      m.expect(body).toHaveSubscriptions(['^-!', '--^-!', '----^-!']);
    }),
  );

  it(
    'should return map results in input order even when later items finish first',
    marbles((m) => {
      const work = task('work', (ms: number) => m.cold(`${'-'.repeat(ms)}(v|)`, { v: ms }));
      let futures!: ReturnType<typeof work.map>;
      void runTestFlow(m.scheduler, () => {
        futures = work.map([3, 1, 2]);
      });
      m.expect(futures.result$).toBeObservable('---(x|)', { x: [3, 1, 2] });
    }),
  );
});

describe('run once (virtual time)', () => {
  it(
    'should run a body once however many subscribe, and replay the stored value to late subscribers',
    marbles((m) => {
      const body = m.cold('--a|', { a: 42 });
      const work = task('work', () => body);
      let future!: ReturnType<typeof work.submit>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      });
      // A body's result is its last value, delivered when it completes.
      m.expect(future.result$).toBeObservable('---(a|)', { a: 42 });
      m.expect(future.result$, '----^').toBeObservable('----(a|)', { a: 42 });
      m.expect(future.result$, '------^').toBeObservable('------(a|)', { a: 42 });
      m.expect(body).toHaveSubscriptions(['^--!']);
    }),
  );

  it(
    'should store an error and replay it without running again',
    marbles((m) => {
      const boom = new Error('boom');
      const body = m.cold('--#', undefined, boom);
      const work = task('work', () => body);
      let future!: ReturnType<typeof work.submit>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      }).catch(() => undefined);
      m.expect(future.result$).toBeObservable('--#', undefined, boom);
      m.expect(future.result$, '-----^').toBeObservable('-----#', undefined, boom);
      m.expect(body).toHaveSubscriptions(['^-!']);
    }),
  );

  it('should call a Promise body once for several result() calls', async () => {
    let calls = 0;
    const work = task('work', async () => {
      calls++;
      await Promise.resolve();
      return 'v';
    });
    const future = work.submit();
    expect(await Promise.all([future.result(), future.result(), future.result()])).toEqual(['v', 'v', 'v']);
    expect(await future.result()).toBe('v');
    expect(calls).toBe(1);
  });

  it(
    "should keep a task's own limit across its waitFor and with() copies",
    marbles((m) => {
      const body = m.cold('-a|');
      const work = task({ name: 'work', maxConcurrency: 1 }, (_n: number) => body);
      void runTestFlow(m.scheduler, () => {
        work.submit(1);
        work.waitFor([]).submit(2);
        work.with({ retries: 1 }).submit(3);
      });
      m.expect(body).toHaveSubscriptions(['^-!', '--^-!', '----^-!']);
    }),
  );
});

describe('a map as a stream (virtual time)', () => {
  it(
    'should emit values in completion order on values$, and all of them in input order on result$',
    marbles((m) => {
      const work = task('work', (ms: number) => m.cold(`${'-'.repeat(ms)}(v|)`, { v: ms }));
      let futures!: ReturnType<typeof work.map>;
      void runTestFlow(m.scheduler, () => {
        futures = work.map([3, 1, 2]);
      });
      m.expect(futures.values$).toBeObservable('-bc(a|)', { a: 3, b: 1, c: 2 });
      m.expect(futures.result$).toBeObservable('---(x|)', { x: [3, 1, 2] });
    }),
  );

  it(
    'should error values$ on the first failure',
    marbles((m) => {
      const boom = new Error('boom');
      const work = task('work', (ms: number) => (ms === 2 ? m.cold<number>('--#', undefined, boom) : m.cold(`${'-'.repeat(ms)}(v|)`, { v: ms })));
      let futures!: ReturnType<typeof work.map>;
      void runTestFlow(m.scheduler, () => {
        futures = work.map([3, 1, 2]);
      }).catch(() => undefined);
      m.expect(futures.values$).toBeObservable('-b#', { b: 1 }, boom);
    }),
  );
});
