import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isSluiceError, task, type TaskFuture } from '../../src/index.js';
import { runTestFlow, stateNames as names } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';


describe('retries (virtual time)', () => {
  it(
    'should retry after a fixed delay and pass through AwaitingRetry and Retrying',
    marbles((m) => {
      const body = m.cold<string>('-#', undefined, new Error('flaky'));
      const work = task({ name: 'work', retries: 2, retryDelay: 3 }, () => body);
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^!', '----^!', '--------^!']);
      m.expect(names(future)).toBeObservable('ra--ba--b(f|)', {
        r: 'Running',
        a: 'AwaitingRetry',
        b: 'Retrying',
        f: 'Failed',
      });
    }),
  );

  it(
    'should succeed on a later attempt: the exact sequence of a run that fails twice then succeeds',
    marbles((m) => {
      let attempt = 0;
      const work = task({ name: 'work', retries: 3, retryDelay: 2 }, () =>
        ++attempt < 3 ? m.cold<string>('-#', undefined, new Error(`attempt ${attempt}`)) : m.cold<string>('-(v|)', { v: 'ok' }),
      );
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      });
      m.expect(names(future)).toBeObservable('ra-ba-b(c|)', { r: 'Running', a: 'AwaitingRetry', b: 'Retrying', c: 'Completed' });
      m.expect(future.result$).toBeObservable('-------(v|)', { v: 'ok' });
    }),
  );

  it(
    'should repeat the last delay of a list when retries outrun it',
    marbles((m) => {
      const body = m.cold<string>('#', undefined, new Error('x'));
      const work = task({ name: 'work', retries: 3, retryDelay: [1, 2] }, () => body);
      void runTestFlow(m.scheduler, () => work.submit().wait()).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['(^!)', '-(^!)', '---(^!)', '-----(^!)']);
    }),
  );

  it(
    'should take the delay from a function of the retry number',
    marbles((m) => {
      const body = m.cold<string>('#', undefined, new Error('x'));
      const work = task({ name: 'work', retries: 2, retryDelay: (retry) => retry * 3 }, () => body);
      void runTestFlow(m.scheduler, () => work.submit().wait()).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['(^!)', '---(^!)', '---------(^!)']);
    }),
  );

  it(
    'should apply jitter from the injected random source, within [1 - j, 1 + j] of the delay',
    marbles((m) => {
      const low = m.cold<string>('#', undefined, new Error('x'));
      const high = m.cold<string>('#', undefined, new Error('x'));
      const lowTask = task({ name: 'low', retries: 1, retryDelay: 8, retryJitterFactor: 0.5, random: () => 0 }, () => low);
      const highTask = task({ name: 'high', retries: 1, retryDelay: 8, retryJitterFactor: 0.5, random: () => 0.75 }, () => high);
      void runTestFlow(m.scheduler, () => Promise.all([lowTask.submit().wait(), highTask.submit().wait()])).catch(() => undefined);
      m.expect(low).toHaveSubscriptions(['(^!)', '----(^!)']); // 8 * (1 - 0.5)
      m.expect(high).toHaveSubscriptions(['(^!)', '----------(^!)']); // 8 * (1 + 0.5 * (2 * 0.75 - 1)) = 10
    }),
  );

  it(
    'should stop retrying when retryCondition says no',
    marbles((m) => {
      const body = m.cold<string>('-#', undefined, new Error('fatal'));
      const work = task({ name: 'work', retries: 5, retryCondition: (e) => (e as Error).message !== 'fatal' }, () => body);
      void runTestFlow(m.scheduler, () => work.submit().wait()).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^!']);
    }),
  );

  it('should say how many attempts were made in the final error', async () => {
    const work = task({ name: 'work', retries: 2 }, () => {
      throw new Error('down');
    });
    const error = await work().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RETRIES_EXHAUSTED', attempts: 3 });
    expect((error as Error).message).toContain('failed after 3 attempts: Error: down');
    expect((error as Error).cause).toMatchObject({ message: 'down' });
  });
});

