import type { Observable } from 'rxjs';

/** Where a producer puts what an iterator hands out. @internal */
export interface Push<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * An AsyncIterator over what a producer pushes: values wait in a buffer until read, an error is
 * thrown by the read after the buffered values, and `return()` (leaving a `for await` loop)
 * stops the producer. The producer starts on the first read. `buffered()` says how many values
 * wait unread, and `onRead` is told after each read, so a producer can stop and go on with the
 * reader.
 *
 * @internal
 */
export function bufferedIterator<T>(
  start: (push: Push<T>) => { stop(): void },
  onRead?: () => void,
): AsyncIterator<T> & { buffered(): number } {
  const buffer: T[] = [];
  let head = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  let producer: { stop(): void } | undefined;

  const flush = (): void => {
    const w = waiting;
    if (w === undefined) return;
    if (head < buffer.length) {
      waiting = undefined;
      const value = buffer[head++] as T;
      if (head === buffer.length) {
        buffer.length = 0;
        head = 0;
      }
      w.resolve({ value, done: false });
      onRead?.();
    } else if (failure !== undefined) {
      waiting = undefined;
      w.reject(failure.error);
    } else if (ended) {
      waiting = undefined;
      w.resolve({ value: undefined, done: true });
    }
  };
  const push: Push<T> = {
    next: (value) => {
      buffer.push(value);
      flush();
    },
    error: (error) => {
      failure = { error };
      flush();
    },
    complete: () => {
      ended = true;
      flush();
    },
  };
  return {
    next: () =>
      new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = { resolve, reject };
        producer ??= start(push);
        flush();
      }),
    return: () => {
      producer?.stop();
      ended = true;
      return Promise.resolve({ value: undefined, done: true });
    },
    buffered: () => buffer.length - head,
  };
}

/**
 * Reads an Observable as an AsyncIterable: each loop subscribes, values wait in a buffer until
 * read, and breaking out of the loop unsubscribes.
 *
 * @internal
 */
export function toAsyncIterable<T>(source: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () =>
      bufferedIterator<T>((push) => {
        const subscription = source.subscribe(push);
        return { stop: () => subscription.unsubscribe() };
      }),
  };
}
