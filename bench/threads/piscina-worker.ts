import { mix } from './kernel.js';

/** Raw piscina's worker for workload D: the kernel and nothing else (a lean import graph). */
export default function run({ seed, rounds }: { seed: number; rounds: number }): number {
  return mix(seed, rounds);
}
