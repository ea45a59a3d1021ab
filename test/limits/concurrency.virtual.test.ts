/**
 * `concurrency()` and `rateLimit()` in virtual time. They are Promise APIs, so a test steps the
 * scheduler one frame at a time and lets promise callbacks run between frames: what happens at
 * frame f is logged as `f:what`.
 */
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { concurrency, concurrencyLimits, flow, isSluiceError, rateLimit, task, type Limits } from '../../src/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A virtual clock stepped frame by frame, with promise callbacks drained between frames. */
function virtualClock() {
  const scheduler = new TestScheduler((a, e) => {
    expect(a).toEqual(e);
  });
  const log: string[] = [];
  return {
    scheduler,
    log,
    note: (what: string) => log.push(`${scheduler.now()}:${what}`),
    /** Resolves after `ms` frames of virtual time. */
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        scheduler.schedule(resolve, ms);
      }),
    /** Runs frames 0..last, draining promise callbacks after each. */
    async run(last: number): Promise<void> {
      for (let frame = 0; frame <= last; frame++) {
        await tick();
        scheduler.maxFrames = frame;
        scheduler.flush();
        await tick();
      }
    },
  };
}

function inFlow<R>(scheduler: TestScheduler, limits: Limits, body: () => Promise<R>): Promise<R> {
  return flow({ name: 'limited', scheduler, limits, progress: false }, body)() as Promise<R>;
}

