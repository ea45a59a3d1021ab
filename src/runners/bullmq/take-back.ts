/**
 * Taking a run's job back when the engine stops the run (cancel, time-out) or the no-worker watch
 * fails it: removed while it waits, else a cancel for the worker running it. Closing the
 * connections waits for these, so the cancels go out before the process exits.
 *
 * @module
 * @internal
 */
import type { Connections } from './connections.js';

/** What the flows lose when Redis refuses the cancels. */
const CANCELS_LOST = 'Cancels and time-outs do not reach the workers: the bodies of those runs run on to their end';

/**
 * Removes a waiting job, or asks the worker running it to abort it (on `cancels`, the workers'
 * cancel stream); closing waits for it.
 */
export function takeBack(conn: Connections, id: string, cancels: string): void {
  if (conn.closing) return;
  const removing = removeOrCancel(conn, id, cancels);
  conn.removing.add(removing);
  void removing.then(() => conn.removing.delete(removing));
}

/** Removes a waiting job, or else asks the worker running it to abort it. */
export async function removeOrCancel(conn: Connections, id: string, cancels: string): Promise<void> {
  let removed: number;
  try {
    removed = await conn.queue.remove(id);
  } catch (error) {
    // Refused, it is said (once); Redis away, the run has ended already and a worker that
    // finishes the job is not heard.
    conn.warnings.refused(error, conn.queue.toKey(id), 'A cancelled or timed-out run\'s job cannot be taken back: a worker may run it yet');
    return;
  }
  // Sealed: closing gave up waiting (Redis is gone).
  if (removed === 1 || conn.sealed) return;
  try {
    await conn.home.sendCancel(conn.queue, id);
  } catch (error) {
    conn.warnings.refused(error, cancels, CANCELS_LOST);
  }
}
