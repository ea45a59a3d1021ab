/**
 * WorkerThreadsTaskRunner after the build: the bundled library (scripts/bundle.ts, as `npm run
 * build` makes it), plain `node` (no TypeScript loader anywhere), a JavaScript task module. Built
 * into its own folder (not dist/, which
 * test/package.test.ts builds at the same time) under node_modules/.cache, where bare imports
 * still resolve from the project's node_modules.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const out = path.join(root, 'node_modules', '.cache', 'sluice-threads-test');
const dist = path.join(out, 'dist');

const TASKS = `
import { task } from './dist/index.js';
export const square = task({ name: 'square', module: import.meta.url }, (x) => x * x);
export const whereAmI = task({ name: 'where_am_i', module: import.meta.url }, async () => {
  const { isMainThread } = await import('node:worker_threads');
  return isMainThread ? 'main thread' : 'worker thread';
});
export const boom = task({ name: 'boom', module: import.meta.url }, () => {
  const error = new Error('no luck');
  error.code = 'E_LUCK';
  throw error;
});
`;

const MAIN = `
import { flow, WorkerThreadsTaskRunner } from './dist/index.js';
import { boom, square, whereAmI } from './tasks.mjs';
const keepAlive = process.argv[2] === 'keep-alive';
const runner = new WorkerThreadsTaskRunner({ maxThreads: 2, keepAlive });
const squares = flow({ name: 'squares', taskRunner: runner }, async () => {
  const values = await square.map([1, 2, 3, 4]).result();
  const where = await whereAmI.submit().result();
  const error = await boom.submit().result().catch((e) => ({ name: e.name, message: e.message, code: e.code, stack: e.stack.includes('tasks.mjs') }));
  return { values, where, error };
});
const result = await squares();
console.log(JSON.stringify({ ...result, threadsAfter: runner.threadCount }));
// No process.exit(): the process must end by itself.
`;

/** The relative imports of a built module. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => (m[1] ?? m[2]) as string);
}

describe('WorkerThreadsTaskRunner, built, on plain node', () => {
  beforeAll(async () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    await run('npx', ['tsx', 'scripts/bundle.ts', dist], { cwd: root, timeout: 150_000 });
    writeFileSync(path.join(out, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(path.join(out, 'tasks.mjs'), TASKS);
    writeFileSync(path.join(out, 'main.mjs'), MAIN);
  }, 180_000);

  it.each(['close', 'keep-alive'])('runs a JavaScript task module on threads and lets the process exit by itself (%s)', async (mode) => {
    const { stdout } = await run(process.execPath, ['main.mjs', mode], { cwd: out, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      values: [1, 4, 9, 16],
      where: 'worker thread',
      error: { name: 'Error', message: 'no luck', code: 'E_LUCK', stack: true },
      threadsAfter: mode === 'keep-alive' ? 2 : 0,
    });
  }, 40_000);

  it("keeps the worker's import graph lean: no RxJS, no engine", () => {
    // The bundle names each source file it holds in a `// src/...` line: collect those of every
    // file the worker entry reaches.
    const seen = new Set<string>();
    const sources = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) sources.add((m[1] as string).slice('src/'.length));
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
        else packages.add(specifier);
      }
    };
    visit(path.join(dist, 'runners', 'worker-threads', 'worker.js'));
    expect([...sources].sort()).toEqual([
      'core/codecs.ts',
      'core/scope-storage.ts',
      'runners/remote/body.ts',
      'runners/remote/clone-check.ts',
      'runners/remote/codec-worker.ts',
      'runners/remote/io-ts.ts',
      'runners/remote/loader.ts',
      'runners/remote/lookup.ts',
      'runners/remote/run-info.ts',
      'runners/remote/task-module-import.ts',
      'runners/remote/thrown.ts',
      'runners/remote/wire-errors.ts',
      'runners/worker-threads/protocol.ts',
      'runners/worker-threads/worker.ts',
    ]);
    // io-ts is required (its CommonJS build, see src/runners/remote/io-ts.ts), not imported.
    expect([...packages].filter((p) => !p.startsWith('node:')).sort()).toEqual([]);
    expect([...seen].some((file) => readFileSync(file, 'utf8').includes('("io-ts")'))).toBe(true);
  });
});
