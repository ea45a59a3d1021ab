/**
 * The store records go to when neither a task nor its flow names one.
 *
 * @module
 * @internal
 */
import { FileResultStore } from './file-store.js';
import type { ResultStore } from './store.js';

let store: ResultStore | undefined;

/** A `FileResultStore` at its default folder, made on first use (it reads the environment then). @internal */
export function defaultResultStore(): ResultStore {
  return (store ??= new FileResultStore());
}
