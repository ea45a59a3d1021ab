import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidTaskOptionsError, task, TASK_DEFAULTS } from '../src/index.js';

const fn = (x: number) => x;

describe('task() input errors (raised when the task is defined)', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['an empty name', () => task('', fn), /option `name` must be a non-empty string/],
    ['a function that is not one', () => task('t', 3 as never), /task "t": option `fn` must be a function/],
    ['negative retries', () => task({ name: 't', retries: -1 }, fn), /option `retries` must be a non-negative integer, got -1/],
    ['a retry delay that is a string', () => task({ name: 't', retryDelay: '5' as never }, fn), /option `retryDelay` must be a number, a list of numbers, or a function, got 5 \(string\)/],
    ['a negative delay in a list', () => task({ name: 't', retryDelay: [1, -2] }, fn), /option `retryDelay` must be a non-empty list of non-negative numbers/],
    ['a negative jitter', () => task({ name: 't', retryJitterFactor: -0.1 }, fn), /option `retryJitterFactor` must be a number from 0 to 1, got -0.1/],
    ['a zero timeout', () => task({ name: 't', timeout: 0 }, fn), /option `timeout` must be a positive number of ms, got 0/],
    ['a template naming no parameter', () => task({ name: 't', taskRunName: 'run {nope}' }, fn), /option `taskRunName` names "\{nope\}", which is not a parameter.*parameters: x/],
    ['a bad maxConcurrency', () => task({ name: 't', maxConcurrency: 0 }, fn), /option `maxConcurrency` must be an integer from 1 and up or Infinity, got 0/],
  ];
  for (const [what, call, message] of cases) {
    it(`should reject ${what} with InvalidTaskOptionsError`, () => {
      expect(call).toThrow(InvalidTaskOptionsError);
      expect(call).toThrow(message);
      try {
        call();
      } catch (error) {
        expect(error).toMatchObject({ name: 'InvalidTaskOptionsError', code: 'INVALID_TASK_OPTIONS' });
      }
    });
  }

  it('should check options given to with() too', () => {
    expect(() => task('t', fn).with({ retries: 1.5 })).toThrow(/task "t": option `retries`/);
  });

  it('should reject a waitFor that is not a list of futures', () => {
    expect(() => task('t', fn).waitFor([1 as never])).toThrow(InvalidArgumentError);
    expect(() => task('t', fn).waitFor([1 as never])).toThrow(/task "t": waitFor element 0 is not a TaskFuture/);
  });

  it('should fail a run whose retryDelay function returns a bad value, naming the task', async () => {
    const t = task({ name: 'bad-delay', retries: 1, retryDelay: () => Number.NaN }, () => {
      throw new Error('x');
    });
    await expect(t()).rejects.toThrow(/task "bad-delay": option `retryDelay` returned NaN for retry 1/);
  });

  it('should document its defaults in one place', () => {
    expect(TASK_DEFAULTS).toMatchObject({ retries: 0, retryDelay: 0, retryJitterFactor: 0, maxConcurrency: Infinity });
  });
});

describe('taskRunName templates', () => {
  it('should render parameters by name and by position', async () => {
    const a = task({ name: 'a', taskRunName: '{0}-{y.k}' }, (x: number, y: { k: string }) => x + y.k);
    const f = a.submit(1, { k: 'z' });
    await f.wait();
    expect(f.name).toBe('1-z');
  });

  it('should fail the run when a taskRunName function throws', async () => {
    const a = task({ name: 'a', taskRunName: () => { throw new Error('no name'); } }, () => 1);
    await expect(a.submit().result()).rejects.toThrow('no name');
  });
});
