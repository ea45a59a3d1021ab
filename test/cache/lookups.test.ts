import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachePolicies, ConcurrentTaskRunner, flow, task, type ResultStore } from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('cache lookups of many runs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lookups-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a map of 1,000 cached runs asks its store for at most 64 records at once, and every run is a hit', async () => {
    const records = new Map<string, Uint8Array>();
    let reading = 0;
    let mostReading = 0;
    // A store that answers on a later turn of the event loop, as a file or network store does.
    const store: ResultStore = {
      get: (key) => {
        reading++;
        mostReading = Math.max(mostReading, reading);
        return new Promise((resolve) =>
          setImmediate(() => {
            reading--;
            resolve(records.get(key));
          }),
        );
      },
      set: (key, value) => {
        records.set(key, value);
      },
      delete: (key) => {
        records.delete(key);
      },
    };
    let bodies = 0;
    const double = task({ name: 'double', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => {
      bodies++;
      return x * 2;
    });
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const run = flow({ name: 'lookups', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 16 }) }, () => double.map(items).result());

    await run();
    expect(bodies).toBe(1000);
    mostReading = 0;
    bodies = 0;
    const values = await run();

    expect(bodies).toBe(0);
    expect(values).toEqual(items.map((x) => x * 2));
    expect(mostReading).toBe(64);
  });

  it('a map of 2,000 runs resumes every run from a FileResultStore in a process that may open only 256 files', { timeout: 60_000 }, () => {
    const results = join(dir, 'results');
    const bodies = join(dir, 'bodies.log');
    const runFlow = (): string => {
      // resume-flow.ts: one run at a time, each body appends its index to `bodies`.
      const child = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, '--import', 'tsx', 'test/fixtures/resume-flow.ts', 'concurrent', '2000', results, bodies], {
        cwd: root,
        encoding: 'utf8',
      });
      return `${child.stdout}${child.stderr}`;
    };
    const expected = JSON.stringify(Array.from({ length: 2000 }, (_, i) => i * 2));
    const count = (): number => readFileSync(bodies, 'utf8').split('\n').filter((l) => l !== '').length;

    expect(runFlow()).toContain(expected);
    expect(count()).toBe(2000);
    // Started again: every lookup finds its record; none fails for want of a file descriptor.
    const again = runFlow();
    expect(again).toContain(expected);
    expect(again).not.toContain('CACHE_STORE_UNAVAILABLE');
    expect(count()).toBe(2000);
  });
});
