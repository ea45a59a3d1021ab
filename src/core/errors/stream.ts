/**
 * The error of a `mapStream` whose Observable source outran its buffer.
 *
 * @module
 */
import { SluiceError } from './base.js';

/**
 * An Observable source pushed more items into `mapStream` than its `bufferSize` holds while
 * every slot was busy (an Observable cannot be asked to wait). Raise `bufferSize`, pick another
 * `overflow` policy, or pass an iterable, which is pulled only when a slot frees.
 *
 * @example
 * ```ts
 * import { range } from 'rxjs';
 * import { task } from 'sluice';
 * const work = task('work', async (x: number) => x);
 * work.mapStream(range(0, 1e6), { bufferSize: 100 }).subscribe({ error: (e: unknown) => console.log(e) });
 * ```
 */
export class StreamOverflowError extends SluiceError {
  readonly taskName: string;
  readonly bufferSize: number;

  constructor(taskName: string, bufferSize: number) {
    super(
      'STREAM_OVERFLOW',
      `task "${taskName}": mapStream's Observable source overflowed its buffer of ${bufferSize} items while every slot was busy; ` +
        "raise `bufferSize`, choose `overflow: 'drop-newest'` or `'drop-oldest'`, or pass an iterable (pulled only when a slot frees)",
    );
    this.taskName = taskName;
    this.bufferSize = bufferSize;
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly STREAM_OVERFLOW: StreamOverflowError;
  }
}
