/**
 * `isMainModule`: the guard for a module that defines tasks and also runs a flow.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../core/errors/input.js';

function realpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Whether the module at `moduleUrl` (pass `import.meta.url`) is the program's entry point, the file
 * given to `node` or `tsx`. False in a worker thread of {@link WorkerThreadsTaskRunner} and in
 * `sluice worker`, which import a task's module to find the task: a flow called at the top level of
 * a task module without this guard fails there with a {@link FlowInWorkerImportError}.
 *
 * The same as `import.meta.url === pathToFileURL(process.argv[1]).href`, also when the entry was
 * given through a symbolic link or without its extension (`node main`).
 *
 * @example
 * ```ts
 * // hashing.ts: defines a task, and runs a flow when it is the program (`tsx hashing.ts`)
 * import { createHash } from 'node:crypto';
 * import { flow, isMainModule, task, WorkerThreadsTaskRunner } from 'sluice';
 *
 * export const sha256 = task({ name: 'sha256', module: import.meta.url }, (text: string) => createHash('sha256').update(text).digest('hex'));
 * const hashAll = flow({ name: 'hash_all', taskRunner: new WorkerThreadsTaskRunner() }, (texts: string[]) => sha256.map(texts).result());
 *
 * if (isMainModule(import.meta.url)) console.log(await hashAll(['a', 'b']));
 * ```
 */
export function isMainModule(moduleUrl: string): boolean {
  if (typeof moduleUrl !== 'string' || !moduleUrl.startsWith('file:')) {
    throw new InvalidArgumentError(`isMainModule(): expected a module's file URL (import.meta.url), got ${String(moduleUrl)} (${typeof moduleUrl})`);
  }
  const entry = process.argv[1];
  if (entry === undefined || entry === '') return false;
  const given = path.resolve(entry);
  const file = fileURLToPath(moduleUrl);
  if (file === given) return true;
  const real = realpath(file);
  if (real === realpath(given)) return true;
  // `node main` runs main.js: the entry may be given without its extension.
  return path.extname(given) === '' && [file, real].some((candidate) => candidate.slice(0, candidate.length - path.extname(candidate).length) === given);
}