describe('timeouts (virtual time)', () => {
  it(
    'should end a slow body TimedOut at the deadline and unsubscribe it',
    marbles((m) => {
      const body = m.cold<string>('------(v|)');
      const work = task({ name: 'slow', timeout: 3 }, () => body);
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
        future.result$.subscribe({ error: () => undefined });
      }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^--!']);
      m.expect(names(future)).toBeObservable('r--(t|)', { r: 'Running', t: 'TimedOut' });
    }),
  );

  it(
    'should retry a timed-out attempt like a failure',
    marbles((m) => {
      let attempt = 0;
      const work = task({ name: 'slow', timeout: 3, retries: 1, retryDelay: 1 }, () =>
        ++attempt === 1 ? m.cold<string>('------(v|)', { v: 'late' }) : m.cold<string>('-(v|)', { v: 'fast' }),
      );
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      });
      m.expect(future.result$).toBeObservable('-----(v|)', { v: 'fast' });
    }),
  );

  it('should abort the signal and settle at the deadline even if the body ignores it', async () => {
    const { getRunContext } = await import('../../src/index.js');
    let signal: AbortSignal | undefined;
    const stubborn = task({ name: 'stubborn', timeout: 20 }, () => {
      signal = getRunContext().signal;
      return new Promise<string>((resolve) => setTimeout(() => resolve('too late'), 200));
    });
    const future = stubborn.submit();
    const error = await future.result().catch((e: unknown) => e);
    expect(isSluiceError(error, 'TIMED_OUT')).toBe(true);
    expect((error as Error).message).toBe('task run "stubborn-0" (task "stubborn") exceeded its timeout of 20ms');
    expect(signal?.aborted).toBe(true);
    expect(future.state).toMatchObject({ type: 'Failed', name: 'TimedOut' });
  });
});

describe('cancellation (virtual time)', () => {
  it(
    'should unsubscribe a running body on cancel(), end Cancelled, and end its downstream UpstreamCancelled',
    marbles((m) => {
      const body = m.cold<string>('-----(v|)');
      const downBody = m.cold<string>('-(d|)');
      const work = task('work', () => body);
      const down = task('down', (x: string) => downBody.pipe(map(() => x)));
      let future!: TaskFuture<string>;
      let downstream!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
        downstream = down.submit(future);
        m.scheduler.schedule(() => future.cancel(), 2);
      }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^-!']);
      m.expect(downBody).toHaveSubscriptions([]);
      m.expect(names(future)).toBeObservable('r-(c|)', { r: 'Running', c: 'Cancelled' });
      m.expect(names(downstream)).toBeObservable('p-(u|)', { p: 'Pending', u: 'UpstreamCancelled' });
    }),
  );

  it(
    'should take a queued run out of line when cancelled before it got a slot',
    marbles((m) => {
      const body = m.cold<string>('--(v|)');
      const work = task('work', (_n: number) => body);
      void runTestFlow(m.scheduler, () => {
        const futures = work.map([1, 2, 3]);
        futures[1]?.cancel();
        return futures.wait();
      }, { maxConcurrency: 1 });
      m.expect(body).toHaveSubscriptions(['^-!', '--^-!']);
    }),
  );

  it('should abort the body signal on cancel()', async () => {
    const { getRunContext } = await import('../../src/index.js');
    let signal: AbortSignal | undefined;
    const work = task('work', () => {
      signal = getRunContext().signal;
      return new Promise<never>(() => undefined);
    });
    const future = work.submit();
    await Promise.resolve(); // the body starts after the caller's synchronous code
    expect(signal?.aborted).toBe(false);
    expect(future.cancel('stop')).toBe(true);
    expect(future.cancel()).toBe(false);
    expect(signal?.aborted).toBe(true);
    await expect(future.result()).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('retry condition', () => {
  it('should surface the error itself when the condition declines the first retry', async () => {
    const fatal = new Error('fatal');
    const work = task({ name: 'work', retries: 3, retryCondition: () => false }, () => {
      throw fatal;
    });
    await expect(work()).rejects.toBe(fatal);
  });
});

describe('errors that say they cannot be retried', () => {
  it('should not retry a SluiceError whose retryable is false, whatever retries says', async () => {
    const { SluiceError } = await import('../../src/index.js');
    class Hopeless extends SluiceError {
      constructor() {
        super('INVALID_ARGUMENT', 'no point trying again');
      }
      override get retryable(): boolean {
        return false;
      }
    }
    let calls = 0;
    const work = task({ name: 'work', retries: 3 }, () => {
      calls++;
      throw new Hopeless();
    });
    await expect(work()).rejects.toBeInstanceOf(Hopeless);
    expect(calls).toBe(1);
  });
});
