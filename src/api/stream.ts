/**
 * `task.mapStream(source)`: map a task over a source of unbounded length with bounded memory.
 *
 * @module
 */
import type { Observable, Subscription } from 'rxjs';
import { rxjs } from '../core/lazy-rxjs.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import { checkConcurrency, checkInteger, checkOneOf } from '../core/option-checks.js';
import { StreamOverflowError } from '../core/errors/stream.js';
import { Run, type RunGroup } from '../engine/run.js';
import type { RunRecord } from '../engine/run-record.js';
import { bufferedIterator } from '../engine/async-iterable.js';
import { trampolineCall } from '../core/trampoline.js';

/**
 * What `mapStream` reads: pulled on demand (iterables) or pushed (Observables).
 *
 * @example
 * ```ts
 * import { interval, take } from 'rxjs';
 * import { task, type StreamSource } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const ticks: StreamSource<number> = interval(10).pipe(take(3));
 * double.mapStream(ticks).subscribe((value) => console.log(value)); // 0, 2, 4
 * ```
 */
export type StreamSource<T> = Iterable<T> | AsyncIterable<T> | Observable<T>;

/**
 * Options of `task.mapStream`.
 *
 * @example
 * ```ts
 * import { task, type MapStreamOptions } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const options: MapStreamOptions = { maxConcurrency: 8, ordered: false };
 * for await (const value of double.mapStream([1, 2, 3], options)) console.log(value);
 * ```
 */
export interface MapStreamOptions {
  /**
   * How many runs of the stream may be unfinished at once (on top of the runner's limit). With
   * `ordered`, results waiting for an earlier one count too, so memory stays bounded when the
   * head of the stream is slow.
   *
   * @defaultValue 16 (`MAP_STREAM_DEFAULTS.maxConcurrency`)
   */
  readonly maxConcurrency?: number;
  /**
   * Emit results in input order (`true`) or as runs finish (`false`).
   *
   * @defaultValue `true` (`MAP_STREAM_DEFAULTS.ordered`)
   */
  readonly ordered?: boolean;
  /**
   * For an Observable source, which cannot be asked to wait: how many items may wait for a free
   * slot. Iterables are pulled only when a slot frees and need no buffer.
   *
   * @defaultValue 1000 (`MAP_STREAM_DEFAULTS.bufferSize`)
   */
  readonly bufferSize?: number;
  /**
   * What happens when an Observable source overflows `bufferSize`: `'error'` ends the stream with
   * a `StreamOverflowError` (code `STREAM_OVERFLOW`); `'drop-newest'` drops the arriving item;
   * `'drop-oldest'` drops the oldest waiting item.
   *
   * @defaultValue `'error'` (`MAP_STREAM_DEFAULTS.overflow`)
   */
  readonly overflow?: 'error' | 'drop-newest' | 'drop-oldest';
}

/**
 * The defaults of {@link MapStreamOptions}.
 *
 * @example
 * ```ts
 * import { MAP_STREAM_DEFAULTS } from 'sluice';
 * console.log(MAP_STREAM_DEFAULTS.maxConcurrency, MAP_STREAM_DEFAULTS.overflow); // 16 'error'
 * ```
 */
export const MAP_STREAM_DEFAULTS = {
  maxConcurrency: 16,
  ordered: true,
  bufferSize: 1000,
  overflow: 'error',
} as const satisfies Required<MapStreamOptions>;

/**
 * Results of `mapStream`: an Observable and an AsyncIterable at once.
 *
 * @example
 * ```ts
 * import { task, type TaskStream } from 'sluice';
 * const double = task('double', (x: number) => 2 * x);
 * const stream: TaskStream<number> = double.mapStream([1, 2, 3]);
 * for await (const value of stream) console.log(value); // 2, 4, 6
 * ```
 */
export type TaskStream<R> = Observable<R> & AsyncIterable<R>;

interface Options {
  readonly maxConcurrency: number;
  readonly ordered: boolean;
  readonly bufferSize: number;
  readonly overflow: 'error' | 'drop-newest' | 'drop-oldest';
}

function checkOptions(taskName: string, options: MapStreamOptions): Options {
  const where = `task "${taskName}": mapStream`;
  return {
    maxConcurrency: checkConcurrency(options.maxConcurrency ?? MAP_STREAM_DEFAULTS.maxConcurrency, where),
    ordered: options.ordered ?? MAP_STREAM_DEFAULTS.ordered,
    bufferSize: checkInteger(options.bufferSize ?? MAP_STREAM_DEFAULTS.bufferSize, 'bufferSize', where, { min: 0, orInfinity: true }),
    overflow: checkOneOf(options.overflow ?? MAP_STREAM_DEFAULTS.overflow, 'overflow', where, ['error', 'drop-newest', 'drop-oldest']),
  };
}

