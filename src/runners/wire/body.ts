/**
 * Running a task body away from the engine (in a worker thread or a worker process): its value,
 * taken the way the engine takes it. No RxJS import: an Observable body is read through its
 * `subscribe`.
 *
 * @module
 * @internal
 */

interface ObservableLike {
  subscribe(observer: { next(value: unknown): void; error(error: unknown): void; complete(): void }): unknown;
}

function isObservableLike(value: unknown): value is ObservableLike {
  return typeof value === 'object' && value !== null && typeof (value as { subscribe?: unknown }).subscribe === 'function' && typeof (value as { then?: unknown }).then !== 'function';
}

/** The last value of an Observable body, as the engine takes it. */
function lastValue(source: ObservableLike, taskName: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let last: unknown;
    let has = false;
    source.subscribe({
      next: (value) => {
        last = value;
        has = true;
      },
      error: reject,
      complete: () => {
        if (has) {
          resolve(last);
          return;
        }
        const error = new Error(
          `task "${taskName}" returned an Observable that completed without a value; a task body must emit at least one value (its last value is the result).`,
        );
        error.name = 'EmptyResultError';
        Object.assign(error, { code: 'EMPTY_RESULT' });
        reject(error);
      },
    });
  });
}

/** Calls a body and resolves to its value: a Promise's, or an Observable's last. */
export async function callBody(fn: (...args: unknown[]) => unknown, args: readonly unknown[], taskName: string): Promise<unknown> {
  const value = await fn(...args);
  return isObservableLike(value) ? lastValue(value, taskName) : value;
}
