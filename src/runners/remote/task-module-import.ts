/**
 * The import of a task module by a sluice worker (a worker thread of `WorkerThreadsTaskRunner`,
 * or `sluice worker`), marked so that a flow the module starts when it is imported fails at once.
 * Unmarked, a module that calls its flow at the top level runs the whole flow again in every
 * thread, and each of those starts a pool of its own: threads without end.
 *
 * The mark is a scope of sluice's one AsyncLocalStorage (shared by every copy of sluice in the
 * thread, so the task module's copy sees the worker's mark): the module's top-level code runs in
 * it, and so does whatever that code starts for later (an un-awaited async function, a timer).
 * Task bodies do not: a worker runs them from its own job, so a body may still run a flow.
 * Imported by the worker entry: no dependencies but the storage.
 *
 * @module
 * @internal
 */
import { scopeStorage, type ScopeMarker } from '../../core/scope-storage.js';

/** Who imports a task module. */
export type TaskModuleImporter = 'worker-thread' | 'sluice-worker';

/** The mark of one import of a task module. */
export interface TaskModuleImport extends ScopeMarker {
  readonly kind: 'import';
  readonly importer: TaskModuleImporter;
  /** The module's URL. */
  readonly module: string;
  /** The flows the module tried to start meanwhile (each failed at once). */
  readonly flows: string[];
}

/** Runs `load` (the import of `module`) under a new mark, returned with what `load` gives. */
export function importTaskModule<T>(importer: TaskModuleImporter, module: string, load: () => Promise<T>): { readonly mark: TaskModuleImport; readonly loaded: Promise<T> } {
  const mark: TaskModuleImport = { kind: 'import', importer, module, flows: [] };
  return { mark, loaded: scopeStorage.run(mark, load) };
}

/** The import of a task module this code runs in, if it runs in one. */
export function taskModuleImport(): TaskModuleImport | undefined {
  const scope = scopeStorage.getStore();
  return scope?.kind === 'import' ? (scope as TaskModuleImport) : undefined;
}

/**
 * What happened and the guard to add, for a flow `flowName` that a module started while `importer`
 * imported it.
 */
export function flowInImportMessage(flowName: string, importer: TaskModuleImporter, module: string): string {
  const binding = /^[A-Za-z_$][\w$]*$/.test(flowName) ? flowName : 'myFlow';
  const who = importer === 'worker-thread' ? 'a worker thread' : '`sluice worker`';
  const again =
    importer === 'worker-thread'
      ? 'every worker thread imports the module to find its tasks, and each would run the whole flow again, with a pool of its own'
      : 'every worker imports the module to find its tasks, and each would run the whole flow again';
  return (
    `flow "${flowName}" was started while ${who} was importing ${module}: ${again}. ` +
    `Call the flow only when the module is the program's entry point: \`if (isMainModule(import.meta.url)) await ${binding}();\` ` +
    `(isMainModule from 'sluice'; or \`if (import.meta.url === pathToFileURL(process.argv[1]).href)\` with pathToFileURL from 'node:url'), ` +
    'or call it from another module.'
  );
}
