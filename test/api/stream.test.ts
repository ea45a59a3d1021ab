import { Subject, from, interval, map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, flow, getRunContext, InvalidArgumentError, StreamOverflowError, task } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
};

describe('mapStream', () => {
  it('should pull an iterable only when a slot frees: never more than completed + maxConcurrency', async () => {
    let pulled = 0;
    let completed = 0;
    let worst = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; i < 200; i++) {
        pulled++;
        worst = Math.max(worst, pulled - completed);
        yield i;
      }
    }
    const double = task('double', async (x: number) => {
      await tick();
      completed++;
      return 2 * x;
    });
    const values = await collect(double.mapStream(numbers(), { maxConcurrency: 4 }));
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => 2 * i));
    // The generator is asked for an item only while fewer than 4 runs are unfinished.
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('should read an endless generator lazily and stop it when the consumer leaves', async () => {
    let pulled = 0;
    function* forever(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const inc = task('inc', (x: number) => x + 1);
    const seen: number[] = [];
    for await (const value of inc.mapStream(forever(), { maxConcurrency: 2 })) {
      seen.push(value);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(pulled).toBeLessThanOrEqual(5 + 2 + 2);
  });

  it('should read an AsyncIterable source', async () => {
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 20; i++) {
        await tick();
        yield i;
      }
    }
    const square = task('square', (x: number) => x * x);
    expect(await collect(square.mapStream(source(), { maxConcurrency: 3 }))).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
  });

  it('should never run more than maxConcurrency at once, also on the runner limit', async () => {
    let inFlight = 0;
    let max = 0;
    const work = task('work', async (x: number) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await tick();
      inFlight--;
      return x;
    });
    const out = await flow({ name: 'stream', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 2 }) }, () =>
      collect(work.mapStream(Array.from({ length: 50 }, (_, i) => i), { maxConcurrency: 8 })),
    )();
    expect(out).toHaveLength(50);
    expect(max).toBe(2);
  });

  it('should end with the first failure and cancel the unfinished runs', async () => {
    const signals: AbortSignal[] = [];
    const work = task('work', async (x: number) => {
      signals.push(getRunContext().signal);
      if (x === 3) throw new Error('three');
      await new Promise((resolve) => setTimeout(resolve, 50));
      return x;
    });
    await expect(collect(work.mapStream([1, 2, 3, 4], { maxConcurrency: 4 }))).rejects.toThrow('three');
    expect(signals.filter((s) => s.aborted)).toHaveLength(3);
  });

  it('should keep memory flat on a long stream: finished runs are not retained', async () => {
    const inc = task('inc', (x: number) => x + 1);
    function* many(): Generator<number> {
      for (let i = 0; i < 200_000; i++) yield i;
    }
    let sum = 0;
    const before = process.memoryUsage().heapUsed;
    for await (const v of inc.mapStream(many(), { maxConcurrency: 16 })) sum += v;
    const after = process.memoryUsage().heapUsed;
    expect(sum).toBe((200_000 * 200_001) / 2);
    // 200k retained runs would take tens of MB; a streaming run keeps a handful.
    expect(after - before).toBeLessThan(30 * 1024 * 1024);
  });

  it('should reject bad options with typed errors naming the task', () => {
    const t = task('t', (x: number) => x);
    expect(() => t.mapStream([1], { maxConcurrency: 0 })).toThrow(InvalidArgumentError);
    expect(() => t.mapStream([1], { overflow: 'wait' as never })).toThrow(/task "t": mapStream: `overflow` must be/);
    expect(() => t.mapStream(5 as never)).toThrow(/task "t": mapStream needs an Iterable, an AsyncIterable or an Observable, got number/);
  });
});

describe('mapStream (virtual time)', () => {
  it(
    'should emit in input order by default, and as runs finish with ordered: false',
    marbles((m) => {
      const work = task('work', (ms: number) => m.cold(`${'-'.repeat(ms)}(v|)`, { v: ms }));
      void runTestFlow(m.scheduler, () => {
        m.expect(work.mapStream([3, 1, 2], { maxConcurrency: 3 })).toBeObservable('---(abc|)', { a: 3, b: 1, c: 2 });
        m.expect(work.mapStream([3, 1, 2], { maxConcurrency: 3, ordered: false })).toBeObservable('-bc(a|)', { a: 3, b: 1, c: 2 });
      });
    }),
  );

  it(
    'should buffer a hot Observable source while slots are busy, and run items as slots free',
    marbles((m) => {
      const body = m.cold<string>('--(v|)');
      const work = task('work', (x: string) => body.pipe(map(() => x.toUpperCase())));
      const source = m.hot('a-b-c|');
      void runTestFlow(m.scheduler, () => {
        m.expect(work.mapStream(source, { maxConcurrency: 1 })).toBeObservable('--a-b-(c|)', { a: 'A', b: 'B', c: 'C' });
      });
      m.expect(body).toHaveSubscriptions(['^-!', '--^-!', '----^-!']);
    }),
  );

  it(
    'should error with StreamOverflowError when an Observable outruns bufferSize',
    marbles((m) => {
      const work = task('work', (_x: string) => m.cold<string>('-----(v|)'));
      const source = m.hot('abcd|');
      void runTestFlow(m.scheduler, () => {
        m.expect(work.mapStream(source, { maxConcurrency: 1, bufferSize: 2 })).toBeObservable('---#', undefined, new StreamOverflowError('work', 2));
      }).catch(() => undefined);
    }),
  );

  it(
    "should drop the newest items with overflow: 'drop-newest'",
    marbles((m) => {
      const work = task('work', (x: string) => m.cold('--(v|)', { v: x }));
      const source = m.hot('abcd|');
      void runTestFlow(m.scheduler, () => {
        m.expect(work.mapStream(source, { maxConcurrency: 1, bufferSize: 1, overflow: 'drop-newest' })).toBeObservable('--a-b-(d|)', {
          a: 'a',
          b: 'b',
          d: 'd', // c arrived while b filled the buffer: dropped; d found room
        });
      });
    }),
  );

  it(
    'should cancel unfinished runs when unsubscribed',
    marbles((m) => {
      const body = m.cold<number>('-----(v|)');
      const work = task('work', (_x: number) => body);
      void runTestFlow(m.scheduler, () => {
        m.expect(work.mapStream([1, 2, 3], { maxConcurrency: 2 }), '^--!').toBeObservable('----');
      });
      m.expect(body).toHaveSubscriptions(['^--!', '^--!']);
    }),
  );
});

describe('mapStream with RxJS sources', () => {
  it('should take an interval source and a Subject', async () => {
    const inc = task('inc', (x: number) => x + 1);
    const values = await collect(inc.mapStream(interval(1).pipe(take(5))));
    expect(values).toEqual([1, 2, 3, 4, 5]);
    const subject = new Subject<number>();
    const out: number[] = [];
    const done = new Promise<void>((resolve) => {
      inc.mapStream(subject).subscribe({ next: (v) => out.push(v), complete: resolve });
    });
    subject.next(1);
    subject.next(2);
    subject.complete();
    await done;
    expect(out).toEqual([2, 3]);
    expect(await collect(inc.mapStream(from([7, 8])))).toEqual([8, 9]);
  });
});
