/**
 * A flow run's heartbeat in the store (Redis or PostgreSQL), so that workers can tell its jobs from orphans: a flow process
 * that dies (SIGKILL, a lost machine) leaves its queued jobs behind, and without a heartbeat they
 * would all run for nobody. The runner sets a key with a lease while its flow run has jobs, and
 * renews it; a worker skips a job whose flow run's key has expired.
 *
 * @module
 * @internal
 */

/**
 * The key of a flow run's heartbeat: in the queue's own key space, so the ACL a queue needs
 * (`~<prefix>:<queue>:*`) covers it.
 */
export function heartbeatKey(prefix: string, queue: string, flowRunId: string): string {
  return `${prefix}:${queue}:sluice-flow:${flowRunId}`;
}

/** The runner's side: the heartbeats it keeps, renewed at a third of their lease. */
export class Heartbeats {
  readonly #beatAt = new Map<string, number>();

  constructor(
    /** How long a heartbeat outlives a flow process that stopped renewing it, in ms. */
    readonly lease: number,
  ) {}

  /**
   * Sets the heartbeats of `flowRunIds` that are new or a third of their lease old, and resolves
   * when the store has them (`set`; before their jobs are added: a worker must never find a job
   * first). Heartbeats of flow runs not given are forgotten here and lapse in the store.
   */
  beat(set: (flowRunIds: readonly string[], lease: number) => Promise<void>, flowRunIds: ReadonlySet<string>, now: number, forget: boolean): Promise<unknown> {
    const due: string[] = [];
    for (const id of flowRunIds) {
      const at = this.#beatAt.get(id);
      if (at === undefined || now - at >= this.lease / 3) due.push(id);
    }
    if (forget) for (const id of this.#beatAt.keys()) if (!flowRunIds.has(id)) this.#beatAt.delete(id);
    if (due.length === 0) return Promise.resolve();
    for (const id of due) this.#beatAt.set(id, now);
    return set(due, this.lease).catch((error: unknown) => {
      // Not set: try again on the next beat.
      for (const id of due) this.#beatAt.delete(id);
      throw error;
    });
  }
}

/** The worker's side: whether a job's flow run is still there, asked at most once a second per flow run. */
export class FlowWatch {
  readonly #aliveUntil = new Map<string, number>();

  /** `alive` asks the store whether a flow run's heartbeat is there. */
  constructor(readonly alive: (flowRunId: string) => Promise<boolean>) {}

  /** True when the flow run's heartbeat has lapsed: its job is an orphan. */
  isOrphan(flowRunId: string, lease: number, now: number): boolean | Promise<boolean> {
    const until = this.#aliveUntil.get(flowRunId);
    if (until !== undefined && now < until) return false;
    return this.alive(flowRunId).then((found) => {
      if (!found) {
        this.#aliveUntil.delete(flowRunId);
        return true;
      }
      // A flow run is looked up again after a second at most, and within its lease.
      this.#aliveUntil.set(flowRunId, now + Math.min(1000, lease / 3));
      if (this.#aliveUntil.size > 10_000) this.#aliveUntil.clear();
      return false;
    });
  }
}
