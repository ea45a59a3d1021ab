/**
 * The runner conformance suite: what every task runner must do, because the engine does it above
 * the runner. A runner's test file runs it against itself in one line:
 *
 *     describeRunnerConformance('concurrent', ({ maxConcurrency }) => new ConcurrentTaskRunner({ maxConcurrency }));
 *
 * The same flow must not behave differently on two runners (prefect#21117): every test states one
 * outcome, for every runner. The tasks are in ./tasks.ts, defined at its top level with `module`,
 * so they run in this thread, in worker threads or in worker processes alike. Tests wait on
 * outcomes and count runs through probe files; none asserts how long anything took (worker threads are not virtual time).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { allowFailure, cachePolicies, concurrencyLimits, flow, isSluiceError, MemoryResultStore, unmapped, wait, type FlowOptions, type TaskFuture, type TaskRunner } from '../../src/index.js';
import {
  add,
  barrier,
  taggedBarrier,
  child,
  count,
  countdown,
  counts,
  describeArg,
  fail,
  failWithCause,
  flaky,
  hang,
  makeDeep,
  markDone,
  measureDepth,
  nested,
  newProbe,
  nothing,
  parent,
  readDone,
  removeProbes,
  sleepy,
  sum,
  throwDeepCause,
  throwOdd,
  whoAmI,
  type OddThrow,
  type Probe,
} from './tasks.js';

/** The limits a test asks of the runner it gets. */
export interface RunnerLimits {
  /** How many runs at once. */
  readonly maxConcurrency: number;
}

/** Options of {@link describeRunnerConformance}. */
export interface ConformanceOptions {
  /**
   * Releases a runner after the suite (a pool made with `keepAlive`, say). The suite makes one
   * runner per set of limits and shares it between its tests.
   */
  readonly dispose?: (runner: TaskRunner) => void | Promise<void>;
}

/** Polls `condition` until it holds (or fails the test after `ms`). */
async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error a future failed with. */
async function failure(future: TaskFuture<unknown>): Promise<unknown> {
  return future.result().then(
    () => {
      throw new Error(`expected run "${future.name}" to fail`);
    },
    (error: unknown) => error,
  );
}

/** The states a run goes through, by name, from now on. */
function statesOf(future: TaskFuture<unknown>): string[] {
  const names: string[] = [];
  future.state$.subscribe((state) => names.push(state.name));
  return names;
}

/**
 * Defines the conformance suite for one runner. `makeRunner` makes a runner with the given
 * limits; the suite makes one per set of limits and uses it for every flow that asks for them.
 */
