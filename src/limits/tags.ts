/**
 * What the runs of a tagged task ask for: one slot of each of their tags that has a concurrency
 * limit, all at once. Prepared once per task and set of limits, so a run asks with no lookups.
 *
 * @module
 * @internal
 */
import type { LimitClaim, LimitsHome } from './home.js';

/** The tag limits of a task's runs under one set of limits. @internal */
export interface TagGate {
  readonly home: LimitsHome;
  /** One slot of each limited tag; undefined when a tag's limit is 0. */
  readonly claim: LimitClaim | undefined;
  /** The first tag whose limit is 0: its runs fail at once. */
  readonly zeroTag: string | undefined;
}

/** The gate of `tags` under `home`, or undefined when none of them has a limit (nothing to wait for). @internal */
export function tagGateOf(tags: readonly string[], home: LimitsHome): TagGate | undefined {
  const limited = tags.filter((tag) => home.slotLimit(tag) !== undefined);
  if (limited.length === 0) return undefined;
  const zeroTag = limited.find((tag) => home.slotLimit(tag) === 0);
  return { home, claim: zeroTag === undefined ? home.claim(limited, 1, 'slots') : undefined, zeroTag };
}
