/**
 * `logPrints` (Prefect's `log_prints`): a body's `console.log`/`console.info` go to its run's
 * logger with the run's fields, only for bodies (and flows) that have it on, each print told apart
 * by its own async context.
 */
import { format } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { flow, getRunContext, task, type FlowOptions, type Logger } from '../../src/index.js';

// What reaches the console as it was before sluice patched it: sluice calls whatever it found
// there, so these recorders stand for the real console. Left in place: vitest gives each test
// file a process of its own, and sluice patches once per process.
const printed: string[] = [];
console.log = (...args: unknown[]) => void printed.push(format(...args));
console.info = (...args: unknown[]) => void printed.push(`(info) ${format(...args)}`);
const recorders = { log: console.log, info: console.info };

interface Line {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

/** A logger with pino's methods and no `child`: each line's fields come as its first argument. */
function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (fields: unknown, message?: unknown): void =>
      void lines.push({ level, fields: fields as Record<string, unknown>, message: message as string | undefined });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') }, lines };
}

/** The lines' messages, each with the run (or flow) it is tagged with. */
const tagged = (lines: readonly Line[]): string[] => lines.map((line) => `${String(line.fields.runName ?? line.fields.flowName)}: ${String(line.message)}`);

beforeEach(() => {
  printed.length = 0;
});

