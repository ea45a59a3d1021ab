import { describe, expect, it } from 'vitest';
import { flow, InvalidArgumentError, task, UnknownOptionError, type FlowEvent, type RecordedEvent } from '../../src/index.js';

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
