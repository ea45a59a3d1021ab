/**
 * State hooks of tasks and flows (`onRunning`, `onCompletion`, `onFailure`, `onCancellation`,
 * `onCrashed`): who is called with what, that a failing hook changes no outcome, and that hooks
 * run in the flow's process on every runner (real worker threads). Timing is in
 * test/engine/hooks.marble.test.ts.
 */
import { map, timer } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConcurrentTaskRunner,
  flow,
  getRunContext,
  InvalidArgumentError,
  InvalidTaskOptionsError,
  task,
  UnknownOptionError,
  WorkerCrashedError,
  WorkerThreadsTaskRunner,
  type FlowEvent,
  type FlowOptions,
  type HookedTaskRun,
  type Logger,
  type State,
  type TaskOptions,
} from '../../src/index.js';
import { double, exitThread } from '../fixtures/thread-tasks.js';

/** A logger that keeps what it is told at `error`. */
function keepingLogger(): { logger: Logger; errors: { fields: unknown; message: unknown }[] } {
  const errors: { fields: unknown; message: unknown }[] = [];
  const none = (): void => undefined;
  return { logger: { info: none, warn: none, debug: none, error: (fields: unknown, message?: unknown) => void errors.push({ fields, message }) }, errors };
}

/** Runs `body` as a flow started with a handle, and returns its outcome and every event. */
async function runWithEvents(options: FlowOptions, body: () => unknown): Promise<{ outcome: PromiseSettledResult<unknown>; events: FlowEvent[] }> {
  const handle = flow({ progress: false, ...options }, body).start();
  const events: FlowEvent[] = [];
  handle.events$.subscribe((event) => events.push(event));
  const [outcome] = await Promise.allSettled([handle.result()]);
  return { outcome, events };
}

describe('task hooks', () => {
  it('an onCompletion hook gets the run and its Completed state with the value; a list is called in order', async () => {
    const calls: string[] = [];
    let seen: { run: HookedTaskRun; state: State<number> } | undefined;
    const work = task(
      {
        name: 'work',
        tags: ['crm'],
        onCompletion: [
          (run, state) => {
            seen = { run, state };
            calls.push(`first ${state.value}`);
          },
          (_run, state) => void calls.push(`second ${state.value}`),
        ],
        onFailure: () => void calls.push('failure'),
      },
      (x: number) => 2 * x,
    );
    let flowRunId = '';
    await flow({ name: 'hooked', progress: false }, async () => {
      const future = work.submit(21);
      await future.result();
      flowRunId = future.id.split('.')[0] as string;
    })();
    expect(calls).toEqual(['first 42', 'second 42']);
    expect(seen?.run).toEqual({ runId: `${flowRunId}.0`, runName: 'work-0', taskName: 'work', attempt: 1, tags: ['crm'], parentRunId: undefined, flowRun: { id: flowRunId, name: 'hooked' } });
    expect(seen?.state).toMatchObject({ type: 'Completed', name: 'Completed', value: 42 });
  });

  it('onFailure gets the Failed state with the error; onCancellation the Cancelled state', async () => {
    const seen: string[] = [];
    const broken = task({ name: 'broken', onFailure: (run, state) => void seen.push(`${run.runName} ${state.name} ${String(state.error)}`) }, () => {
      throw new Error('nope');
    });
    const waits = task({ name: 'waits', onCancellation: (run, state) => void seen.push(`${run.runName} ${state.name} ${(state.error as Error).name}`) }, () => new Promise(() => undefined));
    await flow({ name: 'ends', progress: false }, async () => {
      await broken.submit().result().catch(() => undefined);
      const future = waits.submit();
      await new Promise((resolve) => setTimeout(resolve, 5));
      future.cancel();
      await future.wait();
    })();
    expect(seen).toEqual(['broken-0 Failed Error: nope', 'waits-0 Cancelled CancelledError']);
  });

  it('a hook that throws or rejects changes no outcome: it is reported as a hook-failed event and in the log, naming the hook and the run', async () => {
    const { logger, errors } = keepingLogger();
    const work = task(
      {
        name: 'work',
        onCompletion: [
          function alertSlack() {
            throw new Error('slack is down');
          },
          () => Promise.reject(new Error('pager is down')),
        ],
      },
      () => 7,
    );
    const { outcome, events } = await runWithEvents({ name: 'resilient', logger }, () => work.submit());
    expect(outcome).toEqual({ status: 'fulfilled', value: 7 });
    const failed = events.filter((e) => e.type === 'hook-failed');
    expect(failed).toMatchObject([
      { hook: 'onCompletion', hookFunction: 'alertSlack', run: { runName: 'work-0', taskName: 'work' }, timedOut: false, error: { message: 'slack is down' } },
      { hook: 'onCompletion', hookFunction: 'onCompletion[1]', run: { runName: 'work-0', taskName: 'work' }, timedOut: false, error: { message: 'pager is down' } },
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'hook onCompletion "alertSlack" of task run "work-0" (task "work") threw: Error: slack is down',
      'hook onCompletion "onCompletion[1]" of task run "work-0" (task "work") threw: Error: pager is down',
    ]);
    expect(errors[0]?.fields).toMatchObject({ flowName: 'resilient', hook: 'onCompletion', runName: 'work-0', taskName: 'work' });
    // Reported before the flow ends: the flow waited for the rejected one.
    expect(events.at(-1)?.type).toBe('flow-finished');
    expect(events.at(-1)).toMatchObject({ outcome: 'Completed' });
  });

  it('a hook that throws on a failed run leaves it Failed with its own error, not the hook\'s', async () => {
    const { logger } = keepingLogger();
    const broken = task({ name: 'broken', onFailure: () => { throw new Error('hook broke'); } }, () => {
      throw new Error('body broke');
    });
    const { outcome } = await runWithEvents({ name: 'fails', logger }, () => broken.submit());
    expect(outcome.status).toBe('rejected');
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({ message: 'body broke' });
  });

  it("a hook runs in its flow's scope, not in its run's body: a task it submits is the flow's, and getRunContext() throws there", async () => {
    const seen: string[] = [];
    const notify = task('notify', (what: string) => void seen.push(`notified ${what}`));
    let notifyParent: string | undefined = 'unset';
    const work = task(
      {
        name: 'work',
        onCompletion: (run) => {
          try {
            getRunContext();
            seen.push('had a run context');
          } catch (error) {
            seen.push((error as Error).name);
          }
          const future = notify.submit(run.runName);
          notifyParent = (future as unknown as { parentRunId: string | undefined }).parentRunId;
        },
      },
      // An Observable on a real timer: its end runs in the async context it was subscribed in, the body's.
      () => timer(5).pipe(map(() => 1)),
    );
    await flow({ name: 'scoped', progress: false }, () => work.submit())();
    expect(seen).toEqual(['NoRunContextError', 'notified work-0']);
    expect(notifyParent).toBeUndefined();
  });

  it('with() replaces the hooks of an option it gives, and keeps the others', async () => {
    const seen: string[] = [];
    const work = task({ name: 'work', onRunning: () => void seen.push('running'), onCompletion: () => void seen.push('base') }, () => 1);
    await flow({ name: 'copies', progress: false }, () => work.with({ onCompletion: () => void seen.push('copy') }).submit())();
    expect(seen).toEqual(['running', 'copy']);
  });
});

