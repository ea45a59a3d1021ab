import { task } from '../../src/index.js';

/**
 * Workload E's task, at a module's top level as a worker needs it: the trivial body raw BullMQ's
 * processor also runs (`x => x + 1`).
 */
// eslint-disable-next-line @typescript-eslint/require-await
export const inc = task({ name: 'inc' }, async (x: number) => x + 1);
