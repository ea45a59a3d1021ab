import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import type * as Rx from 'rxjs';
import type { Piscina } from 'piscina';

/**
 * Heavy dependencies, loaded on first use rather than when sluice is imported. A worker thread
 * imports a task's module (and so sluice) only to find the task's body there: it never needs RxJS
 * (~140 ms to load here) or piscina (~45 ms), and each thread of a pool would pay for them at
 * start-up. Under Node, `import 'rxjs'` and `require('rxjs')` load the same build, so values from
 * here and from a user's `import` are the same instances.
 *
 * @internal
 */
const require = createRequire(import.meta.url);

let rx: typeof Rx | undefined;
let piscina: typeof Piscina | undefined;

export function rxjs(): typeof Rx {
  return (rx ??= require('rxjs') as typeof Rx);
}

// The main thread runs flows and will need RxJS: load it with sluice, so its cost is paid at
// import, not inside the first flow. Worker threads skip it.
if (isMainThread) rxjs();

export function piscinaClass(): typeof Piscina {
  return (piscina ??= (require('piscina') as { Piscina: typeof Piscina }).Piscina);
}
