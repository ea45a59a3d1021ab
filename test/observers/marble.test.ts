import { map, take, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { task } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';

describe('task.observe (cold, cancel on unsubscribe)', () => {
  it(
    'should start a run per subscription and emit its value',
    marbles((m) => {
      const body = m.cold<string>('--(v|)');
      const work = task('work', () => body);
      void runTestFlow(m.scheduler, () => {
        const run$ = work.observe();
        m.expect(run$).toBeObservable('--(v|)');
        m.expect(run$, '---^').toBeObservable('-----(v|)');
      });
      m.expect(body).toHaveSubscriptions(['^-!', '---^-!']);
    }),
  );

  it(
    'should cancel the run when unsubscribed before it finishes: the body is unsubscribed and the signal aborts',
    marbles((m) => {
      const body = m.cold<string>('-----(v|)');
      const work = task('work', () => body);
      void runTestFlow(m.scheduler, () => {
        m.expect(work.observe(), '^-!').toBeObservable('---');
      });
      m.expect(body).toHaveSubscriptions(['^-!']);
    }),
  );

  it('should leave the run Cancelled after an unsubscribe (takeUntil-style)', async () => {
    const { getRunContext } = await import('../../src/index.js');
    let signal: AbortSignal | undefined;
    const slow = task('slow', () => {
      signal = getRunContext().signal;
      return timer(1000).pipe(map(() => 'late'));
    });
    const values: string[] = [];
    const subscription = slow.observe().pipe(take(1)).subscribe((v) => values.push(v));
    await Promise.resolve(); // the body starts after the caller's synchronous code
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
    expect(values).toEqual([]);
  });
});