describe('logPrints', () => {
  // First: the console is patched by the first task or flow with logPrints, not by importing sluice.
  it('leaves the console untouched while no task or flow has logPrints', async () => {
    const plain = task('plain', () => {
      console.log('as it is');
      return 1;
    });
    await flow('untouched', () => plain.submit().result())();
    expect(console.log).toBe(recorders.log);
    expect(console.info).toBe(recorders.info);
    expect(printed).toEqual(['as it is']);
    task({ name: 'loud', logPrints: true }, () => 1);
    expect(console.log).not.toBe(recorders.log);
  });

  it("sends a task body's console.log to the flow's logger, with the run's fields", async () => {
    const { logger, lines } = recordingLogger();
    const load = task({ name: 'load', logPrints: true }, (rows: number) => {
      console.log('loaded %d rows of', rows, { table: 'users' });
      return rows;
    });
    const handle = flow({ name: 'etl', logger }, () => load.submit(3).result()).start();
    expect(await handle.result()).toBe(3);
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { flowName: 'etl', flowRunId: handle.id, taskName: 'load', runName: 'load-0', runId: expect.stringMatching(new RegExp(`^${handle.id}\\.`)) as unknown, attempt: 1 },
        message: "loaded 3 rows of { table: 'users' }",
      },
    ]);
    expect(printed).toEqual([]);
  });

  it("sends console.info too, and each attempt's prints carry that attempt", async () => {
    const { logger, lines } = recordingLogger();
    const flaky = task({ name: 'flaky', logPrints: true, retries: 1 }, () => {
      console.info(`attempt ${getRunContext().attempt}`);
      if (getRunContext().attempt === 1) throw new Error('again');
      return 'ok';
    });
    await flow({ name: 'etl', logger }, () => flaky.submit().result())();
    expect(lines.map((line) => [line.level, line.fields.attempt, line.message])).toEqual([
      ['info', 1, 'attempt 1'],
      ['info', 2, 'attempt 2'],
    ]);
    expect(printed).toEqual([]);
  });

  it("writes a print to the console tagged with the flow's and the run's names when the flow has no logger", async () => {
    const load = task({ name: 'load', logPrints: true }, () => {
      console.log('hello');
      return 1;
    });
    await flow('etl', () => load.submit().result())();
    expect(printed).toEqual([expect.stringMatching(/^\(info\) \d\d:\d\d:\d\d\.\d{3} INFO {2}\[etl \/ load-0\] hello$/)]);
  });

  it('leaves the prints of a task without it, in a flow without it, on the console as they are', async () => {
    const { logger, lines } = recordingLogger();
    task({ name: 'loud', logPrints: true }, () => 1);
    const quiet = task('quiet', () => {
      console.log('plain');
      console.info('plain info');
      return 1;
    });
    await flow({ name: 'etl', logger }, () => quiet.submit().result())();
    expect(lines).toEqual([]);
    expect(printed).toEqual(['plain', '(info) plain info']);
  });

  it('never gives one body the prints of another running at the same time, one with logPrints and one without', async () => {
    const { logger, lines } = recordingLogger();
    let inFlight = 0;
    let bothIn!: () => void;
    const together = new Promise<void>((resolve) => (bothIn = resolve));
    const body = (who: string) => async (): Promise<string> => {
      console.log(`${who} 1`);
      if (++inFlight === 2) bothIn();
      await together;
      console.log(`${who} 2`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      console.log(`${who} 3`);
      return who;
    };
    const loud = task({ name: 'loud', logPrints: true }, body('loud'));
    const quiet = task('quiet', body('quiet'));
    await flow({ name: 'pair', logger }, async () => Promise.all([loud.submit().result(), quiet.submit().result()]))();
    expect(tagged(lines)).toEqual(['loud-0: loud 1', 'loud-0: loud 2', 'loud-0: loud 3']);
    expect(printed).toEqual(['quiet 1', 'quiet 2', 'quiet 3']);
  });

  it('gives each of two bodies with logPrints its own prints while they interleave across awaits', async () => {
    const { logger, lines } = recordingLogger();
    // Turns taken in order 0, 1, 2, ...: body x prints on turns x, x + 2, x + 4.
    let turn = 0;
    let waiters: (() => void)[] = [];
    const myTurn = async (n: number): Promise<void> => {
      while (turn !== n) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const pass = (): void => {
      turn++;
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    };
    const step = task({ name: 'step', logPrints: true }, async (x: number) => {
      for (let i = 0; i < 3; i++) {
        await myTurn(2 * i + x);
        console.log(`x=${x} i=${i}`);
        pass();
      }
      return x;
    });
    await flow({ name: 'interleave', logger }, () => step.map([0, 1]).result())();
    expect(tagged(lines)).toEqual(['step-0: x=0 i=0', 'step-1: x=1 i=0', 'step-0: x=0 i=1', 'step-1: x=1 i=1', 'step-0: x=0 i=2', 'step-1: x=1 i=2']);
    expect(printed).toEqual([]);
  });

  it("covers the flow's function and its tasks' bodies with the flow's logPrints; a task's logPrints: false opts out", async () => {
    const { logger, lines } = recordingLogger();
    const load = task('load', () => {
      console.log('from load');
      return 1;
    });
    const quiet = task({ name: 'quiet', logPrints: false }, () => {
      console.log('from quiet');
      return 2;
    });
    const handle = flow({ name: 'etl', logger, logPrints: true }, async () => {
      console.log('from the flow');
      return (await load()) + (await quiet.submit().result());
    }).start();
    expect(await handle.result()).toBe(3);
    expect(lines[0]).toEqual({ level: 'info', fields: { flowName: 'etl', flowRunId: handle.id }, message: 'from the flow' });
    expect(tagged(lines)).toEqual(['etl: from the flow', 'load-0: from load']);
    expect(printed).toEqual(['from quiet']);
  });

  it("takes the flow's logPrints from with(), and sends a hook's prints to the flow's logger (hooks run in the flow's scope)", async () => {
    const { logger, lines } = recordingLogger();
    const load = task({ name: 'load', onCompletion: () => void console.log('hook') }, () => 1);
    const etl = flow({ name: 'etl', logger }, () => load.submit().result());
    await etl();
    expect(lines).toEqual([]);
    expect(printed).toEqual(['hook']);
    printed.length = 0;
    await etl.with({ logPrints: true })();
    expect(tagged(lines)).toEqual(['etl: hook']);
    expect(printed).toEqual([]);
  });

  it("gives a subflow its parent's logPrints unless it sets its own", async () => {
    const { logger, lines } = recordingLogger();
    const inherits = flow({ name: 'inherits', logger }, () => console.log('inherited'));
    const optsOut = flow({ name: 'opts-out', logger, logPrints: false }, () => console.log('opted out'));
    await flow({ name: 'parent', logger, logPrints: true }, async () => {
      await inherits();
      await optsOut();
    })();
    expect(tagged(lines)).toEqual(['inherits: inherited']);
    expect(printed).toEqual(['opted out']);
  });

  it('attributes a print by the context it was made in: a callback the body started still counts after the run ended', async () => {
    const { logger, lines } = recordingLogger();
    let flowEnded!: () => void;
    const ended = new Promise<void>((resolve) => (flowEnded = resolve));
    let printedLate!: () => void;
    const late = new Promise<void>((resolve) => (printedLate = resolve));
    const stray = task({ name: 'stray', logPrints: true }, () => {
      void ended.then(() => {
        setTimeout(() => {
          console.log('late');
          printedLate();
        }, 1);
      });
      return 'done';
    });
    await flow({ name: 'etl', logger }, () => stray.submit().result())();
    expect(lines).toEqual([]);
    flowEnded();
    await late;
    expect(tagged(lines)).toEqual(['stray-0: late']);
    expect(printed).toEqual([]);
  });

  it('never feeds a logger its own lines when it prints with console.log', async () => {
    const seen: string[] = [];
    const printing: Logger = {
      info: (fields: unknown, message?: unknown) => {
        seen.push(String(message));
        console.log(`logger says ${String(message)}`);
        // A callback the logger starts is not the body's either.
        setTimeout(() => console.log(`later, logger says ${String(message)}`), 0);
      },
      warn: () => undefined,
      error: () => undefined,
      debug: () => undefined,
    };
    const load = task({ name: 'load', logPrints: true }, async () => {
      console.log('hello');
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 1;
    });
    await flow({ name: 'etl', logger: printing }, () => load.submit().result())();
    expect(seen).toEqual(['hello']);
    expect(printed).toEqual(['logger says hello', 'later, logger says hello']);
  });

  it("calls the console's functions as they were when it patched them, and a function put there later instead", async () => {
    const { logger, lines } = recordingLogger();
    const load = task({ name: 'load', logPrints: true }, () => {
      console.log('to the logger');
      return 1;
    });
    const patched = console.log;
    const mine: string[] = [];
    try {
      console.log = (...args: unknown[]) => void mine.push(format(...args));
      await flow({ name: 'etl', logger }, () => load.submit().result())();
    } finally {
      console.log = patched;
    }
    // Put there after sluice: it replaced sluice's capture, and gets the body's print itself.
    expect(mine).toEqual(['to the logger']);
    expect(lines).toEqual([]);
  });

  describe('bad values', () => {
    const fn = () => 1;
    const loose = <T>(options: Record<string, unknown>): T => options as T;

    it('throws an InvalidTaskOptionsError naming logPrints, from task() and with()', () => {
      expect(() => task(loose({ name: 'load', logPrints: 'yes' }), fn)).toThrow(
        expect.objectContaining({ name: 'InvalidTaskOptionsError', code: 'INVALID_TASK_OPTIONS', option: 'logPrints', message: 'task "load": option `logPrints` must be true or false, got "yes" (string)' }),
      );
      expect(() => task('load', fn).with(loose({ logPrints: 1 }))).toThrow(expect.objectContaining({ code: 'INVALID_TASK_OPTIONS', message: expect.stringMatching(/logPrints/) as unknown }));
    });

    it('throws an InvalidArgumentError naming logPrints, from flow() and with()', () => {
      expect(() => flow(loose<FlowOptions>({ name: 'etl', logPrints: 'yes' }), fn)).toThrow(
        expect.objectContaining({ name: 'InvalidArgumentError', code: 'INVALID_ARGUMENT', message: 'flow "etl": `logPrints` must be true or false, got "yes" (string)' }),
      );
      expect(() => flow('etl', fn).with(loose({ logPrints: null }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/`logPrints`/) as unknown }));
    });

    it("points Prefect's log_prints to logPrints", () => {
      expect(() => task(loose({ name: 'load', log_prints: true }), fn)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION', suggestion: 'logPrints' }));
      expect(() => flow(loose<FlowOptions>({ name: 'etl', log_prints: true }), fn)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION', suggestion: 'logPrints' }));
    });
  });
});
