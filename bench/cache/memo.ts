import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { handLoop } from '../lib.js';
import type { FRun } from './common.js';

/**
 * The hand-written memo sluice's file cache is measured against: a `Map` in front of one JSON
 * file per key (the argument) in `dir`, read with `readFile` and written with `writeFile`, run by
 * the bench's hand loop (`concurrency` workers pulling from one shared iterator). A fresh process
 * starts with an empty Map and reads the files: the resume scenario.
 */
export function memo(dir: string, fn: (x: number) => number, concurrency: number): FRun {
  const values = new Map<number, number>();
  const cached = async (x: number): Promise<number> => {
    const known = values.get(x);
    if (known !== undefined) return known;
    const file = path.join(dir, `${x}.json`);
    let value: number;
    try {
      value = JSON.parse(await readFile(file, 'utf8')) as number;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      value = fn(x);
      await writeFile(file, JSON.stringify(value));
    }
    values.set(x, value);
    return value;
  };
  return (items) => handLoop(items, cached, concurrency);
}
