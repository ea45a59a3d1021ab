import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { flow, task, TaskRunError } from '../../src/index.js';

describe('fp-ts results', () => {
  it('should give Right of the value for a completed run', async () => {
    const outcome = await task('ok', () => 1).submit().either();
    expect(isRight(outcome) && outcome.right).toBe(1);
  });

  it('should give Left of a TaskRunError naming the run and state, with the error as cause', async () => {
    const boom = new Error('boom');
    const future = task('bad', (): number => {
      throw boom;
    }).submit();
    const outcome = await future.either();
    expect(isLeft(outcome)).toBe(true);
    if (isLeft(outcome)) {
      expect(outcome.left).toBeInstanceOf(TaskRunError);
      expect(outcome.left).toMatchObject({ code: 'TASK_RUN_FAILED', runName: future.name, stateName: 'Failed', cause: boom });
    }
  });

  it('should compose as a TaskEither in a pipe, and count as looking at the failure', async () => {
    const double = task('double', (x: number) => 2 * x);
    const bad = task('bad', (): number => {
      throw new Error('no');
    });
    const result = await flow('fp', async () => {
      const ok = await pipe(double.submit(21).taskEither(), TE.map((n) => n + 0))();
      const failed = await pipe(
        bad.submit().taskEither(),
        TE.mapLeft((e) => e.stateName),
      )();
      return { ok, failed };
    })();
    expect(result.ok).toEqual({ _tag: 'Right', right: 42 });
    expect(result.failed).toEqual({ _tag: 'Left', left: 'Failed' });
  });
});
