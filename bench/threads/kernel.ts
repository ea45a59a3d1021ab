/** A CPU-bound kernel for workload D: `rounds` steps of an integer hash, no allocation. */
export function mix(seed: number, rounds: number): number {
  let h = seed | 0;
  for (let i = 0; i < rounds; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) ^ i;
  }
  return h >>> 0;
}
