// The marble example of docs/testing.md ("RxJS, and testing your flows with marbles"), verbatim: it must keep passing.
import { map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';
import { task, type TaskFutureList } from '../../src/index.js';
import { runTestFlow, startTestFlow, stateNames } from '../../src/testing/index.js';

const newScheduler = () =>
  new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });

it('limits a map to two bodies at once, streams values as they finish, and keeps input order', () => {
  const scheduler = newScheduler();
  scheduler.run(({ cold, expectObservable }) => {
    // A body takes one frame per letter, then emits the word in capitals.
    const shout = task('shout', (word: string) => cold(`${'-'.repeat(word.length)}(v|)`, { v: word.toUpperCase() }));

    let futures!: TaskFutureList<string>;
    void runTestFlow(scheduler, () => {
      futures = shout.map(['aaaa', 'b', 'cc']);
    }, { maxConcurrency: 2 });

    // 'cc' waits for a slot until 'b' finishes at frame 1, then runs two frames.
    expectObservable(futures.values$).toBe('-b-c(a|)', { a: 'AAAA', b: 'B', c: 'CC' });
    expectObservable(futures.result$).toBe('----(r|)', { r: ['AAAA', 'B', 'CC'] });
    expectObservable(stateNames(futures[2]!)).toBe('pr-(c|)', { p: 'Pending', r: 'Running', c: 'Completed' });
  });
});

it('retries a flaky download after 5 ms, twice, then completes, in virtual time', () => {
  const scheduler = newScheduler();
  scheduler.run(({ cold, expectObservable }) => {
    let attempt = 0;
    const download = task({ name: 'download', retries: 2, retryDelay: 5 }, (url: string) =>
      ++attempt < 3 ? cold<string>('--#', undefined, new Error('503')) : cold('---(p|)', { p: `page of ${url}` }),
    );

    const handle = startTestFlow(scheduler, () => download.submit('a.example'));

    const timeline = handle.events$.pipe(
      map((e) => `${e.timestamp} ${e.type === 'run-state' ? e.state.name : e.type}`),
      toArray(),
    );
    expectObservable(timeline).toBe('-----------------(t|)', {
      t: [
        '0 flow-started', '0 run-submitted', '0 Pending', '0 Running',
        '2 AwaitingRetry', '7 Retrying', // attempt 1 failed at 2; 5 ms later, attempt 2
        '9 AwaitingRetry', '14 Retrying', // attempt 2 failed at 9; attempt 3 runs 3 frames
        '17 Completed', '17 flow-finished',
      ],
    });
  });
});