export function describeRunnerConformance(name: string, makeRunner: (limits: RunnerLimits) => TaskRunner, options: ConformanceOptions = {}): void {
  describe(`runner conformance: ${name}`, () => {
    const runners = new Map<number, TaskRunner>();

    const runnerWith = (maxConcurrency: number): TaskRunner => {
      let runner = runners.get(maxConcurrency);
      if (runner === undefined) {
        runner = makeRunner({ maxConcurrency });
        runners.set(maxConcurrency, runner);
      }
      return runner;
    };

    /** Runs `body` as a flow on the runner with this limit. */
    const inFlow = <T>(maxConcurrency: number, body: () => Promise<T>, extra: Partial<FlowOptions> = {}): Promise<unknown> =>
      flow({ name: `conformance-${name}`, ...extra, taskRunner: runnerWith(maxConcurrency) }, body)();

    afterAll(async () => {
      removeProbes();
      for (const runner of runners.values()) await options.dispose?.(runner);
    });

    it('reports the limit it was made with', () => {
      expect(runnerWith(2).maxConcurrency).toBe(2);
      expect(runnerWith(1).maxConcurrency).toBe(1);
    });

    it('runs a submitted task once, however many read its result or take its future', async () => {
      const probe = newProbe();
      const out = await inFlow(2, async () => {
        const f = count.submit(probe, 7);
        const [a, b] = await Promise.all([f.result(), f.result()]);
        const c = await add.submit(f, 1).result();
        const d = await add.submit(f, 2).result();
        await f.wait();
        return [a, b, c, d, await f.result()];
      });
      expect(out).toEqual([7, 7, 8, 9, 7]);
      expect(counts(probe).runs).toBe(1);
    });

    it('looks up and stores cached results in the flow process: a hit runs no body, ends Cached, and feeds its downstream', async () => {
      const probe = newProbe();
      const cached = count.with({ cachePolicy: cachePolicies.inputs, resultStorage: new MemoryResultStore() });
      const once = async (): Promise<unknown> => {
        const runs = cached.map(unmapped(probe), [1, 2, 3]);
        const total = await sum.submit(runs).result();
        await runs.wait();
        return [total, runs.map((r) => r.state.name)];
      };
      expect(await inFlow(1, once)).toEqual([6, ['Completed', 'Completed', 'Completed']]);
      expect(await inFlow(1, once)).toEqual([6, ['Cached', 'Cached', 'Cached']]);
      expect(counts(probe).runs).toBe(3);
    });

    it('runs a direct call in a flow, and returns its value', async () => {
      expect(await inFlow(2, () => add(20, 22))).toBe(42);
    });

    it("takes an Observable body's last value, and fails one that emits none", async () => {
      const out = await inFlow(2, async () => {
        const value = await countdown.submit(3).result();
        const error = (await failure(nothing.submit())) as Error & { code?: unknown };
        return { value, error: { name: error.name, code: error.code } };
      });
      expect(out).toEqual({ value: 1, error: { name: 'EmptyResultError', code: 'EMPTY_RESULT' } });
    });

    it('returns map results in input order, whatever order the runs finish in', async () => {
      const probe = newProbe();
      const out = await inFlow(2, () => sleepy.map(unmapped(probe), [60, 30, 10, 0, 20], [0, 1, 2, 3, 4]).result());
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(counts(probe).runs).toBe(5);
    });

    it.each([1, 2])('runs at most maxConcurrency (%i) at once, and that many when there is work for them', async (limit) => {
      const probe = newProbe();
      const out = await inFlow(limit, () => barrier.map(unmapped(probe), limit, [1, 2, 3, 4, 5], 15_000).result());
      expect(out).toEqual([1, 2, 3, 4, 5]);
      expect(counts(probe).maxInFlight).toBe(limit);
    });

    it('starts a waitFor-gated run only after its upstreams have finished', async () => {
      const probe = newProbe();
      const out = await inFlow(2, async () => {
        const marked = markDone.submit(probe, 50);
        const read = readDone.waitFor([marked]).submit(probe);
        return [await read.result(), await marked.result()];
      });
      expect(out).toEqual([1, 'marked']);
    });

    it('holds a tag limit of 2 with 2 runs in flight, taken in the engine above the runner', async () => {
      const probe = newProbe();
      const limits = concurrencyLimits({ 'crm-api': 2 });
      // Each run waits (up to 200 ms) for a third in flight: the tag lets in 2, never 3, though the runner takes 4.
      const out = await inFlow(4, () => taggedBarrier.map(unmapped(probe), 3, [1, 2, 3, 4], 200).result(), { limits });
      expect(out).toEqual([1, 2, 3, 4]);
      expect(counts(probe).maxInFlight).toBe(2);
    });

    it('finishes chains of gated runs at a limit of 1: a waiting run holds no slot', async () => {
      const probe = newProbe();
      const out = await inFlow(1, async () => {
        const first = sleepy.submit(probe, 20, 1);
        const second = add.waitFor([first]).submit(1, 1);
        const third = add.waitFor([second]).submit(second, 1);
        const free = add.submit(5, 5);
        return Promise.all([third.result(), free.result(), first.result()]);
      });
      expect(out).toEqual([3, 10, 1]);
    });

    it('passes futures as arguments, at the top level and inside arrays', async () => {
      const out = await inFlow(2, async () => {
        const a = add.submit(1, 2);
        const b = add.submit(a, 10);
        const total = sum.submit([a, b, 100]);
        const mapped = add.map([a, b], 1000);
        return [await a.result(), await b.result(), await total.result(), await mapped.result()];
      });
      expect(out).toEqual([3, 13, 116, [1003, 1013]]);
    });

    it('treats upstream failures the same way, with and without allowFailure (one matrix, every runner)', async () => {
      type Via = 'arg' | 'waitFor';
      type Allow = 'none' | 'allow' | 'allow-direct';
      type Row = { upstream: string; via: Via; allow: Allow; state: string; ran: boolean; got: string | undefined };
      const rows = (await inFlow(2, async () => {
        const upstreams: Record<string, TaskFuture<number>> = {
          failed: fail.submit('boom'),
          blocked: add.submit(fail.submit('boom further up'), 1),
          cancelled: hang.submit(newProbe()),
          'timed out': hang.with({ timeout: 100 }).submit(newProbe()),
        };
        upstreams.cancelled?.cancel();
        const cases: { upstream: string; via: Via; allow: Allow; probe: Probe; future: TaskFuture<string> }[] = [];
        for (const [upstream, future] of Object.entries(upstreams)) {
          for (const via of ['arg', 'waitFor'] as const) {
            for (const allow of ['none', 'allow', 'allow-direct'] as const) {
              const probe = newProbe();
              const given = allow === 'none' ? future : allowFailure(future, { includeBlocked: allow === 'allow' });
              const run = via === 'arg' ? describeArg.submit(probe, given) : describeArg.waitFor([given]).submit(probe, 'gate');
              cases.push({ upstream, via, allow, probe, future: run });
            }
          }
        }
        await wait(cases.map((c) => c.future));
        await wait(Object.values(upstreams));
        return cases.map(({ upstream, via, allow, probe, future }): Row => {
          const state = future.state;
          return { upstream, via, allow, state: state.name, ran: counts(probe).runs === 1, got: state.type === 'Completed' ? state.value.split(':')[0] : undefined };
        });
      })) as Row[];
      const row = (upstream: string, via: Via, allow: Allow, state: string, got?: string): Row => ({ upstream, via, allow, state, ran: got !== undefined, got });
      expect(rows).toEqual([
        row('failed', 'arg', 'none', 'UpstreamFailed'),
        row('failed', 'arg', 'allow', 'Completed', 'error'),
        row('failed', 'arg', 'allow-direct', 'Completed', 'error'),
        row('failed', 'waitFor', 'none', 'UpstreamFailed'),
        row('failed', 'waitFor', 'allow', 'Completed', 'value'),
        row('failed', 'waitFor', 'allow-direct', 'Completed', 'value'),
        row('blocked', 'arg', 'none', 'UpstreamFailed'),
        row('blocked', 'arg', 'allow', 'Completed', 'error'),
        row('blocked', 'arg', 'allow-direct', 'UpstreamFailed'),
        row('blocked', 'waitFor', 'none', 'UpstreamFailed'),
        row('blocked', 'waitFor', 'allow', 'Completed', 'value'),
        row('blocked', 'waitFor', 'allow-direct', 'UpstreamFailed'),
        row('cancelled', 'arg', 'none', 'UpstreamCancelled'),
        row('cancelled', 'arg', 'allow', 'UpstreamCancelled'),
        row('cancelled', 'arg', 'allow-direct', 'UpstreamCancelled'),
        row('cancelled', 'waitFor', 'none', 'UpstreamCancelled'),
        row('cancelled', 'waitFor', 'allow', 'UpstreamCancelled'),
        row('cancelled', 'waitFor', 'allow-direct', 'UpstreamCancelled'),
        row('timed out', 'arg', 'none', 'UpstreamFailed'),
        row('timed out', 'arg', 'allow', 'Completed', 'error'),
        row('timed out', 'arg', 'allow-direct', 'Completed', 'error'),
        row('timed out', 'waitFor', 'none', 'UpstreamFailed'),
        row('timed out', 'waitFor', 'allow', 'Completed', 'value'),
        row('timed out', 'waitFor', 'allow-direct', 'Completed', 'value'),
      ]);
    });

    it('retries a failing body, with the same states and attempts', async () => {
      const probe = newProbe();
      const out = await inFlow(2, async () => {
        const future = flaky.with({ retries: 2, retryDelay: 10 }).submit(probe, 2);
        const states = statesOf(future);
        const value = await future.result();
        return { value, retrying: states.filter((s) => s === 'Retrying').length, last: states.at(-1) };
      });
      expect(out).toEqual({ value: 3, retrying: 2, last: 'Completed' });
      expect(counts(probe).attempts).toBe(3);
    });

    it("calls state hooks in the flow's process: onRunning on every attempt, onFailure once, and the flow waits for them", async () => {
      const probe = newProbe();
      const failing = newProbe();
      const calls: string[] = [];
      const hooks = {
        onRunning: (run: { readonly runName: string; readonly attempt: number }) => void calls.push(`${run.runName} running ${run.attempt}`),
        onFailure: (run: { readonly runName: string; readonly attempt: number }) => void calls.push(`${run.runName} failed ${run.attempt}`),
      };
      const flowHook = (): Promise<void> =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            calls.push('flow hook done');
            resolve();
          }, 20),
        );
      const out = await inFlow(
        2,
        async () => {
          const value = await flaky.with({ ...hooks, retries: 2, onCompletion: (run, state) => void calls.push(`${run.runName} completed ${state.value}`) }).submit(probe, 2).result();
          await failure(flaky.with({ ...hooks, retries: 1, taskRunName: 'doomed' }).submit(failing, 5));
          return value;
        },
        { onCompletion: flowHook },
      );
      expect(out).toBe(3);
      expect(calls).toEqual(['flaky-0 running 1', 'flaky-0 running 2', 'flaky-0 running 3', 'flaky-0 completed 3', 'doomed running 1', 'doomed running 2', 'doomed failed 2', 'flow hook done']);
    });

    it('fails a run whose retries run out, with the last attempt as the cause', async () => {
      const probe = newProbe();
      const error = await inFlow(2, () => failure(flaky.with({ retries: 1 }).submit(probe, 5)));
      expect(isSluiceError(error, 'RETRIES_EXHAUSTED')).toBe(true);
      expect(error).toMatchObject({ attempts: 2 });
      expect((error as Error).cause).toMatchObject({ name: 'ConformanceError', message: 'attempt 2 failed', code: 'E_FLAKY' });
      expect(counts(probe).attempts).toBe(2);
    });

    it('times out a body that never finishes, and goes on running other runs', async () => {
      // Not asserted: that the body started. A time-out counts from the attempt's start, which on
      // some runners includes waiting for a worker to be ready.
      const out = await inFlow(2, async () => {
        const stuck = hang.with({ timeout: 150 }).submit(newProbe());
        const error = await failure(stuck);
        const after = await add.submit(2, 3).result();
        return { code: isSluiceError(error) ? error.code : error, state: stuck.state.name, after };
      });
      expect(out).toEqual({ code: 'TIMED_OUT', state: 'TimedOut', after: 5 });
    });

    it('retries a time-out like a failure', async () => {
      const out = await inFlow(2, async () => {
        const stuck = hang.with({ timeout: 100, retries: 1, retryDelay: 10 }).submit(newProbe());
        const states = statesOf(stuck);
        const error = (await failure(stuck)) as Error;
        return {
          code: isSluiceError(error) ? error.code : error,
          cause: isSluiceError(error.cause) ? error.cause.code : undefined,
          state: stuck.state.name,
          retrying: states.filter((s) => s === 'Retrying').length,
        };
      });
      expect(out).toEqual({ code: 'RETRIES_EXHAUSTED', cause: 'TIMED_OUT', state: 'TimedOut', retrying: 1 });
    });

    it('cancels a running body, and goes on running other runs', async () => {
      const probe = newProbe();
      const out = await inFlow(2, async () => {
        const stuck = hang.submit(probe);
        await until(() => counts(probe).started === 1, 'the body started');
        const cancelled = stuck.cancel('the test cancelled it');
        const error = await failure(stuck);
        const after = await add.submit(1, 1).result();
        return { cancelled, code: isSluiceError(error) ? error.code : error, state: stuck.state.name, after };
      });
      expect(out).toEqual({ cancelled: true, code: 'CANCELLED', state: 'Cancelled', after: 2 });
    });

    it("cancels the flow's running bodies when its signal aborts; the next flow runs", async () => {
      const probe = newProbe();
      const controller = new AbortController();
      const aborted = inFlow(
        2,
        async () => {
          const stuck = hang.submit(probe);
          await until(() => counts(probe).started === 1, 'the body started');
          controller.abort(new Error('stop now'));
          return stuck.state.name;
        },
        { signal: controller.signal },
      );
      // One error for the flow, naming it, with the abort reason as its cause.
      const error: unknown = await aborted.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CANCELLED', flowName: expect.stringContaining('conformance') as unknown, cancelledRuns: 1 });
      expect((error as Error).cause).toMatchObject({ message: 'stop now' });
      expect(await inFlow(2, () => add.submit(3, 4).result())).toBe(7);
    });

    it("gives a body its run's context (names, attempt, flow, signal, logger) wherever it runs", async () => {
      const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
      try {
        const handle = flow({ name: `conformance-${name}`, taskRunner: runnerWith(2) }, async () => {
          const future = whoAmI.submit('x');
          return { context: await future.result(), runId: future.id };
        }).start();
        const out = (await handle.result()) as { context: unknown; runId: string };
        expect(out.context).toEqual({
          label: 'x',
          runName: 'who-x',
          taskName: 'who_am_i',
          attempt: 1,
          flowName: `conformance-${name}`,
          flowRunId: handle.id,
          runId: out.runId,
          signal: true,
        });
      } finally {
        debug.mockRestore();
      }
    });

    it("brings back a body's error with its name, message, code and stack", async () => {
      const error = (await inFlow(2, () => failure(fail.submit('bad input at line 3')))) as Error & { code?: unknown };
      expect(error).toBeInstanceOf(Error);
      expect({ name: error.name, message: error.message, code: error.code }).toEqual({
        name: 'ConformanceError',
        message: 'bad input at line 3',
        code: 'E_CONFORMANCE',
      });
      expect(error.stack).toContain('bad input at line 3');
      expect(error.stack).toMatch(/conformance[/\\]tasks\.ts/);
    });

    it("brings back a built-in error's class and its cause", async () => {
      const error = (await inFlow(2, () => failure(failWithCause.submit()))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('outer');
      expect(error.cause).toBeInstanceOf(RangeError);
      expect((error.cause as Error).message).toBe('inner');
    });

    it('brings back undefined, a symbol, a bigint or a cyclic object thrown by a body as what was thrown', async () => {
      const kinds: OddThrow[] = ['undefined', 'symbol', 'registered symbol', 'bigint', 'cyclic'];
      const out = (await inFlow(2, async () => {
        const runs = kinds.map((kind) => throwOdd.submit(kind));
        const thrown = await Promise.all(runs.map((run) => failure(run)));
        return { thrown, states: runs.map((run) => run.state.name) };
      })) as { thrown: unknown[]; states: string[] };
      expect(out.states).toEqual(['Failed', 'Failed', 'Failed', 'Failed', 'Failed']);
      const [undef, symbol, registered, bigint, cyclic] = out.thrown;
      expect(undef).toBeUndefined();
      expect(typeof symbol === 'symbol' && symbol.description).toBe('odd');
      expect(registered).toBe(Symbol.for('sluice.odd'));
      expect(bigint).toBe(12345678901234567890n);
      expect(cyclic).toMatchObject({ label: 'cyclic' });
      expect((cyclic as { self: unknown }).self).toBe(cyclic);
    });

    it('takes a 100k-deep argument or value, or fails its run with a clear error, never a stack overflow', async () => {
      const deep = nested(100_000);
      const out = (await inFlow(2, async () => {
        const runs: TaskFuture<unknown>[] = [measureDepth.submit(deep), makeDeep.submit(100_000)];
        await wait(runs);
        const after = await add.submit(1, 2).result();
        return { states: runs.map((run) => run.state), after };
      })) as { states: { type: string; value?: unknown; error?: unknown }[]; after: number };
      expect(out.after).toBe(3);
      const [arg, value] = out.states;
      const clear = (state: { type: string; error?: unknown } | undefined, what: RegExp): void => {
        if (state?.type === 'Completed') return;
        expect(state?.type).toBe('Failed');
        expect(isSluiceError(state?.error)).toBe(true);
        expect((state?.error as Error).message).toMatch(what);
      };
      if (arg?.type === 'Completed') expect(arg.value).toBe(100_000);
      clear(arg, /argument 0.*nested more than 1,000 levels deep/);
      if (value?.type === 'Completed') expect(Array.isArray(value.value)).toBe(true);
      clear(value, /value.*nested more than 1,000 levels deep/);
    });

    it('brings back an error with a 20k-deep chain of causes, with its name, message and code', async () => {
      const error = (await inFlow(2, () => failure(throwDeepCause.submit(20_000)))) as Error & { code?: unknown };
      expect({ name: error.name, message: error.message, code: error.code }).toEqual({ name: 'ConformanceError', message: 'the top of a deep chain', code: 'E_DEEP' });
      expect(error.cause).toMatchObject({ message: 'cause 19999' });
    });

    it('runs a body that maps child tasks and waits for them, at a limit of 1, without deadlock', async () => {
      const out = await inFlow(1, async () => {
        const one = await parent.submit([1, 2, 3]).result();
        const many = await parent.map([[1], [2, 3], []]).result();
        const direct = await child.map([4, 5]).result();
        return { one, many, direct };
      });
      expect(out).toEqual({ one: 60, many: [10, 50, 0], direct: [40, 50] });
    });
  });
}