describe('concurrency() (virtual time)', () => {
  it('should hold the slots while fn runs, serve waiters in order and hand a freed slot over in the same frame', async () => {
    const clock = virtualClock();
    const load = task('load', (name: string, ms: number) =>
      concurrency('db', async () => {
        clock.note(`start ${name}`);
        await clock.sleep(ms);
        clock.note(`end ${name}`);
        return name;
      }),
    );
    const done = inFlow(clock.scheduler, concurrencyLimits({ db: 2 }), () => load.map(['a', 'b', 'c', 'd'], [3, 5, 2, 2]).result());
    await clock.run(10);
    expect(await done).toEqual(['a', 'b', 'c', 'd']);
    expect(clock.log).toEqual(['0:start a', '0:start b', '3:end a', '3:start c', '5:end b', '5:end c', '5:start d', '7:end d']);
  });

  it('should not let small waiters overtake a big occupy at the head of the line', async () => {
    const clock = virtualClock();
    const limits = concurrencyLimits({ db: 3 });
    const job = (name: string, occupy: number, ms: number) =>
      concurrency(
        'db',
        async () => {
          clock.note(`start ${name}`);
          await clock.sleep(ms);
        },
        { occupy },
      );
    const done = inFlow(clock.scheduler, limits, () => Promise.all([job('small1', 2, 4), job('big', 3, 1), job('small2', 1, 1)]));
    await clock.run(8);
    await done;
    // small2 would fit beside small1 at frame 0, but big came first.
    expect(clock.log).toEqual(['0:start small1', '4:start big', '5:start small2']);
  });

  it('should give the slots back when fn throws', async () => {
    const clock = virtualClock();
    const done = inFlow(clock.scheduler, concurrencyLimits({ db: 1 }), async () => {
      const failed = await concurrency('db', () => {
        throw new Error('broken');
      }).catch((e: unknown) => (e as Error).message);
      const next = await concurrency('db', () => 'next');
      return [failed, next];
    });
    await clock.run(1);
    expect(await done).toEqual(['broken', 'next']);
  });

  it('should end a wait at its timeout with a LimitTimeoutError naming the limit, holding nothing', async () => {
    const clock = virtualClock();
    const done = inFlow(clock.scheduler, concurrencyLimits({ db: 1 }), async () => {
      const holder = concurrency('db', () => clock.sleep(10));
      const error = await concurrency('db', () => 'never', { timeout: 4 }).catch((e: unknown) => e);
      clock.note(isSluiceError(error, 'LIMIT_TIMEOUT') ? `timed out on ${error.limitNames.join()} after ${error.timeout}` : String(error));
      await holder;
      clock.note(await concurrency('db', () => 'free again'));
    });
    await clock.run(12);
    await done;
    expect(clock.log).toEqual(['4:timed out on db after 4', '10:free again']);
  });

  it("should end a wait when the run's signal aborts (the run is cancelled), and let the next waiter in", async () => {
    const clock = virtualClock();
    const waiter = task('waiter', () => concurrency('db', () => 'never'));
    const done = inFlow(clock.scheduler, concurrencyLimits({ db: 1 }), async () => {
      const holder = concurrency('db', () => clock.sleep(6));
      const run = waiter.submit();
      const next = concurrency('db', () => clock.note('next'));
      clock.scheduler.schedule(() => run.cancel('not needed'), 2);
      await run.wait();
      clock.note(run.state.name);
      await holder;
      await next;
    });
    await clock.run(8);
    await done;
    expect(clock.log).toEqual(['2:Cancelled', '6:next']);
  });

  it('should fail at once for a name with no limit, an occupy larger than the limit, or no limits at all', async () => {
    const limits = concurrencyLimits({ db: 2 });
    const errors = await flow({ name: 'checks', limits, progress: false }, async () =>
      Promise.all([
        concurrency('dbb', () => 1).catch((e: unknown) => e),
        concurrency(['db', 'cache'], () => 1).catch((e: unknown) => e),
        concurrency('db', () => 1, { occupy: 3 }).catch((e: unknown) => e),
        concurrency('db', () => 1, { occupy: 0 }).catch((e: unknown) => e),
        rateLimit('db').catch((e: unknown) => e),
      ]),
    )();
    expect(errors.map((e) => (isSluiceError(e) ? e.code : e))).toEqual(['LIMIT_NOT_DEFINED', 'LIMIT_NOT_DEFINED', 'LIMIT_OCCUPY_TOO_LARGE', 'INVALID_ARGUMENT', 'LIMIT_NOT_DEFINED']);
    expect(String(errors[0])).toMatch(/concurrency\(\): no concurrency limit named "dbb" is defined in the limits of flow "checks"/);
    expect(String(errors[1])).toMatch(/"cache"/);
    expect(String(errors[2])).toMatch(/`occupy` is 3, more than limit "db" holds \(2\)/);
    expect(String(errors[4])).toMatch(/rateLimit\(\): no rate limit named "db"/);
  });
});

describe('rateLimit() (virtual time)', () => {
  it('should let at most `limit` through in any window of `per` ms, each token back `per` ms after it was taken, in order', async () => {
    const clock = virtualClock();
    const call = task('call', async (n: number) => {
      await rateLimit('api');
      clock.note(`call ${n}`);
    });
    const limits = concurrencyLimits({}, { rate: { api: { limit: 2, per: 5 } } });
    const done = inFlow(clock.scheduler, limits, () => call.map([1, 2, 3, 4, 5]).result());
    await clock.run(12);
    await done;
    expect(clock.log).toEqual(['0:call 1', '0:call 2', '5:call 3', '5:call 4', '10:call 5']);
  });

  it('should time out a wait for tokens with a LimitTimeoutError', async () => {
    const clock = virtualClock();
    const limits = concurrencyLimits({}, { rate: { api: { limit: 1, per: 10 } } });
    const done = inFlow(clock.scheduler, limits, async () => {
      await rateLimit('api');
      const error = await rateLimit('api', { timeout: 3 }).catch((e: unknown) => e);
      clock.note(isSluiceError(error, 'LIMIT_TIMEOUT') ? 'timed out' : String(error));
      await rateLimit('api');
      clock.note('token');
    });
    await clock.run(12);
    await done;
    expect(clock.log).toEqual(['3:timed out', '10:token']);
  });
});