describe('flow hooks', () => {
  it('onRunning as the function starts, onCompletion with the value and the flow run', async () => {
    const seen: unknown[] = [];
    const report = flow(
      {
        name: 'report',
        progress: false,
        onRunning: (flowRun, state) => void seen.push(`${flowRun.name} ${state.name} ${String(flowRun.parameters)}`),
        onCompletion: (flowRun, state) => void seen.push({ name: flowRun.name, parent: flowRun.parentFlowRunId, value: state.value }),
        onFailure: () => void seen.push('failure'),
      },
      (day: string) => {
        seen.push('body');
        return `done ${day}`;
      },
    );
    expect(await report('monday')).toBe('done monday');
    expect(seen).toEqual(['report Running monday', 'body', { name: 'report', parent: undefined, value: 'done monday' }]);
  });

  it('onFailure with the error the flow rejects with; onCancellation when it was cancelled', async () => {
    const seen: string[] = [];
    const hooks: FlowOptions = {
      name: 'ends',
      progress: false,
      onFailure: (_f, state) => void seen.push(`failure ${String(state.error)}`),
      onCancellation: (_f, state) => void seen.push(`cancelled ${(state.error as Error).name}`),
      onCompletion: () => void seen.push('completion'),
    };
    await expect(flow(hooks, () => Promise.reject(new Error('nope')))()).rejects.toThrow('nope');
    const controller = new AbortController();
    controller.abort();
    await expect(flow(hooks, () => 1).with({ signal: controller.signal })()).rejects.toThrow(/cancelled/);
    expect(seen).toEqual(['failure Error: nope', 'cancelled CancelledError']);
  });

  it("a flow's hook that throws changes nothing: reported with the flow's name", async () => {
    const { logger, errors } = keepingLogger();
    const { outcome, events } = await runWithEvents(
      {
        name: 'etl',
        logger,
        onCompletion: () => {
          throw new Error('no mail');
        },
      },
      () => 'ok',
    );
    expect(outcome).toEqual({ status: 'fulfilled', value: 'ok' });
    expect(events.find((e) => e.type === 'hook-failed')).toMatchObject({ hook: 'onCompletion', hookFunction: 'onCompletion', run: undefined, flowName: 'etl' });
    expect(errors.map((e) => e.message)).toEqual(['hook onCompletion of flow "etl" threw: Error: no mail']);
  });

  it('a flow waits for its async hooks and its tasks\' before it settles', async () => {
    const order: string[] = [];
    const later = (what: string) => () =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          order.push(what);
          resolve();
        }, 20),
      );
    const work = task({ name: 'work', onCompletion: later('task hook') }, () => 1);
    await flow({ name: 'patient', progress: false, onCompletion: later('flow hook') }, () => work.submit())();
    order.push('settled');
    expect(order).toEqual(['task hook', 'flow hook', 'settled']);
  });
});

