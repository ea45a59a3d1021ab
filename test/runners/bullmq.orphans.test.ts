/**
 * Orphans: when a flow process dies, workers skip its queued jobs once its heartbeat lapses,
 * instead of running them for nobody.
 */
import { afterEach, describe, it } from 'vitest';
import { removeProbes } from '../conformance/tasks.js';
import { startRedisStore, type TestStore } from '../helpers/bullmq-store.js';
import { ENABLE_REDIS, hasRedis, killWorkers, type WorkerProcess } from '../helpers/redis.js';
import { keepLiveFlowsJobs, skipDeadFlowsJobs } from './bullmq-faults.shared.js';

describe.skipIf(!hasRedis)('orphaned jobs', () => {
  let store: TestStore | undefined;
  let workers: WorkerProcess[] = [];

  afterEach(async () => {
    await killWorkers(workers);
    workers = [];
    await store?.stop(true);
    store = undefined;
    removeProbes();
  });

  it("skips a dead flow process's queued jobs once its heartbeat lapses, instead of running them for nobody", async () => {
    store = await startRedisStore();
    await skipDeadFlowsJobs(store, workers);
  }, 60_000);

  it('never skips the jobs of a live flow, however long they wait past the lease', async () => {
    store = await startRedisStore();
    await keepLiveFlowsJobs(store, workers);
  }, 60_000);
});

if (!hasRedis) {
  describe.skip(`orphaned jobs (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
