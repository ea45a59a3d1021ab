import { checkConcurrency } from '../core/option-checks.js';
import type { TaskRunner } from './runner.js';

/**
 * Options of {@link ConcurrentTaskRunner}.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, type ConcurrentTaskRunnerOptions } from 'sluice';
 * const options: ConcurrentTaskRunnerOptions = { maxConcurrency: 8 };
 * const runner = new ConcurrentTaskRunner(options);
 * ```
 */
export interface ConcurrentTaskRunnerOptions {
  /**
   * How many runs of one flow run at once. A run waiting on futures or `waitFor` holds no slot,
   * and neither does a run whose body is waiting on other runs' results.
   *
   * Must be an integer from 1 and up, or `Infinity`.
   *
   * @defaultValue `Infinity` (`CONCURRENT_RUNNER_DEFAULTS.maxConcurrency`)
   */
  readonly maxConcurrency?: number;
}

/**
 * The defaults of {@link ConcurrentTaskRunnerOptions}.
 *
 * @example
 * ```ts
 * import { CONCURRENT_RUNNER_DEFAULTS } from 'sluice';
 * console.log(CONCURRENT_RUNNER_DEFAULTS.maxConcurrency); // Infinity
 * ```
 */
export const CONCURRENT_RUNNER_DEFAULTS = {
  maxConcurrency: Number.POSITIVE_INFINITY,
} as const satisfies Required<ConcurrentTaskRunnerOptions>;

/**
 * The default runner: task bodies run in this process, on the event loop, as many at once as
 * `maxConcurrency` allows. Prefect's `ThreadPoolTaskRunner`, for async work.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, task } from 'sluice';
 * const fetchPage = task('fetch', async (url: string) => (await fetch(url)).status);
 * const crawl = flow({ name: 'crawl', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 8 }) }, async (urls: string[]) =>
 *   fetchPage.map(urls).result(),
 * );
 * ```
 */
export class ConcurrentTaskRunner implements TaskRunner {
  readonly name = 'concurrent';
  readonly maxConcurrency: number;

  constructor(options: ConcurrentTaskRunnerOptions = {}) {
    this.maxConcurrency = checkConcurrency(options.maxConcurrency ?? CONCURRENT_RUNNER_DEFAULTS.maxConcurrency, 'ConcurrentTaskRunner');
  }
}
