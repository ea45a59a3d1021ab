/**
 * The one AsyncLocalStorage sluice keeps in a process or thread: what is running now, an engine
 * run's body, a flow's body, or a body sent here by another process or thread.
 *
 * One storage rather than one per purpose: on Node 20 every enabled storage adds work to every
 * promise the process makes, its Redis client's included. One per process, shared by every copy
 * of sluice loaded there (a worker's and its task module's may differ): the key is global, and
 * each copy recognises its own engine's objects by class.
 *
 * @module
 * @internal
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a scope is: each copy of sluice checks that a `run` or `flow` scope is its own. `import`
 * marks a worker's import of a task module (see runners/remote/task-module-import.ts).
 */
export interface ScopeMarker {
  readonly kind: 'run' | 'flow' | 'remote' | 'import';
}

const KEY = Symbol.for('sluice.scope');
const registry = globalThis as { [KEY]?: AsyncLocalStorage<ScopeMarker> };

export const scopeStorage: AsyncLocalStorage<ScopeMarker> = (registry[KEY] ??= new AsyncLocalStorage<ScopeMarker>());
