import { afterEach, describe, expect, it } from 'vitest';
import {
  concurrency,
  concurrencyLimits,
  flow,
  isSluiceError,
  rateLimit,
  setDefaultLimits,
  task,
  type Limits,
  type RecordedEvent,
} from '../../src/index.js';

afterEach(() => {
  setDefaultLimits(undefined);
});

/** Counts bodies in flight, and the most at once. */
function inFlight() {
  let now = 0;
  let max = 0;
  return {
    get max() {
      return max;
    },
    async during<T>(work: () => Promise<T>): Promise<T> {
      max = Math.max(max, ++now);
      try {
        return await work();
      } finally {
        now--;
      }
    },
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('concurrencyLimits()', () => {
  it.each([
    ['a negative count', () => concurrencyLimits({ 'crm-api': -1 }), 'INVALID_LIMITS', /limit "crm-api": `concurrency` must be a non-negative integer, got -1 \(number\)/],
    ['a fraction', () => concurrencyLimits({ db: 1.5 }), 'INVALID_LIMITS', /limit "db": `concurrency` must be a non-negative integer/],
    ['a rate without per', () => concurrencyLimits({}, { rate: { api: { limit: 5 } as never } }), 'INVALID_LIMITS', /limit "api": `rate.per` must be a positive number of ms, got undefined/],
    ['a rate per of 0', () => concurrencyLimits({}, { rate: { api: { limit: 5, per: 0 } } }), 'INVALID_LIMITS', /`rate.per` must be a positive number/],
    ['a negative rate limit', () => concurrencyLimits({}, { rate: { api: { limit: -5, per: 10 } } }), 'INVALID_LIMITS', /limit "api": `rate.limit` must be a non-negative integer/],
    ['limits that are not an object', () => concurrencyLimits(5 as never), 'INVALID_ARGUMENT', /the limits must be an object of names to counts, got 5/],
    ['an unknown option', () => concurrencyLimits({}, { rates: {} } as never), 'INVALID_ARGUMENT', /unknown option `rates`; it takes `rate`/],
  ])('should refuse %s with a typed error naming the limit and the option', (_what, make, code, message) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(isSluiceError(error) && error.code).toBe(code);
    expect(String(error)).toMatch(message);
  });

  it('should describe what it holds, frozen', () => {
    const limits = concurrencyLimits({ 'crm-api': 5 }, { rate: { 'crm-api': { limit: 50, per: 60_000 } } });
    expect(limits).toEqual({ concurrency: { 'crm-api': 5 }, rate: { 'crm-api': { limit: 50, per: 60_000 } }, home: 'memory' });
    expect(Object.isFrozen(limits.concurrency)).toBe(true);
  });

  it('should be refused by flow() and setDefaultLimits() when not made by concurrencyLimits()', () => {
    const fake = { concurrency: { db: 1 }, rate: {}, home: 'memory' } as Limits;
    expect(() => flow({ name: 'f', limits: fake }, () => 1)).toThrow(/flow "f": `limits` must be made by concurrencyLimits\(\)/);
    expect(() => setDefaultLimits(fake)).toThrow(/setDefaultLimits\(\): expected limits made by concurrencyLimits\(\)/);
  });
});

describe('task tags', () => {
  it('should refuse tags that are not a list of non-empty strings, naming the task and the option', () => {
    expect(() => task({ name: 'fetch', tags: 'crm-api' as never }, () => 1)).toThrow(/task "fetch": option `tags` must be a list of non-empty strings, got "crm-api" \(string\)/);
    expect(() => task({ name: 'fetch', tags: [''] }, () => 1)).toThrow(/option `tags` must be a list of non-empty strings/);
    expect(() => task('fetch', () => 1).with({ tags: [1] as never })).toThrow(/task "fetch": option `tags`/);
  });

  it('should add the tags given to with() to the task\'s, each once', async () => {
    const seen: RecordedEvent[] = [];
    const base = task({ name: 'fetch', tags: ['crm-api'] }, () => 1);
    await flow({ name: 'tags', record: (e) => seen.push(e), progress: false }, () => base.with({ tags: ['eu', 'crm-api'] })())();
    const submitted = seen.find((e) => e.type === 'run-submitted');
    expect(submitted?.type === 'run-submitted' ? submitted.tags : undefined).toEqual(['crm-api', 'eu']);
  });

  it('should leave tags out of the recording of an untagged run', async () => {
    const seen: RecordedEvent[] = [];
    await flow({ name: 'plain', record: (e) => seen.push(e), progress: false }, () => task('plain', () => 1)())();
    expect(seen.find((e) => e.type === 'run-submitted')).not.toHaveProperty('tags');
  });
});

describe('where the limits come from', () => {
  it("should let a subflow use its parent flow's limits", async () => {
    const counter = inFlight();
    const call = task({ name: 'call', tags: ['db'] }, (_n?: number) => counter.during(pause));
    const child = flow({ name: 'child', progress: false }, () => call.map([1, 2, 3, 4]).result());
    await flow({ name: 'parent', limits: concurrencyLimits({ db: 1 }), progress: false }, () => child())();
    expect(counter.max).toBe(1);
  });

  it('should share the counts between flows given the same limits', async () => {
    const counter = inFlight();
    const limits = concurrencyLimits({ db: 2 });
    const call = task({ name: 'call', tags: ['db'] }, (_n?: number) => counter.during(pause));
    const sync = flow({ name: 'sync', limits, progress: false }, () => call.map([1, 2, 3, 4, 5]).result());
    await Promise.all([sync(), sync(), sync()]);
    expect(counter.max).toBe(2);
  });

  it('should use the default limits outside flows and in flows given none, and none once removed', async () => {
    const counter = inFlight();
    setDefaultLimits(concurrencyLimits({ db: 1 }, { rate: { api: { limit: 5, per: 1000 } } }));
    const call = task({ name: 'call', tags: ['db'] }, (_n?: number) => counter.during(pause));
    await Promise.all([call(), call(), call()]);
    await flow({ name: 'plain', progress: false }, () => call.map([1, 2, 3]).result())();
    await Promise.all([1, 2, 3].map(() => concurrency('db', () => counter.during(pause))));
    await rateLimit('api');
    expect(counter.max).toBe(1);
    setDefaultLimits(undefined);
    const error = await concurrency('db', () => 1).catch((e: unknown) => e);
    expect(String(error)).toMatch(/no concurrency limit named "db" is defined: no limits are set \(pass `limits` to the flow, or call setDefaultLimits\(\)\)/);
  });
});