/** A source read one item at a time: `pull` calls back with an item, or with done. */
interface Puller<T> {
  /** Asks for one item; `got` is called once (maybe synchronously) with it or with `done`. */
  pull(got: (done: boolean, item?: T, error?: { error: unknown }) => void): void;
  stop(): void;
}

function iterablePuller<T>(iterable: Iterable<T>): Puller<T> {
  const iterator = iterable[Symbol.iterator]();
  return {
    pull(got) {
      let step: IteratorResult<T>;
      try {
        step = iterator.next();
      } catch (error) {
        got(true, undefined, { error });
        return;
      }
      if (step.done === true) got(true);
      else got(false, step.value);
    },
    stop() {
      iterator.return?.();
    },
  };
}

function asyncIterablePuller<T>(iterable: AsyncIterable<T>): Puller<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  return {
    pull(got) {
      iterator.next().then(
        (step) => {
          if (step.done === true) got(true);
          else got(false, step.value);
        },
        (error: unknown) => {
          got(true, undefined, { error });
        },
      );
    },
    stop() {
      void iterator.return?.()?.catch(() => undefined);
    },
  };
}

/**
 * An Observable cannot be asked to wait: its items queue in a bounded buffer with an overflow
 * policy, and `pull` takes from the buffer.
 */
function observablePuller<T>(source: Observable<T>, options: Options, taskName: string, onFailure: (error: unknown) => void): Puller<T> {
  const buffer: T[] = [];
  let head = 0;
  let ended = false;
  let waiting: ((done: boolean, item?: T, error?: { error: unknown }) => void) | undefined;
  let subscription: Subscription | undefined;
  const hand = (): void => {
    const got = waiting;
    if (got === undefined) return;
    if (head < buffer.length) {
      waiting = undefined;
      const item = buffer[head] as T;
      buffer[head++] = undefined as T;
      if (head > 1024 && head * 2 > buffer.length) {
        buffer.splice(0, head);
        head = 0;
      }
      got(false, item);
    } else if (ended) {
      waiting = undefined;
      got(true);
    }
  };
  const start = (): void => {
    subscription = source.subscribe({
      next: (item) => {
        if (waiting !== undefined && head === buffer.length) {
          buffer.push(item);
          hand();
          return;
        }
        if (buffer.length - head >= options.bufferSize) {
          if (options.overflow === 'drop-newest') return;
          if (options.overflow === 'drop-oldest') {
            if (head < buffer.length) buffer[head++] = undefined as T;
            if (options.bufferSize === 0) return;
          } else {
            // An overflow ends the stream at once, not after the items already waiting.
            subscription?.unsubscribe();
            onFailure(new StreamOverflowError(taskName, options.bufferSize));
            return;
          }
        }
        buffer.push(item);
      },
      // A source error ends the stream at once, as in RxJS.
      error: (error: unknown) => {
        onFailure(error);
      },
      complete: () => {
        ended = true;
        hand();
      },
    });
  };
  return {
    pull(got) {
      waiting = got;
      if (subscription === undefined) start();
      hand();
    },
    stop() {
      subscription?.unsubscribe();
    },
  };
}

function checkSource(source: unknown, taskName: string): void {
  if (rxjs().isObservable(source)) return;
  if (typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source)) return;
  throw new InvalidArgumentError(
    `task "${taskName}": mapStream needs an Iterable, an AsyncIterable or an Observable, got ${source === null ? 'null' : typeof source}`,
  );
}

function pullerFor<T>(source: StreamSource<T>, options: Options, taskName: string, onFailure: (error: unknown) => void): Puller<T> {
  if (rxjs().isObservable(source)) return observablePuller(source, options, taskName, onFailure);
  if (Symbol.asyncIterator in source) return asyncIterablePuller(source);
  return iterablePuller(source);
}

/** Where a stream's results go, and whether it can take more now. */
interface Sink<R> {
  next(value: R): void;
  error(error: unknown): void;
  complete(): void;
  /** False while results wait unread (an AsyncIterable consumer is slow): stop pulling. */
  wantsMore(): boolean;
}

/**
 * Runs the stream: pulls an item when a slot frees, starts its run, delivers results in order (or
 * as they finish), and stops (cancelling its unfinished runs) on failure or when told to.
 * Returns `stop` and `resume` (call it when the sink wants more again).
 */
