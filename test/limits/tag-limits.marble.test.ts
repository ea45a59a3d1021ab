import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, concurrencyLimits, flow, isSluiceError, task, type FlowEvent, type Limits, type TaskFuture } from '../../src/index.js';
import { marbles } from '../helpers/marbles.js';
import type { SchedulerLike } from 'rxjs';

/** Runs `body` as a flow on `scheduler` with `limits` and a runner of `maxConcurrency`. */
function limitedFlow<R>(scheduler: SchedulerLike, limits: Limits, body: () => R, maxConcurrency = Number.POSITIVE_INFINITY): Promise<unknown> {
  return flow({ name: 'tagged', taskRunner: new ConcurrentTaskRunner({ maxConcurrency }), scheduler, progress: false, limits }, body)();
}

describe('tag concurrency limits (virtual time)', () => {
  it(
    'should run at most the tag limit at once, and hand a freed slot to the next run in the same frame',
    marbles((m) => {
      const body = m.cold('--a|');
      const call = task({ name: 'call_crm', tags: ['crm-api'] }, (x: number) => body.pipe(map(() => x)));
      let futures!: ReturnType<typeof call.map>;
      void limitedFlow(m.scheduler, concurrencyLimits({ 'crm-api': 2 }), () => {
        futures = call.map([1, 2, 3, 4, 5]);
      });
      m.expect(body).toHaveSubscriptions(['^--!', '^--!', '---^--!', '---^--!', '------^--!']);
      m.expect(futures.result$).toBeObservable('---------(x|)', { x: [1, 2, 3, 4, 5] });
    }),
  );

  it(
    'should hold no runner slot while waiting for a tag: an untagged run takes the free runner slot at once',
    marbles((m) => {
      const tagged = m.cold('----a|');
      const other = m.cold('-o|');
      const call = task({ name: 'call', tags: ['db'] }, (_n: number) => tagged);
      const free = task('free', () => other);
      void limitedFlow(
        m.scheduler,
        concurrencyLimits({ db: 1 }),
        () => {
          call.map([1, 2]); // the second waits for "db", in no runner slot
          free.submit(); // takes the runner's second slot at once
        },
        2,
      );
      m.expect(tagged).toHaveSubscriptions(['^----!', '-----^----!']);
      m.expect(other).toHaveSubscriptions(['^-!']);
    }),
  );

  it(
    'should take every limited tag at once: runs with overlapping tags in either order never deadlock',
    marbles((m) => {
      const body = m.cold('-a|');
      const xy = task({ name: 'xy', tags: ['x', 'y'] }, (_n: number) => body);
      const yx = task({ name: 'yx', tags: ['y', 'x'] }, (_n: number) => body);
      let all!: TaskFuture<unknown>[];
      void limitedFlow(m.scheduler, concurrencyLimits({ x: 1, y: 1 }), () => {
        all = [...xy.map([1, 2]), ...yx.map([1, 2])];
      });
      m.expect(body).toHaveSubscriptions(['^-!', '--^-!', '----^-!', '------^-!']);
      m.expect(all[3]?.result$ ?? m.cold('')).toBeObservable('--------(a|)');
    }),
  );

  it(
    'should serve waiters in the order they came: a run needing two tags is not overtaken by a later run needing one of them',
    marbles((m) => {
      const long = m.cold('----a|');
      const short = m.cold('-b|');
      const holdX = task({ name: 'hold_x', tags: ['x'] }, () => long);
      const needsXY = task({ name: 'needs_xy', tags: ['x', 'y'] }, () => short);
      const needsY = task({ name: 'needs_y', tags: ['y'] }, () => short);
      void limitedFlow(m.scheduler, concurrencyLimits({ x: 1, y: 1 }), () => {
        holdX.submit(); // holds x for 5 frames
        needsXY.submit(); // waits for x; first in line for y too
        needsY.submit(); // y is free, but needs_xy came first: it waits its turn
      });
      m.expect(long).toHaveSubscriptions(['^----!']);
      // needs_xy at 5 (x freed), needs_y at 7 (when needs_xy gives y back).
      m.expect(short).toHaveSubscriptions(['-----^-!', '-------^-!']);
    }),
  );

  it(
    'should let a run cancelled while it waits leave the queue, so the next run gets the slot',
    marbles((m) => {
      const body = m.cold('----a|');
      const call = task({ name: 'call', tags: ['db'] }, (_n: number) => body);
      let futures!: ReturnType<typeof call.map>;
      void limitedFlow(m.scheduler, concurrencyLimits({ db: 1 }), () => {
        futures = call.map([1, 2, 3]);
        m.scheduler.schedule(() => futures[1]?.cancel(), 2);
      }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions(['^----!', '-----^----!']);
      m.expect((futures[1] as TaskFuture<unknown>).state$.pipe(map((s) => s.name))).toBeObservable('p-(c|)', { p: 'Pending', c: 'Cancelled' });
    }),
  );

  it(
    'should not gate a tag that has no limit, as in Prefect',
    marbles((m) => {
      const body = m.cold('--a|');
      const call = task({ name: 'call', tags: ['crm-api', 'no-limit'] }, (_n: number) => body);
      void limitedFlow(m.scheduler, concurrencyLimits({ other: 1 }), () => {
        call.map([1, 2, 3]);
      });
      m.expect(body).toHaveSubscriptions(['^--!', '^--!', '^--!']);
    }),
  );

  it(
    'should fail a run whose tag has a limit of 0 at once, naming the tag, without running its body',
    marbles((m) => {
      const body = m.cold('-a|');
      const send = task({ name: 'send', tags: ['ok', 'smtp'] }, () => body);
      let future!: TaskFuture<unknown>;
      void limitedFlow(m.scheduler, concurrencyLimits({ ok: 3, smtp: 0 }), () => {
        future = send.submit();
      }).catch(() => undefined);
      m.expect(body).toHaveSubscriptions([]);
      m.expect(future.state$.pipe(map((s) => (s.type === 'Failed' && isSluiceError(s.error, 'TAG_LIMIT_ZERO') ? `${s.error.tag}` : s.name)))).toBeObservable('(s|)', { s: 'smtp' });
    }),
  );

  it(
    'should give the slot back whatever the end: a failed run, a timed-out run',
    marbles((m) => {
      const fails = m.cold('-#');
      const hangs = m.cold('-');
      const ok = m.cold('-a|');
      const failing = task({ name: 'failing', tags: ['db'] }, () => fails);
      const hanging = task({ name: 'hanging', tags: ['db'], timeout: 3 }, () => hangs);
      const fine = task({ name: 'fine', tags: ['db'] }, () => ok);
      void limitedFlow(m.scheduler, concurrencyLimits({ db: 1 }), () => {
        void failing.submit().wait();
        void hanging.submit().wait();
        fine.submit();
      }).catch(() => undefined);
      m.expect(fails).toHaveSubscriptions(['^!']);
      m.expect(hangs).toHaveSubscriptions(['-^--!']);
      m.expect(ok).toHaveSubscriptions(['----^-!']);
    }),
  );

  it(
    'should count a direct call against its tags, lending its caller\'s runner slot while it waits',
    marbles((m) => {
      const holder = m.cold('---a|');
      const body = m.cold('-b|');
      const hold = task({ name: 'hold', tags: ['db'] }, () => holder);
      const direct = task({ name: 'direct', tags: ['db'] }, () => body);
      const parent = task('parent', () => direct());
      const free = task('free', () => body);
      void limitedFlow(
        m.scheduler,
        concurrencyLimits({ db: 1 }),
        () => {
          hold.submit(); // slot 1, holds "db" for 4 frames
          parent.submit(); // slot 2: its direct call waits for "db", its slot lent
          m.scheduler.schedule(() => free.submit(), 1); // takes the lent slot
        },
        2,
      );
      m.expect(holder).toHaveSubscriptions(['^---!']);
      m.expect(body).toHaveSubscriptions(['-^-!', '----^-!']);
    }),
  );

  it(
    'should carry the task\'s tags on every run event, the same array for every run',
    marbles((m) => {
      const call = task({ name: 'call', tags: ['crm-api'] }, (x: number) => x).with({ tags: ['eu'] });
      const events: FlowEvent[] = [];
      const handle = flow({ name: 'tagged', scheduler: m.scheduler, progress: false }, () => call.map([1, 2])).start();
      handle.events$.subscribe((e) => events.push(e));
      m.scheduler.flush();
      const runEvents = events.filter((e) => e.type === 'run-submitted' || e.type === 'run-state');
      expect(runEvents.length).toBeGreaterThan(2);
      const tags = runEvents.map((e) => (e.type === 'run-submitted' || e.type === 'run-state' ? e.tags : undefined));
      expect(tags[0]).toEqual(['crm-api', 'eu']);
      expect(Object.isFrozen(tags[0])).toBe(true);
      expect(tags.every((t) => t === tags[0])).toBe(true);
    }),
  );
});
