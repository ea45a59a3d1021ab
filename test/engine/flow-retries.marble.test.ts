/**
 * A flow's `retries`, `retryDelay` and `timeout` in virtual time: each attempt runs the flow's
 * function again within the same flow run after its delay on the flow's scheduler, and a time-out
 * cancels the flow's runs at the limit.
 */
import { ReplaySubject, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { flow, isSluiceError, task, type FlowEvent, type FlowOptions } from '../../src/index.js';
import { marbles } from '../helpers/marbles.js';

const label = (e: FlowEvent): string => {
  if (e.type === 'run-state') return `${e.runName}:${e.state.name}`;
  if (e.type === 'flow-finished') return `flow-finished:${e.outcome}:${e.attempts ?? 1}:${isSluiceError(e.error) ? e.error.code : String(e.error)}`;
  if (e.type === 'flow-started' || e.type === 'hook-failed') return e.type;
  return `${e.runName}:${e.type}`;
};

/** Starts a flow and replays every event (with its time; marked when of another flow run) to a later subscriber. */
function start(options: FlowOptions, body: () => unknown): { events: ReplaySubject<string>; cancel: (reason: string) => void } {
  const handle = flow({ progress: false, ...options }, body).start();
  const events = new ReplaySubject<string>();
  handle.events$.pipe(map((e) => `${e.timestamp}:${label(e)}${e.flowRunId === handle.id ? '' : ':other-flow-run'}`)).subscribe(events);
  handle.result().catch(() => undefined);
  return { events, cancel: (reason) => handle.cancel(reason) };
}

describe('flow retries and time-outs (virtual time)', () => {
  it(
    'a failed flow run runs its function again after each retryDelay, in the same flow run, and says how many attempts it took',
    marbles((m) => {
      const fails = task('fails', () => m.cold('-#', undefined, new Error('down')));
      const works = task('works', () => m.cold('-(v|)', { v: 1 }));
      let calls = 0;
      const { events } = start({ name: 'flaky', scheduler: m.scheduler, retries: 2, retryDelay: [3, 5] }, () => (++calls < 3 ? fails : works).submit());
      m.expect(events.pipe(toArray())).toBeObservable('-----------(x|)', {
        x: [
          '0:flow-started',
          '0:fails-0:run-submitted',
          '0:fails-0:Pending',
          '0:fails-0:Running',
          '1:fails-0:Failed',
          // the first retry's delay: 3
          '4:fails-1:run-submitted',
          '4:fails-1:Pending',
          '4:fails-1:Running',
          '5:fails-1:Failed',
          // the second's: 5
          '10:works-0:run-submitted',
          '10:works-0:Pending',
          '10:works-0:Running',
          '11:works-0:Completed',
          '11:flow-finished:Completed:3:undefined',
        ],
      });
    }),
  );

  it(
    'a flow run past its timeout has its runs cancelled at the limit and fails with FLOW_TIMED_OUT, not retried',
    marbles((m) => {
      const hang = task('hang', () => m.cold('----------(v|)', { v: 1 }));
      let calls = 0;
      const { events } = start({ name: 'slow', scheduler: m.scheduler, timeout: 5, retries: 2 }, () => {
        calls++;
        return hang.submit();
      });
      m.expect(events.pipe(toArray())).toBeObservable('-----(x|)', {
        x: ['0:flow-started', '0:hang-0:run-submitted', '0:hang-0:Pending', '0:hang-0:Running', '5:hang-0:Cancelled', '5:flow-finished:Failed:1:FLOW_TIMED_OUT'],
      });
      m.scheduler.schedule(() => {
        expect(calls).toBe(1);
      }, 20);
    }),
  );

  it(
    'each attempt has the whole timeout: a retried attempt starts its time afresh',
    marbles((m) => {
      const fails = task('fails', () => m.cold('---#', undefined, new Error('down')));
      const works = task('works', () => m.cold('----(v|)', { v: 1 }));
      let calls = 0;
      // 3 + 1 (delay) + 4: past 5 in all, within 5 for each attempt.
      const { events } = start({ name: 'fresh', scheduler: m.scheduler, timeout: 5, retries: 1, retryDelay: 1 }, () => (++calls < 2 ? fails : works).submit());
      m.expect(events.pipe(toArray(), map((list) => list.at(-1)))).toBeObservable('--------(x|)', { x: '8:flow-finished:Completed:2:undefined' });
    }),
  );

  it(
    'a flow run cancelled while it waits to retry ends at once, Cancelled',
    marbles((m) => {
      const fails = task('fails', () => m.cold('-#', undefined, new Error('down')));
      const { events, cancel } = start({ name: 'stopped', scheduler: m.scheduler, retries: 1, retryDelay: 10 }, () => fails.submit());
      m.scheduler.schedule(() => {
        cancel('enough');
      }, 3);
      m.expect(events.pipe(toArray(), map((list) => list.at(-1)))).toBeObservable('---(x|)', { x: '3:flow-finished:Cancelled:1:CANCELLED' });
    }),
  );
});
