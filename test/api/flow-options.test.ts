import { describe, expect, it } from 'vitest';
import { flow, FlowTimeoutError, InvalidArgumentError, task, UnknownOptionError, type FlowEvent, type RecordedEvent } from '../../src/index.js';

/** The `flowRunName` of every flow-started and flow-finished event of one flow run, and its result. */
async function runNames<A extends unknown[]>(f: { start(...args: A): { events$: import('rxjs').Observable<FlowEvent>; result(): Promise<unknown> } }, ...args: A): Promise<(string | undefined)[]> {
  const handle = f.start(...args);
  const names: (string | undefined)[] = [];
  handle.events$.subscribe((event) => {
    if (event.type === 'flow-started' || event.type === 'flow-finished') names.push(event.flowRunName);
  });
  await handle.result();
  return names;
}

describe('flowRunName', () => {
  it("should name a flow run from a template over the flow function's parameters, on flow-started and flow-finished", async () => {
    const sync = flow({ name: 'sync', flowRunName: 'sync-{day}-{1}-{config.region}' }, (day: string, n: number, config: { region: string }) => `${day}${n}${config.region}`);
    expect(await runNames(sync, 'monday', 3, { region: 'eu' })).toEqual(['sync-monday-3-eu', 'sync-monday-3-eu']);
  });

  it("should name a flow run with a function of the flow's arguments, and record the name", async () => {
    const recorded: RecordedEvent[] = [];
    const sync = flow({ name: 'sync', flowRunName: (day: string) => `sync on ${day}`, record: (event) => recorded.push(event) }, (day: string) => day);
    expect(await runNames(sync, 'tuesday')).toEqual(['sync on tuesday', 'sync on tuesday']);
    expect(recorded.find((event) => event.type === 'flow-started')).toMatchObject({ flowRunName: 'sync on tuesday' });
  });

  it('should carry no flowRunName when the flow has none', async () => {
    expect(await runNames(flow('plain', () => 1))).toEqual([undefined, undefined]);
  });

  it('should take a flowRunName in with(), and keep the flow\'s own when with() gives none', async () => {
    const sync = flow({ name: 'sync', flowRunName: 'a-{day}' }, (day: string) => day);
    expect(await runNames(sync.with({ flowRunName: 'b-{day}' }), 'x')).toEqual(['b-x', 'b-x']);
    expect(await runNames(sync.with({ name: 'sync2' }), 'y')).toEqual(['a-y', 'a-y']);
  });

  it('should reject a template naming no parameter when the flow is defined, naming the flow, the option and the parameters', () => {
    const define = () => flow({ name: 'sync', flowRunName: 'sync-{dya}' }, (day: string) => day);
    expect(define).toThrow(InvalidArgumentError);
    expect(define).toThrow('flow "sync": `flowRunName` names "{dya}", which is not a parameter of the flow function (parameters: day; positions such as {0} work too)');
    const sync = flow('sync', (day: string) => day);
    expect(() => sync.with({ flowRunName: '{nope}' })).toThrow(/flow "sync": `flowRunName` names "\{nope\}"/);
    expect(() => flow({ name: 'sync', flowRunName: 3 as never }, () => 1)).toThrow(/`flowRunName` must be a template string or a function of the arguments, got 3/);
  });

  it("should point Prefect's flow_run_name at flowRunName", () => {
    const define = () => flow({ name: 'sync', flow_run_name: 'x' } as never, () => 1);
    expect(define).toThrow(UnknownOptionError);
    expect(define).toThrow(/did you mean `flowRunName`\?/);
  });

  it('should fail a run whose flowRunName function throws, before its function is called', async () => {
    let called = 0;
    const one = task('one', () => 1);
    const sync = flow(
      {
        name: 'sync',
        flowRunName: () => {
          throw new Error('no name today');
        },
      },
      () => {
        called++;
        return one.submit();
      },
    );
    await expect(sync()).rejects.toThrow('no name today');
    expect(called).toBe(0);
  });
});

describe('flow retries and timeout', () => {
  it("should run a failed flow's function again in the same flow run, the last attempt's error failing it", async () => {
    let calls = 0;
    const fails = task('fails', (n: number): number => {
      throw new Error(`down ${n}`);
    });
    const recorded: RecordedEvent[] = [];
    const handle = flow({ name: 'flaky', retries: 2, record: (event) => recorded.push(event) }, () => fails(++calls)).start();
    const flowRunIds = new Set<string>();
    const runNames: string[] = [];
    handle.events$.subscribe((event) => {
      flowRunIds.add(event.flowRunId);
      if (event.type === 'run-submitted') runNames.push(event.runName);
    });
    await expect(handle.result()).rejects.toThrow('down 3');
    expect(calls).toBe(3);
    expect([...flowRunIds]).toEqual([handle.id]);
    expect(runNames).toEqual(['fails-0', 'fails-1', 'fails-2']);
    expect(recorded.at(-1)).toMatchObject({ type: 'flow-finished', attempts: 3, outcome: 'Failed' });
  });

  it("should not fail a retried attempt for the failures an earlier attempt left unobserved", async () => {
    let calls = 0;
    const fails = task('fails', (): number => {
      throw new Error('down');
    });
    const flaky = flow({ name: 'flaky', retries: 1 }, () => {
      if (++calls === 1) fails.submit();
      return calls;
    });
    await expect(flaky()).resolves.toBe(2);
  });

  it('should reject a timed-out flow with a FlowTimeoutError that gives the limit, its runs cancelled', async () => {
    const hang = task('hang', (): Promise<number> => new Promise(() => undefined));
    let state = '';
    const error: unknown = await flow({ name: 'nightly', timeout: 20 }, () => {
      const future = hang.submit();
      future.state$.subscribe((s) => (state = s.name));
      return future;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowTimeoutError);
    expect(error).toMatchObject({ name: 'FlowTimeoutError', code: 'FLOW_TIMED_OUT', flowName: 'nightly', timeout: 20, attempt: 1, cancelledRuns: 1 });
    expect((error as Error).message).toMatch(/^flow "nightly" \(flow run [^)]+, attempt 1\) exceeded its timeout of 20ms; 1 run cancelled$/);
    expect(state).toBe('Cancelled');
  });

  it('should reject bad retries, retryDelay and timeout with InvalidArgumentError naming the flow and the option', () => {
    const body = () => 1;
    expect(() => flow({ name: 'f', retries: -1 }, body)).toThrow('flow "f": `retries` must be a non-negative integer, got -1');
    expect(() => flow({ name: 'f', retries: 1.5 }, body)).toThrow(InvalidArgumentError);
    expect(() => flow({ name: 'f', retryDelay: [] }, body)).toThrow(/flow "f": `retryDelay` must be a number of ms from 0 up, or a non-empty list of them/);
    expect(() => flow({ name: 'f', retryDelay: -5 }, body)).toThrow(InvalidArgumentError);
    expect(() => flow({ name: 'f', timeout: 0 }, body)).toThrow('flow "f": `timeout` must be a positive number of ms, got 0');
    expect(() => flow('f', body).with({ timeout: -1 })).toThrow(InvalidArgumentError);
  });
});
