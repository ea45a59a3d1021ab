import { task } from '../../src/index.js';
import { mix } from './kernel.js';

/** Workload D's kernel as a sluice task, at a module's top level so worker threads can find it. */
export const mixTask = task({ name: 'mix', module: import.meta.url }, (seed: number, rounds: number) => mix(seed, rounds));
