/**
 * A finished flow on BullMQTaskRunner on PostgreSQL does not keep its process alive, however it
 * ended (the database stopped included): each flow runs in a process of its own
 * (test/fixtures/bullmq-exit-flow.ts) against a real PostgreSQL server and a `sluice worker
 * --postgres` process, and that process must exit by itself.
 */
import { describe, it } from 'vitest';
import { startPostgresStore } from '../helpers/bullmq-store.js';
import { ENABLE_POSTGRES, hasPostgres } from '../helpers/postgres.js';
import { describeFlowProcessExits } from './bullmq-exit.shared.js';

if (hasPostgres) {
  describeFlowProcessExits('PostgreSQL', startPostgresStore);
} else {
  describe.skip(`BullMQ flow processes on PostgreSQL exit (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
