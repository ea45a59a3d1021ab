import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { cachePolicies, flow, InvalidArgumentError, resultSerializers, InvalidTaskOptionsError, task, TASK_DEFAULTS, UnknownOptionError, type FlowOptions, type TaskOptions } from '../../src/index.js';

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

describe('unknown options (a typo or a Prefect name is an error, not silence)', () => {
  // Literals with unknown keys do not compile, so these come as plain JavaScript would pass them.
  const loose = (options: Record<string, unknown>): TaskOptions<[number], number> => options;
  const cases: [string, () => unknown, { option: string; suggestion: string | undefined }, RegExp][] = [
    ['a typo', () => task(loose({ name: 'fetch', retires: 3 }), fn), { option: 'retires', suggestion: 'retries' }, /^task "fetch": unknown option `retires`; did you mean `retries`\?$/],
    ['a typo in with()', () => task('fetch', fn).with(loose({ timout: 5 })), { option: 'timout', suggestion: 'timeout' }, /did you mean `timeout`\?/],
    ['another case', () => task(loose({ name: 'fetch', maxconcurrency: 2 }), fn), { option: 'maxconcurrency', suggestion: 'maxConcurrency' }, /did you mean `maxConcurrency`\?/],
    ['a Prefect snake_case name', () => task(loose({ name: 'fetch', retry_jitter_factor: 0.1 }), fn), { option: 'retry_jitter_factor', suggestion: 'retryJitterFactor' }, /did you mean `retryJitterFactor`\?/],
    ["Prefect's timeoutSeconds", () => task(loose({ name: 'fetch', timeoutSeconds: 5 }), fn), { option: 'timeoutSeconds', suggestion: 'timeout' }, /did you mean `timeout`\? \(sluice takes milliseconds\)/],
    ["Prefect's retryDelaySeconds", () => task(loose({ name: 'fetch', retryDelaySeconds: 5 }), fn), { option: 'retryDelaySeconds', suggestion: 'retryDelay' }, /did you mean `retryDelay`\? \(sluice takes milliseconds\)/],
    ["Prefect's persist_result", () => task(loose({ name: 'fetch', persist_result: true }), fn), { option: 'persist_result', suggestion: 'cachePolicy' }, /unknown option `persist_result`; did you mean `cachePolicy`\? \(sluice stores the results of cached runs/],
    ["Prefect's on_failure", () => task(loose({ name: 'fetch', on_failure: [] }), fn), { option: 'on_failure', suggestion: 'onFailure' }, /did you mean `onFailure`\?/],
    ['a name near nothing', () => task(loose({ name: 'fetch', colour: 'red' }), fn), { option: 'colour', suggestion: undefined }, /unknown option `colour`; a task takes `taskRunName`, `retries`, .*`name`, `params`, `returns`, `module`$/],
    ["task()'s module given to with()", () => task('fetch', fn).with(loose({ module: 'file:///x.js' })), { option: 'module', suggestion: undefined }, /`module` is set by task\(\), not with\(\)/],
  ];
  for (const [what, call, fields, message] of cases) {
    it(`should reject ${what} with an UnknownOptionError naming the option`, () => {
      expect(call).toThrow(UnknownOptionError);
      expect(call).toThrow(message);
      expect(call).toThrow(expect.objectContaining({ name: 'UnknownOptionError', code: 'UNKNOWN_OPTION', kind: 'task', ownerName: 'fetch', ...fields }));
    });
  }

  it('should reject a flow option it does not know, suggesting the nearest', () => {
    const body = () => 1;
    const looseFlow = (options: Record<string, unknown>): FlowOptions => options as never;
    expect(() => flow(looseFlow({ name: 'nightly', taskrunner: undefined }), body)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_OPTION', kind: 'flow', ownerName: 'nightly', option: 'taskrunner', suggestion: 'taskRunner' }),
    );
    expect(() => flow(looseFlow({ name: 'nightly', retry_delay_seconds: 2 }), body)).toThrow(/^flow "nightly": unknown option `retry_delay_seconds`; did you mean `retryDelay`\? \(sluice takes milliseconds\)$/);
    expect(() => flow(looseFlow({ name: 'nightly', timeoutSeconds: 60 }), body)).toThrow(/did you mean `timeout`\? \(sluice takes milliseconds\)/);
    expect(() => flow('nightly', body).with(looseFlow({ signl: AbortSignal.timeout(10) }))).toThrow(/^flow "nightly": unknown option `signl`; did you mean `signal`\?$/);
  });

  it('should still take every documented option', () => {
    const options: Required<TaskOptions<[number], number>> = {
      name: 'all',
      taskRunName: 'all-{x}',
      retries: 1,
      retryDelay: 1,
      retryJitterFactor: 0,
      retryCondition: () => true,
      timeout: 10,
      random: Math.random,
      maxConcurrency: 2,
      progress: false,
      tags: ['crm-api'],
      logPrints: false,
      cachePolicy: cachePolicies.inputs,
      cacheKeyFn: () => undefined,
      cacheExpiration: 1000,
      refreshCache: false,
      resultStorage: { get: () => undefined, set: () => undefined, delete: () => undefined },
      resultSerializer: resultSerializers.json,
      cacheIsolation: 'read-committed',
      onRunning: () => undefined,
      onCompletion: [(_run, state) => void state.value.toFixed()],
      onFailure: () => undefined,
      onCancellation: () => undefined,
      onCrashed: () => undefined,
      params: t.tuple([t.number]),
      returns: t.number,
      module: import.meta.url,
    };
    const { name: _name, params: _params, returns: _returns, module: _module, ...runOptions } = options;
    expect(task(options, fn).with(runOptions).name).toBe('all');
  });
});

describe('a task named by its function', () => {
  it('should take the name of a named function, as Prefect does', async () => {
    function fetchPage(url: string): string {
      return `<html>${url}</html>`;
    }
    const fetchTask = task(fetchPage);
    expect(fetchTask.name).toBe('fetchPage');
    expect(fetchTask.submit('a').name).toBe('fetchPage-0');
    expect(await fetchTask('a')).toBe('<html>a</html>');
  });

  it('should take the name a const gives an arrow function, with options or without', () => {
    const double = (x: number) => 2 * x;
    expect(task(double).name).toBe('double');
    expect(task({ retries: 1 }, double).name).toBe('double');
  });

  it('should reject an anonymous function with no name given, saying how to name it', () => {
    const call = () => task((x: number) => x);
    expect(call).toThrow(InvalidTaskOptionsError);
    expect(call).toThrow(/option `name` is missing and the function has no name of its own: write task\('name', fn\)/);
    expect(() => task({ retries: 1 }, (x: number) => x)).toThrow(/option `name` is missing/);
  });
});

describe('renamed copies: with({ name })', () => {
  it("should run a task's renamed copy under the new name, in run names and events, and leave the original as it was", async () => {
    const fetchPage = task('fetch_page', (url: string) => url.length);
    const fetchHome = fetchPage.with({ name: 'fetch_home', retries: 1 });
    expect([fetchPage.name, fetchHome.name]).toEqual(['fetch_page', 'fetch_home']);
    const handle = flow('site', async () => [fetchHome.submit('/').name, fetchPage.submit('/a').name, await fetchHome('/b')]).start();
    const names: string[] = [];
    handle.events$.subscribe((event) => {
      if (event.type === 'run-submitted') names.push(`${event.taskName}:${event.runName}`);
    });
    expect(await handle.result()).toEqual(['fetch_home-0', 'fetch_page-0', 2]);
    expect(names.sort()).toEqual(['fetch_home:fetch_home-0', 'fetch_home:fetch_home-1', 'fetch_page:fetch_page-0']);
  });

  it("should name a renamed copy in its runs' errors", async () => {
    const parse = task({ name: 'parse', params: t.tuple([t.string]) }, (text: string) => text.length);
    const parseCsv = parse.with({ name: 'parse_csv' });
    await expect(flow('f', () => parseCsv(3 as never))()).rejects.toThrow(/task "parse_csv"/);
  });

  it('should reject a with() name that is not a non-empty string with InvalidTaskOptionsError', () => {
    const call = () => task('fetch', fn).with({ name: ' ' });
    expect(call).toThrow(InvalidTaskOptionsError);
    expect(call).toThrow(/task "fetch": option `name` must be a non-empty string, got " "/);
  });

  it("should run a flow's renamed copy under the new name, in its events and handle", async () => {
    const nightly = flow('nightly', () => 1);
    const weekly = nightly.with({ name: 'weekly' });
    const handle = weekly.start();
    const names: string[] = [];
    handle.events$.subscribe((event) => {
      if (event.type === 'flow-started' || event.type === 'flow-finished') names.push(event.flowName);
    });
    await handle.result();
    expect([nightly.name, weekly.name, handle.name, ...names]).toEqual(['nightly', 'weekly', 'weekly', 'weekly', 'weekly']);
  });
});
