import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

describe('the built package', () => {
  beforeAll(async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, timeout: 120_000 });
  }, 180_000);

  it('should load in plain Node through its exports map (sluice and sluice/testing)', async () => {
    const script = `
      import { task, flow, wait } from 'sluice';
      import { runTestFlow } from 'sluice/testing';
      const double = task('double', async (x) => 2 * x);
      const out = await flow('smoke', () => double.map([1, 2, 3]).result())();
      const { done } = await wait([double.submit(4)]);
      console.log(JSON.stringify({ out, done: done.size, testing: typeof runTestFlow }));
    `;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ out: [2, 4, 6], done: 1, testing: 'function' });
  }, 60_000);

  it('should load RxJS on the main thread but not in a worker thread that only imports task definitions', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import { Worker } from 'node:worker_threads';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/rxjs/'));
      await import('sluice');
      const main = loaded();
      const code = "import { createRequire } from 'node:module'; import { parentPort } from 'node:worker_threads'; await import('sluice'); parentPort.postMessage(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/rxjs/')));";
      const worker = new Worker(code, { eval: true, type: 'module' });
      worker.on('message', (inWorker) => { console.log(JSON.stringify({ main, inWorker })); void worker.terminate(); });
    `;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ main: true, inWorker: false });
  }, 60_000);

  it('should not let users import engine internals', async () => {
    const script = `import('sluice/internal/engine/run.js').then(() => console.log('exposed'), (e) => console.log(e.code))`;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);
});
