/**
 * What a cache key's hash costs: `npx tsx bench/hash.ts`. Not part of `npm run bench`.
 *
 * Measures stableHash (src/cache/hash.ts: a reused buffer fed to sha256 a chunk at a time)
 * against the alternative it was chosen over (the whole encoding built as one string, hashed once),
 * and a warm cache hit keyed by stableHash against a hand-written memo keyed by JSON.stringify,
 * on a small array of numbers and on 1,000 small objects. Prints µs per call (median of 7 rounds).
 */
import { hash } from 'node:crypto';
import { stableHash } from '../src/cache/hash.js';

/** Sorted as stableHash sorts a few keys (by insertion), so that only the way of hashing differs. */
function sortKeys(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

/** The same data as stableHash's encoding (numbers as text), built as one string. */
function encodeToString(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
    case 'number':
      return `d${value === 0 ? 0 : value};`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    default: {
      if (value === null) return 'n';
      if (Array.isArray(value)) {
        let out = `a${value.length}:`;
        for (const item of value) out += encodeToString(item);
        return out;
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of sortKeys(Object.keys(record))) {
        if (record[key] !== undefined) out += `s${key.length}:${key}${encodeToString(record[key])}`;
      }
      return `${out}}`;
    }
  }
}
const stringHash = (value: unknown): string => hash('sha256', encodeToString(value), 'hex');

function perCall(fn: () => unknown, calls: number): number {
  for (let i = 0; i < calls; i++) fn();
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
  }
  return rounds.sort((a, b) => a - b)[3] as number;
}

const workloads = [
  { name: 'a small array of numbers', value: [1, 2.5, 3, 42, 1e9], calls: 200_000 },
  { name: '1,000 small objects', value: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}`, done: i % 2 === 0 })), calls: 1_000 },
];
for (const { name, value, calls } of workloads) {
  const byHash = new Map([[stableHash(value), 1]]);
  const byJson = new Map([[JSON.stringify(value), 1]]);
  const rows = {
    'stableHash (chunked buffer)': perCall(() => stableHash(value), calls),
    'one string, hashed once': perCall(() => stringHash(value), calls),
    'hit keyed by stableHash': perCall(() => byHash.get(stableHash(value)), calls),
    'hit keyed by JSON.stringify (hand memo)': perCall(() => byJson.get(JSON.stringify(value)), calls),
  };
  console.log(`\n${name}`);
  for (const [row, us] of Object.entries(rows)) console.log(`  ${row.padEnd(42)} ${us.toFixed(2)} µs`);
}
