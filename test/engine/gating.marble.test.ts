import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { task, type TaskFuture } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

describe('waitFor gating (virtual time)', () => {
  it(
    'should start a gated run only after every upstream finished',
    marbles((m) => {
      const a = m.cold<string>('--(a|)');
      const b = m.cold<string>('----(b|)');
      const c = m.cold<string>('-(c|)');
      const taskA = task('a', () => a);
      const taskB = task('b', () => b);
      const taskC = task('c', () => c);
      let futureC!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        const fa = taskA.submit();
        const fb = taskB.submit();
        futureC = taskC.waitFor([fa, fb]).submit();
      });
      m.expect(c).toHaveSubscriptions(['----^!']);
      m.expect(futureC.result$).toBeObservable('-----(c|)');
    }),
  );

  it(
    'should not block on an empty waitFor (forkJoin([]) completes without a value)',
    marbles((m) => {
      const body = m.cold<string>('-(v|)');
      const work = task('work', () => body);
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.waitFor([]).submit();
      });
      m.expect(body).toHaveSubscriptions(['^!']);
      m.expect(future.result$).toBeObservable('-(v|)');
    }),
  );

  it(
    'should hold no slot while waiting: a run submitted after a gated one starts at once',
    marbles((m) => {
      const up = m.cold<string>('---(u|)');
      const down = m.cold<string>('-(d|)');
      const other = m.cold<string>('-(o|)');
      const upTask = task('up', () => up);
      const downTask = task('down', () => down);
      const otherTask = task('other', () => other);
      void runTestFlow(m.scheduler, () => {
        const gate = upTask.submit();
        downTask.waitFor([gate]).submit(); // waits 3 frames, in no slot
        otherTask.submit(); // takes the second slot at once
      }, { maxConcurrency: 2 });
      m.expect(up).toHaveSubscriptions(['^--!']);
      m.expect(other).toHaveSubscriptions(['^!']);
      m.expect(down).toHaveSubscriptions(['---^!']);
    }),
  );

  it(
    'should resolve future arguments before the run starts and pass their values',
    marbles((m) => {
      const one = task('one', () => m.cold('--(x|)', { x: 20 }));
      const add = task('add', (x: number, y: number) => m.cold('-(s|)', { s: x + y }));
      let sum!: TaskFuture<number>;
      void runTestFlow(m.scheduler, () => {
        sum = add.submit(one.submit(), 22);
      });
      m.expect(sum.result$).toBeObservable('---(s|)', { s: 42 });
    }),
  );

  it(
    'should run a chain of waitFor one after another at maxConcurrency 1',
    marbles((m) => {
      const body = m.cold<string>('-(v|)');
      const step = task('step', () => body);
      void runTestFlow(m.scheduler, () => {
        let previous = step.submit();
        for (let i = 0; i < 4; i++) previous = step.waitFor([previous]).submit();
      }, { maxConcurrency: 1 });
      m.expect(body).toHaveSubscriptions(['^!', '-^!', '--^!', '---^!', '----^!']);
    }),
  );
});

describe('states (virtual time)', () => {
  it(
    'should go Pending -> Running -> Completed, each transition an event on state$',
    marbles((m) => {
      const upstream = task('up', () => m.cold<string>('--(u|)'));
      const work = task('work', () => m.cold<string>('---(v|)'));
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.waitFor([upstream.submit()]).submit();
      });
      m.expect(future.state$.pipe(map((s) => s.name))).toBeObservable('p-r--(c|)', { p: 'Pending', r: 'Running', c: 'Completed' });
    }),
  );

  it(
    'should go Running -> Failed when the body errors',
    marbles((m) => {
      const work = task('work', () => m.cold<string>('--#', undefined, new Error('boom')));
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = work.submit();
      }).catch(() => undefined);
      m.expect(future.state$.pipe(map((s) => `${s.type}/${s.name}`))).toBeObservable('r-(f|)', {
        r: 'Running/Running',
        f: 'Failed/Failed',
      });
    }),
  );

  it(
    'should end a downstream of a failed upstream as UpstreamFailed without running it',
    marbles((m) => {
      const failing = task('failing', () => m.cold<string>('--#', undefined, new Error('boom')));
      const body = m.cold<string>('-(v|)');
      const downstream = task('down', (x: string) => body.pipe(map(() => x)));
      let future!: TaskFuture<string>;
      void runTestFlow(m.scheduler, () => {
        future = downstream.submit(failing.submit());
      }).catch(() => undefined);
      m.expect(future.state$.pipe(map((s) => s.name))).toBeObservable('p-(f|)', { p: 'Pending', f: 'UpstreamFailed' });
      m.expect(body).toHaveSubscriptions([]);
    }),
  );

  it(
    'should render the run name from resolved arguments before waiting on waitFor',
    marbles((m) => {
      const slow = task('slow', () => m.cold<string>('----(s|)'));
      const fast = task('fast', () => m.cold('-(x|)', { x: 'customers' }));
      const train = task({ name: 'train', taskRunName: 'train on {dataset}' }, (dataset: string) => m.cold('-(v|)', { v: dataset }));
      let future!: TaskFuture<string>;
      const names: string[] = [];
      void runTestFlow(m.scheduler, () => {
        future = train.waitFor([slow.submit()]).submit(fast.submit());
        names.push(future.name);
        m.scheduler.schedule(() => names.push(future.name), 2);
      });
      m.expect(future.result$).toBeObservable('-----(v|)', { v: 'customers' });
      m.scheduler.schedule(() => {
        // Before the argument resolved: the default name; after it, while still gated: the rendered one.
        expect(names).toEqual(['train-0', 'train on customers']);
      }, 3);
    }),
  );
});
