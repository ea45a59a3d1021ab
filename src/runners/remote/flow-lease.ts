/**
 * What a runner that holds something (a thread pool, connections to Redis) shares with the flows
 * that use it: the last flow to end releases it, unless the runner was made to keep it.
 *
 * @module
 * @internal
 */
export class FlowLease {
  #flows = 0;

  constructor(
    private readonly keepAlive: boolean,
    private readonly release: () => Promise<void>,
  ) {}

  /** A flow that uses the runner has started. */
  open(): void {
    this.#flows++;
  }

  /** A flow that used the runner has ended: the last one releases, unless `keepAlive`. */
  async close(): Promise<void> {
    if (this.#flows > 0) this.#flows--;
    if (this.#flows === 0 && !this.keepAlive) await this.release();
  }
}
