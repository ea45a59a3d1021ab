import { rxjs } from '../core/lazy-rxjs.js';

/**
 * The stores' waits, on RxJS's async scheduler as every delay in sluice is.
 *
 * @internal
 */

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(signal?.reason);
    };
    const subscription = rxjs()
      .timer(ms)
      .subscribe(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or a rejection with `late()` if it has not settled after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, late: () => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const subscription = rxjs()
      .timer(ms)
      .subscribe(() => reject(late()));
    promise.then(
      (value) => {
        subscription.unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        subscription.unsubscribe();
        reject(error);
      },
    );
  });
}
