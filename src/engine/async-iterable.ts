import type { Observable, Subscription } from 'rxjs';

/**
 * Reads an Observable as an AsyncIterable: values are buffered until read, an error is thrown by
 * the next read after the buffered values, and breaking out of the loop unsubscribes.
 *
 * @internal
 */
export function toAsyncIterable<T>(source: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const buffer: T[] = [];
      let head = 0;
      let ended = false;
      let failure: { error: unknown } | undefined;
      let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
      let subscription: Subscription | undefined;

      const flush = (): void => {
        if (waiting === undefined) return;
        const w = waiting;
        if (head < buffer.length) {
          waiting = undefined;
          const value = buffer[head++] as T;
          if (head === buffer.length) {
            buffer.length = 0;
            head = 0;
          }
          w.resolve({ value, done: false });
        } else if (failure !== undefined) {
          waiting = undefined;
          w.reject(failure.error);
        } else if (ended) {
          waiting = undefined;
          w.resolve({ value: undefined, done: true });
        }
      };

      const start = (): void => {
        subscription = source.subscribe({
          next: (value) => {
            buffer.push(value);
            flush();
          },
          error: (error: unknown) => {
            failure = { error };
            flush();
          },
          complete: () => {
            ended = true;
            flush();
          },
        });
      };

      return {
        next: () =>
          new Promise<IteratorResult<T>>((resolve, reject) => {
            waiting = { resolve, reject };
            if (subscription === undefined) start();
            flush();
          }),
        return: () => {
          subscription?.unsubscribe();
          ended = true;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
