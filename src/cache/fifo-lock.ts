/**
 * Serialises the holders of a key within this process, first come first served: the memory
 * store's lock, and the first step of the other stores' locks, so that a release wakes the next
 * holder in this process at once instead of at its next poll.
 *
 * @internal
 */
export class KeyedFifo {
  /** A key is held while it is in the map; its array holds the waiters, oldest first. */
  readonly #waiting = new Map<string, Array<() => void>>();

  /** Resolves with the release function once `key` is this caller's; rejects with the signal's reason. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const queue = this.#waiting.get(key);
    if (queue === undefined) {
      this.#waiting.set(key, []);
      return Promise.resolve(this.#releaser(key));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser(key));
      };
      queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Holds `key` here first, then takes the outer lock (a file's, Redis'): the lock's release gives
   * the outer one back, once, and then lets the next holder in this process go.
   */
  async around(key: string, signal: AbortSignal | undefined, take: () => Promise<() => Promise<void>>): Promise<{ release(): Promise<void> }> {
    const local = await this.acquire(key, signal);
    let giveBack: () => Promise<void>;
    try {
      giveBack = await take();
    } catch (error) {
      local();
      throw error;
    }
    let released: Promise<void> | undefined;
    return { release: () => (released ??= giveBack().finally(local)) };
  }

  #releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.get(key)?.shift();
      if (next === undefined) this.#waiting.delete(key);
      else next();
    };
  }
}