function runStream<R>(
  group: RunGroup,
  taskName: string,
  source: StreamSource<unknown>,
  options: Options,
  sink: Sink<R>,
): { stop: () => void; resume: () => void } {
  // Unfinished runs, with their index in the source.
  const live = new Map<Run<R>, number>();
  // Ordered delivery: values that finished ahead of their turn wait here, by index.
  const parked = new Map<number, R>();
  let nextIndex = 0;
  let nextToDeliver = 0;
  let pulling = false;
  let filling = false;
  let sourceDone = false;
  let stopped = false;
  const puller = pullerFor(source, options, taskName, (error) => {
    fail(error);
  });

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    puller.stop();
    for (const run of [...live.keys()]) run.cancel('its stream was unsubscribed or failed');
  };
  const fail = (error: unknown): void => {
    stop();
    sink.error(error);
  };
  // In order, a result waiting for an earlier one still counts: memory stays bounded.
  const unfinished = (): number => (options.ordered ? nextIndex - nextToDeliver : live.size);
  const maybeComplete = (): void => {
    if (sourceDone && live.size === 0 && parked.size === 0 && !stopped) {
      stopped = true;
      sink.complete();
    }
  };
  const deliver = (index: number, value: R): void => {
    if (!options.ordered) {
      sink.next(value);
      return;
    }
    if (index !== nextToDeliver) {
      parked.set(index, value);
      return;
    }
    sink.next(value);
    nextToDeliver++;
    while (parked.has(nextToDeliver)) {
      const next = parked.get(nextToDeliver) as R;
      parked.delete(nextToDeliver);
      sink.next(next);
      nextToDeliver++;
    }
  };
  const onRunDone = (finished: RunRecord<unknown>): void => {
    const run = finished as unknown as Run<R>;
    const index = live.get(run) ?? 0;
    live.delete(run);
    if (stopped) return;
    run.markObserved();
    if (!run.isCompleted) {
      fail(run.failureError());
      return;
    }
    deliver(index, run.outcomeValue() as R);
    fill();
    maybeComplete();
  };
  const got = (done: boolean, item?: unknown, error?: { error: unknown }): void => {
    pulling = false;
    if (stopped) return;
    if (error !== undefined) {
      fail(error.error);
      return;
    }
    if (done) {
      sourceDone = true;
      maybeComplete();
      return;
    }
    const run = new Run<R>(group, [item]);
    live.set(run, nextIndex++);
    run.onTerminal(onRunDone);
    trampolineCall(startRun, run as Run<unknown>);
    // An item that came asynchronously restarts the loop; one that came at once continues it.
    if (!filling) fill();
  };
  // Pull while a slot is free: an iterable is never read ahead of what can run.
  const fill = (): void => {
    if (filling) return;
    filling = true;
    while (!pulling && !sourceDone && !stopped && unfinished() < options.maxConcurrency && sink.wantsMore()) {
      pulling = true;
      puller.pull(got);
    }
    filling = false;
  };
  fill();
  return { stop, resume: fill };
}

/**
 * Maps a task over a source with at most `maxConcurrency` runs unfinished. Runs are pulled from
 * the source only when a slot frees; a finished run is dropped once its value is delivered, so
 * memory stays flat on an endless source.
 *
 * @internal
 */
export function mapStream<R>(
  makeGroup: () => RunGroup,
  taskName: string,
  source: StreamSource<unknown>,
  given: MapStreamOptions,
): TaskStream<R> {
  const options = checkOptions(taskName, given);
  checkSource(source, taskName);
  const stream = new (rxjs().Observable)<R>((subscriber) => {
    const { stop } = runStream<R>(makeGroup(), taskName, source, options, {
      next: (value) => {
        subscriber.next(value);
      },
      error: (error) => {
        subscriber.error(error);
      },
      complete: () => {
        subscriber.complete();
      },
      wantsMore: () => true,
    });
    return stop;
  });
  // The AsyncIterable side stops pulling while maxConcurrency results wait unread.
  const iterate = (): AsyncIterator<R> => {
    let control: { stop: () => void; resume: () => void } | undefined;
    const iterator: AsyncIterator<R> & { buffered(): number } = bufferedIterator<R>(
      (push) => {
        control = runStream<R>(makeGroup(), taskName, source, options, {
          ...push,
          wantsMore: (): boolean => iterator.buffered() < options.maxConcurrency,
        });
        return control;
      },
      () => control?.resume(),
    );
    return iterator;
  };
  return Object.assign(stream, { [Symbol.asyncIterator]: iterate });
}

function startRun(run: Run<unknown>): void {
  run.start();
}
