/**
 * When state hooks fire and how long a flow waits for them, in virtual time: `onRunning` on every
 * attempt, `onFailure` once when retries are exhausted, a flow that settles only after its hooks
 * (its tasks' and its own), and `hookTimeout` on the flow's scheduler.
 */
import { ReplaySubject, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { flow, isSluiceError, task, type FlowEvent, type FlowOptions } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const label = (e: FlowEvent): string =>
  e.type === 'run-state'
    ? `${e.runName}:${e.state.name}`
    : e.type === 'hook-failed'
      ? `hook-failed:${e.hook}${e.timedOut ? ':timed-out' : ''}`
      : e.type === 'flow-started' || e.type === 'flow-finished'
        ? e.type
        : `${e.runName}:${e.type}`;

/** Starts a flow on the test's scheduler and replays every event (with its time) to a later subscriber. */
function start(options: FlowOptions, body: () => unknown): ReplaySubject<string> {
  const handle = flow({ progress: false, ...options }, body).start();
  const events = new ReplaySubject<string>();
  handle.events$.pipe(map((e) => `${e.timestamp}:${label(e)}`)).subscribe(events);
  handle.result().catch(() => undefined);
  return events;
}

describe('task hooks and retries (virtual time)', () => {
  it(
    'onRunning fires as each attempt starts; onFailure once, when no retry is left',
    marbles((m) => {
      const calls: string[] = [];
      const work = task(
        {
          name: 'work',
          retries: 2,
          retryDelay: 3,
          onRunning: (run, state) => void calls.push(`${m.scheduler.now()}:running:${run.attempt}:${state.name}`),
          onFailure: (run, state) => void calls.push(`${m.scheduler.now()}:failure:${run.attempt}:${state.name}:${isSluiceError(state.error, 'RETRIES_EXHAUSTED')}`),
        },
        () => m.cold<string>('-#', undefined, new Error('flaky')),
      );
      void runTestFlow(m.scheduler, () => work.submit().wait()).catch(() => undefined);
      m.scheduler.flush();
      expect(calls).toEqual(['0:running:1:Running', '4:running:2:Retrying', '8:running:3:Retrying', '9:failure:3:Failed:true']);
    }),
  );

  it(
    'a run that succeeds on a retry calls onCompletion, never onFailure',
    marbles((m) => {
      const calls: string[] = [];
      let attempt = 0;
      const work = task(
        {
          name: 'work',
          retries: 1,
          retryDelay: 2,
          onFailure: () => void calls.push('failure'),
          onCompletion: (run, state) => void calls.push(`${m.scheduler.now()}:completion:${run.attempt}:${state.value}`),
        },
        () => (++attempt === 1 ? m.cold<string>('-#', undefined, new Error('once')) : m.cold('-(v|)', { v: 'ok' })),
      );
      void runTestFlow(m.scheduler, () => work.submit().wait());
      m.scheduler.flush();
      expect(calls).toEqual(['4:completion:2:ok']);
    }),
  );
});

describe('flow hooks and retries (virtual time)', () => {
  it(
    "a retried flow's onRunning fires as each attempt starts; onFailure once, when no retry is left",
    marbles((m) => {
      const calls: string[] = [];
      start(
        {
          name: 'flaky',
          scheduler: m.scheduler,
          retries: 2,
          retryDelay: 3,
          onRunning: (_flowRun, state) => void calls.push(`${m.scheduler.now()}:running:${state.attempt}:${state.name}`),
          onFailure: (_flowRun, state) => void calls.push(`${m.scheduler.now()}:failure:${String(state.error)}`),
        },
        () => {
          throw new Error('down');
        },
      );
      m.scheduler.flush();
      expect(calls).toEqual(['0:running:1:Running', '3:running:2:Retrying', '6:running:3:Retrying', '6:failure:Error: down']);
    }),
  );
});

describe('a flow waits for hooks (virtual time)', () => {
  it(
    "settles after its task's hook and then its own, each an Observable that takes time",
    marbles((m) => {
      const taskHook = m.cold('---|');
      const flowHook = m.cold('--|');
      const work = task({ name: 'work', onCompletion: () => taskHook }, () => m.cold('--(v|)', { v: 1 }));
      const events = start({ name: 'patient', scheduler: m.scheduler, onCompletion: () => flowHook }, () => work.submit());
      m.expect(taskHook).toHaveSubscriptions('--^--!');
      m.expect(flowHook).toHaveSubscriptions('-----^-!');
      m.expect(events.pipe(toArray())).toBeObservable('-------(x|)', {
        x: ['0:flow-started', '0:work-0:run-submitted', '0:work-0:Pending', '0:work-0:Running', '2:work-0:Completed', '7:flow-finished'],
      });
    }),
  );

  it(
    'a hook past hookTimeout is reported as timed out and stopped, and the flow settles at the time-out',
    marbles((m) => {
      const endless = m.cold('-');
      const work = task({ name: 'work', onCompletion: () => endless }, () => m.cold('--(v|)', { v: 1 }));
      const events = start({ name: 'bounded', scheduler: m.scheduler, hookTimeout: 4, logger: silent }, () => work.submit());
      m.expect(endless).toHaveSubscriptions('--^---!');
      m.expect(events.pipe(toArray())).toBeObservable('------(x|)', {
        x: ['0:flow-started', '0:work-0:run-submitted', '0:work-0:Pending', '0:work-0:Running', '2:work-0:Completed', '6:hook-failed:onCompletion:timed-out', '6:flow-finished'],
      });
    }),
  );

  it(
    "a flow's onRunning hook that takes time holds the flow open too, though its function returned",
    marbles((m) => {
      const slow = m.cold('----|');
      const events = start({ name: 'starts', scheduler: m.scheduler, onRunning: () => slow }, () => 'done');
      m.expect(slow).toHaveSubscriptions('^---!');
      m.expect(events.pipe(toArray())).toBeObservable('----(x|)', { x: ['0:flow-started', '4:flow-finished'] });
    }),
  );

  it(
    'a hook that errors after a while is reported then, and the run stays Completed',
    marbles((m) => {
      const failing = m.cold('--#', undefined, new Error('late'));
      const work = task({ name: 'work', onCompletion: () => failing }, () => m.cold('-(v|)', { v: 1 }));
      const events = start({ name: 'late', scheduler: m.scheduler, logger: silent }, () => work.submit());
      m.expect(events.pipe(toArray())).toBeObservable('---(x|)', {
        x: ['0:flow-started', '0:work-0:run-submitted', '0:work-0:Pending', '0:work-0:Running', '1:work-0:Completed', '3:hook-failed:onCompletion', '3:flow-finished'],
      });
    }),
  );
});
