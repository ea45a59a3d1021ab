/**
 * Where task bodies run. A runner only says where a body runs and how many may run at once:
 * argument resolution, `waitFor` gating, slots, states and events are the engine's, written once
 * above this interface.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, type TaskRunner } from 'sluice';
 * const runner: TaskRunner = new ConcurrentTaskRunner({ maxConcurrency: 4 });
 * const etl = flow({ name: 'etl', taskRunner: runner }, async () => 'done');
 * ```
 */
export interface TaskRunner {
  /** A short name for logs and events, such as `concurrent`. */
  readonly name: string;
  /** How many runs of one flow may run at once on this runner (`Infinity` for no limit). */
  readonly maxConcurrency: number;
}