describe('hooks run in the flow\'s process, on every runner', () => {
  const threads = new WorkerThreadsTaskRunner({ maxThreads: 2, keepAlive: true });
  afterAll(() => threads.destroy());

  for (const [runnerName, runner] of [
    ['ConcurrentTaskRunner', () => new ConcurrentTaskRunner({ maxConcurrency: 2 })],
    ['WorkerThreadsTaskRunner', () => threads],
  ] as const) {
    it(`on the ${runnerName}, task hooks are called on the flow's thread with the body's value`, async () => {
      const seen: string[] = [];
      // Closures over this test's array: called anywhere but the flow's thread, they could not fill it.
      const hooked = double.with({ onRunning: (run) => void seen.push(`running ${run.attempt}`), onCompletion: (_run, state) => void seen.push(`value ${state.value}`) });
      const value = await flow({ name: 'threads', taskRunner: runner(), progress: false }, () => hooked.submit(21))();
      expect(value).toBe(42);
      expect(seen).toEqual(['running 1', 'value 42']);
    });
  }

  it('a run whose worker thread died calls onCrashed, and a flow that rejects with that crash calls its own onCrashed', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    const seen: string[] = [];
    const dies = exitThread.with({ onCrashed: (run, state) => void seen.push(`task ${run.runName} ${state.name}`), onFailure: () => void seen.push('task failure') });
    const crashed = flow(
      {
        name: 'crashes',
        taskRunner: runner,
        progress: false,
        onCrashed: (_f, state) => void seen.push(`flow ${state.name} ${(state.error as Error).name}`),
        onFailure: () => void seen.push('flow failure'),
      },
      () => dies.submit(99),
    );
    await expect(crashed()).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(seen).toEqual(['task exit_thread-0 Crashed', 'flow Crashed WorkerCrashedError']);
  });
});

describe('hook options are checked', () => {
  const loose = (options: Record<string, unknown>): TaskOptions<[], number> => options;
  const looseFlow = (options: Record<string, unknown>): FlowOptions => options as never;

  it('a hook that is not a function (or list of them) is an error naming the task and the option', () => {
    expect(() => task(loose({ name: 'work', onFailure: 'alert' }), () => 1)).toThrow(InvalidTaskOptionsError);
    expect(() => task(loose({ name: 'work', onFailure: 'alert' }), () => 1)).toThrow(/task "work".*`onFailure` must be a function or a list of functions, got "alert" \(string\)/);
    expect(() => task('work', () => 1).with({ onCompletion: [() => undefined, 3 as never] })).toThrow(/`onCompletion` must be a function or a list of functions, got element 1: 3 \(number\)/);
    expect(() => flow(looseFlow({ name: 'etl', onCrashed: {} }), () => 1)).toThrow(InvalidArgumentError);
    expect(() => flow(looseFlow({ name: 'etl', onCrashed: {} }), () => 1)).toThrow(/^flow "etl": `onCrashed` must be a function or a list of functions/);
  });

  it('hookTimeout must be a number of ms from 0 up', () => {
    expect(() => flow(looseFlow({ name: 'etl', hookTimeout: -1 }), () => 1)).toThrow(/^flow "etl": `hookTimeout` must be a number of ms from 0 and up \(or Infinity\), got -1 \(number\)$/);
    expect(() => flow('etl', () => 1).with(looseFlow({ name: 'etl', hookTimeout: '5s' }))).toThrow(InvalidArgumentError);
    expect(() => flow({ name: 'etl', hookTimeout: Number.POSITIVE_INFINITY }, () => 1)).not.toThrow();
  });

  it('Prefect spellings still throw an UnknownOptionError that names the sluice option', () => {
    expect(() => task(loose({ name: 'work', on_completion: [] }), () => 1)).toThrow(UnknownOptionError);
    expect(() => task(loose({ name: 'work', on_completion: [] }), () => 1)).toThrow(/did you mean `onCompletion`\?/);
    expect(() => flow(looseFlow({ name: 'etl', on_crashed: [] }), () => 1)).toThrow(/did you mean `onCrashed`\?/);
    expect(() => flow(looseFlow({ name: 'etl', hook_timeout: 1 }), () => 1)).toThrow(/did you mean `hookTimeout`\?/);
  });
});

