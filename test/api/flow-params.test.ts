import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import * as v from 'valibot';
import { z } from 'zod';
import {
  flow,
  InvalidArgumentError,
  InvalidFlowParamsError,
  isSluiceError,
  task,
  UnknownOptionError,
  type FlowEvent,
  type HookedFlowRun,
} from '../../src/index.js';

describe("a flow's params", () => {
  it('should fail a flow whose arguments do not fit, before its function or any run starts, naming the flow and each argument', async () => {
    let called = 0;
    let runsStarted = 0;
    const one = task('one', () => {
      runsStarted++;
      return 1;
    });
    const report = flow({ name: 'report', params: z.tuple([z.string(), z.number().int()]) }, (_day: string, _top: number) => {
      called++;
      return one();
    });
    const error: unknown = await report(7 as never, 1.5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidFlowParamsError);
    expect(isSluiceError(error, 'INVALID_FLOW_PARAMS')).toBe(true);
    expect(error).toMatchObject({ name: 'InvalidFlowParamsError', code: 'INVALID_FLOW_PARAMS', flowName: 'report' });
    expect((error as InvalidFlowParamsError).problems).toEqual([
      'argument 0: Expected string, received number',
      'argument 1: Expected integer, received float',
    ]);
    expect((error as Error).message).toMatch(
      /^flow "report" \(flow run [^)]+\): invalid arguments: argument 0: Expected string, received number; argument 1: Expected integer, received float$/,
    );
    expect(called).toBe(0);
    expect(runsStarted).toBe(0);
  });

  it('should give the function, its run name and its hooks the schema\'s output', async () => {
    const seen: unknown[] = [];
    let names: (string | undefined)[] = [];
    const Day = z.string().transform((s) => new Date(`${s}T00:00:00Z`));
    const report = flow(
      {
        name: 'report',
        params: z.tuple([Day]),
        flowRunName: (day: Date) => `report-${day.getUTCFullYear()}`,
        onCompletion: (flowRun: HookedFlowRun) => void seen.push(flowRun.parameters[0]),
      },
      (day) => day.getUTCMonth() + 1,
    );
    const handle = report.start('2026-12-06');
    handle.events$.subscribe((event) => {
      if (event.type === 'flow-started') names = [event.flowRunName];
    });
    await expect(handle.result()).resolves.toBe(12);
    expect(names).toEqual(['report-2026']);
    expect(seen[0]).toBeInstanceOf(Date);
  });

  it('should fail the flow run as a flow run: flow-started, then flow-finished Failed; onFailure is called, onRunning is not', async () => {
    const hooks: string[] = [];
    const checked = flow(
      {
        name: 'checked',
        params: v.tuple([v.number()]),
        onRunning: () => void hooks.push('running'),
        onFailure: (_flowRun, state) => void hooks.push(`failure ${(state.error as Error).name}`),
      },
      (n) => n,
    );
    const handle = checked.start('x' as never);
    const events: FlowEvent[] = [];
    handle.events$.subscribe((event) => events.push(event));
    await expect(handle.result()).rejects.toThrow(InvalidFlowParamsError);
    expect(events.map((e) => e.type)).toEqual(['flow-started', 'flow-finished']);
    expect(events[1]).toMatchObject({ outcome: 'Failed' });
    expect(hooks).toEqual(['failure InvalidFlowParamsError']);
  });

  it('should not retry a flow whose arguments do not fit', async () => {
    let called = 0;
    const f = flow({ name: 'f', params: z.tuple([z.number()]), retries: 3 }, (n) => {
      called++;
      return n;
    });
    await expect(f('1' as never)).rejects.toThrow(InvalidFlowParamsError);
    expect(called).toBe(0);
  });

  it('should check with an io-ts codec, counting extra arguments too', async () => {
    const len = flow({ name: 'len', params: t.tuple([t.string]) }, (s) => s.length);
    await expect(len('four')).resolves.toBe(4);
    await expect(len(4 as never)).rejects.toThrow(/^flow "len" \(flow run [^)]+\): invalid arguments: argument 0: expected string, got 4$/);
    await expect((len as unknown as (...a: unknown[]) => Promise<number>)('a', 'b')).rejects.toThrow(/invalid arguments: expected at most 1 argument, got 2/);
  });

  it('should fail a subflow whose arguments do not fit in its parent, which may catch it', async () => {
    const child = flow({ name: 'child', params: z.tuple([z.number()]) }, (n) => n * 2);
    const parent = flow('parent', async () => {
      const bad = await child('x' as never).catch((e: unknown) => (e as Error).name);
      return [bad, await child(2)];
    });
    await expect(parent()).resolves.toEqual(['InvalidFlowParamsError', 4]);
  });

  it('should fail the flow when the schema validates asynchronously, saying why', async () => {
    const later = flow({ name: 'later', params: z.tuple([z.string().refine(() => Promise.resolve(true))]) }, (s) => s);
    await expect(later('x')).rejects.toThrow(/flow "later" \(flow run [^)]+\): invalid arguments: its schema's validate returned a Promise/);
  });

  it('should reject a params that is neither a codec nor a schema, and params in with(), naming the flow and the option', () => {
    expect(() => flow({ name: 'f', params: { parse: () => [] } as never }, () => 1)).toThrow(InvalidArgumentError);
    expect(() => flow({ name: 'f', params: 3 as never }, () => 1)).toThrow(
      'flow "f": `params` must be an io-ts codec (with `is` and `decode`) or a Standard Schema (zod, valibot, ArkType: with `~standard`) of the argument list, got 3',
    );
    const f = flow('f', (n: number) => n);
    expect(() => f.with({ params: z.tuple([z.number()]) } as never)).toThrow('flow "f": `params` is set by flow(), not with()');
  });

  it("should point Prefect's validate_parameters at params", () => {
    const define = () => flow({ name: 'f', validate_parameters: true } as never, () => 1);
    expect(define).toThrow(UnknownOptionError);
    expect(define).toThrow(/did you mean `params`\?/);
  });
});
