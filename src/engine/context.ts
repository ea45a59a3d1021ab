import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the engine keeps in AsyncLocalStorage: the run whose body is executing, or the flow whose
 * body is executing. Nested `submit`/`map` find their flow and parent run through it.
 *
 * @internal
 */
export interface ScopeMarker {
  readonly kind: 'run' | 'flow';
}

export const scopeStorage = new AsyncLocalStorage<ScopeMarker>();
