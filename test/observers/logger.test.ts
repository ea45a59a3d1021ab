/**
 * getRunContext().logger: lines tagged with the flow's and the run's names, to the console or to
 * a pino-style logger of the user's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flow, getRunContext, task, type Logger } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const greet = task('greet', (who: string) => {
  getRunContext().logger.info(`hello ${who}`);
  getRunContext().logger.warn({ who }, 'careful');
  return who;
});

/** A logger with pino's shape that keeps what it is given. */
function memoryLogger(withChild: boolean): { logger: Logger; lines: { level: string; bindings: object; args: unknown[] }[] } {
  const lines: { level: string; bindings: object; args: unknown[] }[] = [];
  const make = (bindings: object): Logger => {
    const at =
      (level: string) =>
      (...args: unknown[]): void => {
        lines.push({ level, bindings, args });
      };
    const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
    if (withChild) logger.child = (more) => make({ ...bindings, ...more });
    return logger;
  };
  return { logger: make({}), lines };
}

describe('getRunContext().logger', () => {
  it('writes to the console by default, tagged with the flow and run names', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await flow('greetings', () => greet.submit('ada').result())();
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0]?.[0])).toMatch(/^\d\d:\d\d:\d\d\.\d\d\d INFO {2}\[greetings \/ greet-0\] hello ada$/);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/WARN {2}\[greetings \/ greet-0\] careful \{"who":"ada"\}$/);
  });

  it("binds the run's fields through a pino-style logger's child()", async () => {
    const { logger, lines } = memoryLogger(true);
    await flow({ name: 'greetings', logger }, () => greet.map(['ada', 'alan']).result())();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toEqual({
      level: 'info',
      bindings: { flowName: 'greetings', flowRunId: expect.any(String) as string, taskName: 'greet', runName: 'greet-0', runId: expect.any(String) as string, attempt: 1 },
      args: ['hello ada'],
    });
    expect(lines.find((line) => line.level === 'warn' && (line.bindings as { runName?: string }).runName === 'greet-1')?.args).toEqual([{ who: 'alan' }, 'careful']);
  });

  it('merges the fields into each line for a logger without child()', async () => {
    const { logger, lines } = memoryLogger(false);
    await flow({ name: 'greetings', logger }, () => greet.submit('ada').result())();
    expect(lines.map((line) => [line.level, line.args])).toEqual([
      ['info', [expect.objectContaining({ flowName: 'greetings', runName: 'greet-0', taskName: 'greet', attempt: 1 }), 'hello ada']],
      ['warn', [expect.objectContaining({ flowName: 'greetings', runName: 'greet-0', who: 'ada' }), 'careful']],
    ]);
  });

  it('refuses a logger without the four methods', () => {
    expect(() => flow({ name: 'f', logger: { info: () => undefined } as never }, () => 1)).toThrow(/`logger` must have info, warn, error and debug methods/);
  });
});
