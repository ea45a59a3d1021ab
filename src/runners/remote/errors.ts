/**
 * The error both out-of-process runners raise when a worker's import of a task module starts a
 * flow.
 *
 * @module
 */
import { SluiceError } from '../../core/errors/base.js';
import { flowInImportMessage } from './task-module-import.js';

/**
 * A flow was started by a module while a sluice worker was importing it to find its tasks: a
 * worker thread of {@link WorkerThreadsTaskRunner}, or `sluice worker`. Called at the top level of
 * a task module with no guard, the flow would run again in every thread that imports the module,
 * each with a pool of its own. The call throws at once, so the module's import fails, and the
 * task's runs on the main thread fail with a {@link TaskNotFoundError} that says why. Guard the
 * call with {@link isMainModule}.
 *
 * @example
 * ```ts
 * // primes.ts: imported by every worker thread, run as the program itself
 * import { flow, isMainModule, task, WorkerThreadsTaskRunner } from 'sluice';
 * export const square = task({ name: 'square', module: import.meta.url }, (x: number) => x * x);
 * const squares = flow({ name: 'squares', taskRunner: new WorkerThreadsTaskRunner() }, () => square.map([1, 2, 3]).result());
 * // Without the guard, a worker thread's import throws FlowInWorkerImportError (code FLOW_STARTED_IN_WORKER).
 * if (isMainModule(import.meta.url)) console.log(await squares());
 * ```
 */
export class FlowInWorkerImportError extends SluiceError {
  /** Another attempt would import the module again, and fail the same way. */
  override get retryable(): boolean {
    return false;
  }

  readonly flowName: string;
  /** The module being imported. */
  readonly module: string;
  /** Who was importing it: a worker thread, or `sluice worker`. */
  readonly importer: 'worker-thread' | 'sluice-worker';

  constructor(flowName: string, importer: 'worker-thread' | 'sluice-worker', module: string) {
    super('FLOW_STARTED_IN_WORKER', flowInImportMessage(flowName, importer, module));
    this.flowName = flowName;
    this.module = module;
    this.importer = importer;
  }
}

// This error's code joins the base's: the base never lists its plug-ins.
declare module '../../core/errors/base.js' {
  interface SluiceErrorsByCode {
    readonly FLOW_STARTED_IN_WORKER: FlowInWorkerImportError;
  }
}
