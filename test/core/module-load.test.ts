/**
 * Every module of src/ loads on its own, first, in a fresh process: no import circle makes the
 * order in which modules are imported matter (the base class of a run imported before the run
 * itself used to throw "Cannot access 'RunHandle' before initialization").
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = path.join(root, 'src');

/** Entries that act when imported: the command line, and the worker-thread entry. */
const ACTING = new Set(['cli.ts', 'runners/worker-threads/worker.ts']);

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    return entry.name.endsWith('.ts') ? [path.relative(src, full)] : [];
  });
}

async function loadAlone(module: string): Promise<string> {
  const url = pathToFileURL(path.join(src, module)).href;
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(url)});`], {
      cwd: root,
      timeout: 30_000,
    });
    return 'loads';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return stderr.split('\n').find((line) => /Error/.test(line)) ?? stderr;
  }
}

describe('the modules of src/', () => {
  const all = modules(src)
    .filter((m) => !ACTING.has(m.split(path.sep).join('/')))
    .sort();

  it('are found', () => {
    expect(all).toContain(path.join('engine', 'run-future.ts'));
    expect(all.length).toBeGreaterThan(60);
  });

  it('each load alone, first, in a fresh process', async () => {
    const results = new Map<string, string>();
    // Two at a time: each is a process of its own, and the machine has two cores (other suites run
    // beside it, so under load each takes seconds: the time-out is generous).
    const queue = [...all];
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        for (let m = queue.shift(); m !== undefined; m = queue.shift()) results.set(m, await loadAlone(m));
      }),
    );
    const failures = [...results].filter(([, outcome]) => outcome !== 'loads');
    expect(failures).toEqual([]);
    expect(results.size).toBe(all.length);
  }, 400_000);
});
