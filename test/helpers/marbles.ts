import { configure } from 'rxjs-marbles';
import { expect } from 'vitest';

/** rxjs-marbles in run mode, asserting with vitest's `expect` (its `/jest` entry needs globals). */
export const { marbles } = configure({
  assertDeepEqual: (actual: unknown, expected: unknown) => {
    expect(actual).toStrictEqual(expected);
  },
  frameworkMatcher: true,
});
