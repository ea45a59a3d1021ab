import { describe, expect, it } from 'vitest';
import { cachePolicies, task, type TaskFuture } from '../../src/index.js';
import { runTestFlow } from '../../src/testing/index.js';
import { marbles } from '../helpers/marbles.js';
import { mapStore } from '../helpers/map-store.js';


describe('task caching (virtual time)', () => {
  it(
    'should end a hit Cached in the frame it is looked up, without subscribing to the body',
    marbles((m) => {
      const body = m.cold<string>('--(v|)');
      const work = task({ name: 'work', cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, (_x: number) => body);
      let first!: TaskFuture<string>;
      const seen: string[] = [];
      void runTestFlow(m.scheduler, () => {
        first = work.submit(1);
      });
      m.scheduler.schedule(() => {
        void runTestFlow(m.scheduler, () => {
          const second = work.submit(1);
          second.state$.subscribe((s) => seen.push(`${s.name}@${s.timestamp}`));
          second.result$.subscribe((v) => seen.push(`value ${v}`));
        });
      }, 5);
      m.expect(body).toHaveSubscriptions(['^-!']);
      m.scheduler.schedule(() => {
        expect(seen).toEqual(['Pending@5', 'Cached@5', 'value v']);
      }, 10);
      m.expect(first.result$).toBeObservable('--(v|)');
    }),
  );

  it(
    'should read a record older than cacheExpiration as a miss, in virtual time',
    marbles((m) => {
      const body = m.cold<string>('-(v|)');
      const work = task({ name: 'work', cachePolicy: cachePolicies.inputs, cacheExpiration: 10, resultStorage: mapStore() }, (_x: number) => body);
      const states: string[] = [];
      const at = (frame: number): void => {
        m.scheduler.schedule(() => {
          void runTestFlow(m.scheduler, () => {
            const run = work.submit(1);
            run.state$.subscribe((s) => {
              if (s.type === 'Completed') states.push(`${frame}:${s.name}@${s.timestamp}`);
            });
          });
        }, frame);
      };
      at(0); // stored at frame 1, good until frame 11
      at(5); // a hit
      at(11); // expired: the body runs again, and stores anew at 12
      at(15); // a hit on the new record
      m.expect(body).toHaveSubscriptions(['^!', '-----------^!']);
      m.scheduler.schedule(() => {
        expect(states).toEqual(['0:Completed@1', '5:Cached@5', '11:Completed@12', '15:Cached@15']);
      }, 30);
    }),
  );
});
