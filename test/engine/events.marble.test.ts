import { map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { flow, task, type FlowEvent } from '../../src/index.js';
import { startTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

const label = (e: FlowEvent): string => (e.type === 'run-state' ? `${e.runName}:${e.state.name}` : e.type === 'run-submitted' ? `${e.runName}:submitted` : e.type);

describe("a flow's events$", () => {
  it(
    'should emit flow start, every run transition with its time, and flow end, then complete',
    marbles((m) => {
      const work = task('work', () => m.cold('--(v|)'));
      const handle = startTestFlow(m.scheduler, () => work.submit());
      const timeline = handle.events$.pipe(
        map((e) => `${e.timestamp}:${label(e)}`),
        toArray(),
      );
      m.expect(timeline).toBeObservable('--(x|)', {
        x: ['0:flow-started', '0:work-0:submitted', '0:work-0:Pending', '0:work-0:Running', '2:work-0:Completed', '2:flow-finished'],
      });
    }),
  );

  it('should carry the parent run id of nested runs', async () => {
    const child = task('child', () => 1);
    const parent = task('parent', () => child.submit().result());
    const handle = flow('nested', () => parent.submit()).start();
    const events: FlowEvent[] = [];
    handle.events$.subscribe((e) => events.push(e));
    await handle.result();
    const submitted = events.filter((e) => e.type === 'run-submitted');
    const parentEvent = submitted.find((e) => e.taskName === 'parent');
    const childEvent = submitted.find((e) => e.taskName === 'child');
    expect(childEvent?.parentRunId).toBe(parentEvent?.runId);
    expect(events.at(-1)).toMatchObject({ type: 'flow-finished', outcome: 'Completed' });
  });

  it('should report a failed flow in flow-finished', async () => {
    const handle = flow('broken', () => {
      throw new Error('nope');
    }).start();
    const events: FlowEvent[] = [];
    handle.events$.subscribe((e) => events.push(e));
    await expect(handle.result()).rejects.toThrow('nope');
    expect(events.at(-1)).toMatchObject({ type: 'flow-finished', outcome: 'Failed' });
  });
});
