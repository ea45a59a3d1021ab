import { describe, expect, it } from 'vitest';
import { flow, getRunLogger, isSluiceError, NoRunContextError, task, type Logger } from '../../src/index.js';

/** A logger that keeps each line's fields and message. */
function capture(): { logger: Logger; lines: { fields: Record<string, unknown>; message: string }[] } {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const at = (fields: unknown, message?: unknown): void => void lines.push({ fields: fields as Record<string, unknown>, message: String(message) });
  return { logger: { info: at, warn: at, error: at, debug: at }, lines };
}

describe('getRunLogger()', () => {
  it("gives a task body its run's logger, with the flow's and the run's fields", async () => {
    const { logger, lines } = capture();
    const load = task('load', () => {
      getRunLogger().info('loading');
      return 1;
    });
    await flow({ name: 'etl', logger }, () => load())();
    expect(lines).toEqual([{ fields: expect.objectContaining({ flowName: 'etl', taskName: 'load', runName: 'load-0', attempt: 1 }) as unknown, message: 'loading' }]);
  });

  it("gives a flow's function, and a subflow's, the flow's logger with its name and flow run id", async () => {
    const { logger, lines } = capture();
    const child = flow('child', () => {
      getRunLogger().warn('in the child');
    });
    let id = '';
    const handle = flow({ name: 'parent', logger }, async () => {
      getRunLogger().info('in the parent');
      await child();
    }).start();
    id = handle.id;
    await handle.result();
    // A subflow with no logger of its own logs to the console, as its runs do.
    expect(lines).toEqual([{ fields: { flowName: 'parent', flowRunId: id }, message: 'in the parent' }]);
  });

  it("gives state hooks the flow's logger", async () => {
    const { logger, lines } = capture();
    const fails = task({ name: 'fails', onFailure: () => getRunLogger().error('task hook') }, (): number => {
      throw new Error('down');
    });
    await flow(
      { name: 'hooked', logger, onFailure: () => getRunLogger().error('flow hook') },
      () => fails(),
    )().catch(() => undefined);
    expect(lines.map((line) => [line.fields.flowName, line.fields.taskName, line.message])).toEqual([
      ['hooked', undefined, 'task hook'],
      ['hooked', undefined, 'flow hook'],
    ]);
  });

  it('throws a NoRunContextError that names getRunLogger outside any body, function or hook', () => {
    let error: unknown;
    try {
      getRunLogger();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoRunContextError);
    expect(isSluiceError(error, 'NO_RUN_CONTEXT')).toBe(true);
    expect((error as Error).message).toBe("getRunLogger() was called outside a task body, a flow's function and a state hook; it is only available while one of them is executing");
  });
});
