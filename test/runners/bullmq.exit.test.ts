/**
 * A finished flow on BullMQTaskRunner does not keep its process alive, however it ended: each
 * flow runs in a process of its own (test/fixtures/bullmq-exit-flow.ts) against a real
 * redis-server and a `sluice worker` process, and that process must exit by itself.
 */
import { describe, it } from 'vitest';
import { startRedisStore } from '../helpers/bullmq-store.js';
import { ENABLE_REDIS, hasRedis } from '../helpers/redis.js';
import { describeFlowProcessExits } from './bullmq-exit.shared.js';

if (hasRedis) {
  describeFlowProcessExits('Redis', startRedisStore);
} else {
  describe.skip(`BullMQ flow processes exit (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
