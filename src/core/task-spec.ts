import type { Mixed } from 'io-ts';
import type { StandardSchemaV1 } from './codecs.js';
import type { HookLists } from './hooks.js';

/**
 * A task's settings as the engine reads them: shorthands already turned into one shape.
 *
 * @internal
 */
export interface TaskSpec {
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
  readonly taskRunName: ((...args: unknown[]) => string) | undefined;
  /** How many times a failed attempt is tried again. */
  readonly retries: number;
  /** The delay (ms) before retry number `retry` (1 is the first retry), before jitter. */
  readonly retryDelay: (retry: number, error: unknown) => number;
  /** Each delay is multiplied by a random factor in `[1 - j, 1 + j]`. */
  readonly retryJitterFactor: number;
  readonly retryCondition: ((error: unknown) => boolean) | undefined;
  /** Per-attempt time-out (ms); `undefined` for none. */
  readonly timeout: number | undefined;
  /** A random source in [0, 1), for jitter. */
  readonly random: () => number;
  /** io-ts codec for the argument tuple, checked before the body runs. */
  readonly params: Mixed | undefined;
  /** io-ts codec for the body's value, checked when it returns. */
  readonly returns: Mixed | undefined;
  /** A Standard Schema (zod, valibot, ArkType) for the argument tuple, in place of `params`: its output is what the body gets. */
  readonly paramsSchema?: StandardSchemaV1 | undefined;
  /** A Standard Schema for the body's value, in place of `returns`: its output is the run's value. */
  readonly returnsSchema?: StandardSchemaV1 | undefined;
  /** The task's tags (frozen, shared by every run): gated by the flow's concurrency limits of the same names. */
  readonly tags: readonly string[];
  /** The URL of the module that defines the task, for runners that run bodies elsewhere. */
  readonly module: string | undefined;
  /**
   * For a copy renamed by `with({ name })`, the name the task was defined with: a worker finds the
   * body in its module by it. Undefined for a task under its own name.
   */
  readonly definedAs?: string | undefined;
  /** Whether the body's `console.log`/`console.info` go to the run's logger; undefined takes the flow's. */
  readonly logPrints?: boolean | undefined;
  /** The task's state hooks; undefined when it has none (the common case costs one check). */
  readonly hooks?: HookLists | undefined;
}
