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

  it('should not let users import engine internals', async () => {
    const script = `import('sluice/internal/engine/run.js').then(() => console.log('exposed'), (e) => console.log(e.code))`;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);
});
