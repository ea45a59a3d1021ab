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

/**
 * Takes a body's value the way the engine does (a Promise's value, an Observable's last, or the
 * value itself) and hands it to `onValue`, or what was thrown or rejected to `onError`; exactly
 * one of them is called, once. One `then` at most: under AsyncLocalStorage's promise hooks, every
 * promise a job makes costs more.
 */
export function settleBody(value: unknown, taskName: string, onValue: (value: unknown) => void, onError: (error: unknown) => void): void {
  let done = false;
  const ok = (v: unknown): void => {
    if (done) return;
    if (isObservableLike(v)) {
      lastValue(v, taskName).then(ok, fail);
      return;
    }
    done = true;
    onValue(v);
  };
  const fail = (error: unknown): void => {
    if (done) return;
    done = true;
    onError(error);
  };
  if (((typeof value === 'object' && value !== null) || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function') {
    try {
      (value as PromiseLike<unknown>).then(ok, fail);
    } catch (error) {
      fail(error);
    }
    return;
  }
  ok(value);
}
