/**
 * What an argument must never carry to another thread or process: futures and sluice's wrappers
 * (a wrapper or future never crosses the wire; prefect-dask broke on exactly this).
 *
 * @module
 * @internal
 */
import { AllowedFailure, Unmapped } from '../../core/annotations.js';
import { isTaskFuture } from '../../core/future.js';

/** What may cross to a worker but must not: wrappers and futures, named for the message. */
export function describeSpecial(value: object): string | undefined {
  if (isTaskFuture(value)) return 'a TaskFuture (futures are resolved inside arrays, plain objects, Maps and Sets, not inside quote(...), opaque(...) or class instances)';
  if (value instanceof Unmapped) return 'an unmapped(...) wrapper (only an argument of map may be one)';
  if (value instanceof AllowedFailure) return 'an allowFailure(...) wrapper (only an argument or a waitFor entry may be one)';
  return undefined;
}

