/**
 * `sluice clean`: a dead flow process's queued jobs, or a whole queue, taken out of Redis.
 */
import { afterEach, describe, it } from 'vitest';
import { removeProbes } from '../conformance/tasks.js';
import { startRedisStore, type TestStore } from '../helpers/bullmq-store.js';
import { ENABLE_REDIS, hasRedis } from '../helpers/redis.js';
import { cleanDeadFlowThenQueue } from './bullmq-faults.shared.js';

describe.skipIf(!hasRedis)('sluice clean', () => {
  let store: TestStore | undefined;

  afterEach(async () => {
    await store?.stop(true);
    store = undefined;
    removeProbes();
  });

  it("takes out one dead flow run's queued jobs, then the whole queue with sluice's streams", async () => {
    store = await startRedisStore();
    await cleanDeadFlowThenQueue(store);
  }, 90_000);
});

if (!hasRedis) {
  describe.skip(`sluice clean (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
