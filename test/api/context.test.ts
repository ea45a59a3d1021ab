import { describe, expect, it } from 'vitest';
import { flow, getRunContext, NoRunContextError, task } from '../../src/index.js';

describe('getRunContext', () => {
  it("should give a body its run's name, task, attempt, flow and signal", async () => {
    const inspect = task({ name: 'inspect', taskRunName: (x: number) => `inspect ${x}` }, (_x: number) => {
      const ctx = getRunContext();
      return { runName: ctx.runName, taskName: ctx.taskName, attempt: ctx.attempt, flow: ctx.flowRun.name, aborted: ctx.signal.aborted };
    });
    const out = await flow('ctx', () => inspect.submit(3).result())();
    expect(out).toEqual({ runName: 'inspect 3', taskName: 'inspect', attempt: 1, flow: 'ctx', aborted: false });
  });

  it('should count attempts across retries', async () => {
    const attempts: number[] = [];
    const flaky = task({ name: 'flaky', retries: 2 }, () => {
      attempts.push(getRunContext().attempt);
      if (attempts.length < 3) throw new Error('again');
      return 'ok';
    });
    expect(await flaky()).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('should throw a typed error outside a task body', () => {
    expect(() => getRunContext()).toThrow(NoRunContextError);
  });
});
