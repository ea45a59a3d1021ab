import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, startRedis } from './helpers/redis.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

describe('the built package', () => {
  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: root, timeout: 120_000 });
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

  it('should run flows with only its own dependencies installed, and name the optional package a runner or store needs', async () => {
    // An app that installed sluice alone: its dependencies, none of its optional peers.
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-peers-'));
    try {
      const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
      const modules = path.join(dir, 'node_modules');
      mkdirSync(path.join(modules, '@opentelemetry'), { recursive: true });
      cpSync(path.join(root, 'dist'), path.join(modules, 'sluice', 'dist'), { recursive: true });
      cpSync(path.join(root, 'package.json'), path.join(modules, 'sluice', 'package.json'));
      for (const name of Object.keys(manifest.dependencies)) symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
      writeFileSync(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
      const script = `
        import { task, flow, isSluiceError, RedisResultStore } from 'sluice';
        const double = task('double', async (x) => 2 * x);
        const out = await flow('alone', () => double.map([1, 2, 3]).result())();
        const bullmq = await import('sluice/bullmq').then(() => 'loaded', (e) => e.code);
        let store;
        try { new RedisResultStore({ connection: 'redis://127.0.0.1:1' }); } catch (e) { store = isSluiceError(e, 'MISSING_PACKAGE') ? e.message : String(e); }
        console.log(JSON.stringify({ out, bullmq, store }));
      `;
      writeFileSync(path.join(dir, 'alone.mjs'), script);
      const alone = await run('node', ['alone.mjs'], { cwd: dir, timeout: 60_000 });
      expect(JSON.parse(alone.stdout)).toEqual({
        out: [2, 4, 6],
        bullmq: 'ERR_MODULE_NOT_FOUND',
        store: 'RedisResultStore needs the ioredis package, which is not installed: npm install ioredis redis-semaphore',
      });
      // With the BullMQ runner's packages but not pg: PostgreSQL is refused at once, by name.
      for (const name of ['bullmq', 'ioredis']) symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
      writeFileSync(
        path.join(dir, 'pg.mjs'),
        `import { BullMQTaskRunner } from 'sluice/bullmq';
        try { new BullMQTaskRunner({ queue: 'q', connection: 'postgres://127.0.0.1/app' }); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
      );
      const pg = await run('node', ['pg.mjs'], { cwd: dir, timeout: 60_000 });
      expect(JSON.parse(pg.stdout)).toEqual({ code: 'MISSING_PACKAGE', message: 'BullMQTaskRunner on PostgreSQL needs the pg package, which is not installed: npm install pg' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('should not load BullMQ with sluice, only with sluice/bullmq; the timeline is sluice/timeline', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/bullmq/'));
      await import('sluice');
      const before = loaded();
      const { BullMQTaskRunner } = await import('sluice/bullmq');
      const sluice = await import('sluice');
      const { renderTimeline } = await import('sluice/timeline');
      console.log(JSON.stringify({ before, runner: typeof BullMQTaskRunner, timeline: typeof renderTimeline, inMain: 'renderTimeline' in sluice }));
    `;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ before: false, runner: 'function', timeline: 'function', inMain: false });
  }, 60_000);

  it("should type every error code in its declarations, each error file's and each runner's", async () => {
    // Each error file adds its codes to SluiceErrorsByCode by declaration merging: the emitted
    // .d.ts must still merge, for a user who compiles against the package.
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-dts-'));
    try {
      writeFileSync(
        path.join(dir, 'codes.ts'),
        `import type { SluiceErrorCode, SluiceErrorsByCode, InvalidArgumentError } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};
        import type { JobStalledError } from ${JSON.stringify(path.join(root, 'dist', 'bullmq.js'))};
        type Is<C extends SluiceErrorCode> = C;
        export type Codes = [
          Is<'INVALID_ARGUMENT'>, Is<'MAP_LENGTH_MISMATCH'>, Is<'UPSTREAM_FAILED'>, Is<'WAIT_TIMEOUT'>, Is<'CANCELLED'>,
          Is<'RUNS_FAILED'>, Is<'TIMED_OUT'>, Is<'NO_RUN_CONTEXT'>, Is<'INVALID_RETURN'>, Is<'STREAM_OVERFLOW'>,
          Is<'TASK_NOT_FOUND'>, Is<'FLOW_STARTED_IN_WORKER'>, Is<'JOB_STALLED'>, Is<'MISSING_PACKAGE'>,
        ];
        export const narrowed: [SluiceErrorsByCode['INVALID_ARGUMENT'], SluiceErrorsByCode['JOB_STALLED']] = [] as unknown as [InvalidArgumentError, JobStalledError];
        // @ts-expect-error not a code
        export const unknown: SluiceErrorCode = 'NOT_A_CODE';
        `,
      );
      const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', target: 'es2022', types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] };
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['codes.ts'] }));
      const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
      await expect(run(tsc, ['-p', dir], { cwd: dir, timeout: 60_000 }).then(() => 'compiles', (e: { stdout?: string }) => e.stdout)).resolves.toBe('compiles');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it.skipIf(!hasRedis)('should run `sluice worker` from the build on plain node, with a TypeScript task module, for a flow that exits by itself', async () => {
    const redis = await startRedis();
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-pkg-'));
    // A TypeScript module on plain node, in an ESM package: the worker loads it with tsx, found from sluice.
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(
      path.join(dir, 'tasks.ts'),
      `import { task } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};\nexport const shout = task({ name: 'shout' }, (text: string): string => text.toUpperCase() + '!');\n`,
    );
    const worker = spawn('node', ['dist/cli.js', 'worker', '--module', path.join(dir, 'tasks.ts'), '--queue', 'pkg', '--redis', redis.url], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const listen = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes('sluice worker ready')) resolve();
        };
        worker.stdout.on('data', listen);
        worker.stderr.on('data', listen);
        worker.once('exit', () => reject(new Error(`the worker exited:\n${output}`)));
      });
      // The flow side needs only the task's name: a job names its task, never code.
      const script = `
        import { flow, task } from 'sluice';
        import { BullMQTaskRunner } from 'sluice/bullmq';
        const shout = task({ name: 'shout' }, (text) => text);
        const runner = new BullMQTaskRunner({ queue: 'pkg', connection: ${JSON.stringify(redis.url)} });
        console.log(JSON.stringify(await flow({ name: 'pkg', taskRunner: runner }, () => shout.map(['a', 'b']).result())()));
      `;
      const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual(['A!', 'B!']);
      const exited = new Promise((resolve) => worker.once('exit', (code) => resolve(code)));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toMatch(/sluice worker ready: queue "pkg", 1 task \(shout\)/);
    } finally {
      worker.kill('SIGKILL');
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
