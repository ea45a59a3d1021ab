/**
 * How worker threads start on a program as users write and run it: a task module that also runs
 * its flow when imported (the script style), under `sluice worker` too, and a program run with the
 * `tsx` command where nothing else can find tsx.
 *
 * Each program runs in a child process group with a watchdog: a module that starts its flow again
 * in every thread that imports it makes threads without end, so the group is killed as soon as the
 * module has been evaluated more often than the threads there should be, or after a deadline.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.js';
import { flow, isMainModule, isSluiceError, WorkerThreadsTaskRunner } from '../../src/index.js';
import { importTaskModule } from '../../src/runners/remote/task-module-import.js';
import { notImportable } from '../../src/runners/remote/lookup.js';
import { runsAFlow } from '../fixtures/thread-tasks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const fixture = path.join(root, 'test', 'fixtures', 'top-level-flow.ts');

interface Outcome {
  readonly code: number | null;
  /** Why the watchdog killed the group, if it did. */
  readonly killed: string | undefined;
  readonly output: string;
  /** The threads the fixture module was evaluated on, one per evaluation. */
  readonly evaluations: string[];
}

const scratch = mkdtempSync(path.join(tmpdir(), 'sluice-start-up-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

/**
 * Runs `node args` in its own process group; kills the group when the fixture module has been
 * evaluated more than `maxEvaluations` times, or after `deadlineMs`.
 */
function runProgram(args: readonly string[], options: { readonly cwd: string; readonly env?: Record<string, string>; readonly maxEvaluations?: number; readonly deadlineMs?: number }): Promise<Outcome> {
  const evaluationsFile = path.join(scratch, `evaluations-${runs++}.txt`);
  writeFileSync(evaluationsFile, '');
  const readEvaluations = (): string[] => readFileSync(evaluationsFile, 'utf8').split('\n').filter(Boolean);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, SLUICE_EVALUATIONS: evaluationsFile },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let killed: string | undefined;
  const kill = (why: string): void => {
    if (killed !== undefined || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    killed = why;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const started = Date.now();
  const watchdog = setInterval(() => {
    const count = readEvaluations().length;
    if (count > (options.maxEvaluations ?? Infinity)) kill(`the module was evaluated ${count} times`);
    else if (Date.now() - started > (options.deadlineMs ?? 60_000)) kill('the deadline passed');
  }, 50);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearInterval(watchdog);
      resolve({ code, killed, output, evaluations: readEvaluations() });
    });
  });
}

/** How often `text` occurs in `output`. */
const occurrences = (output: string, text: string): number => output.split(text).length - 1;

const GUARD = 'if (isMainModule(import.meta.url)) await doubling();';

describe('a task module that runs its flow when imported', () => {
  // The main thread and the pool's two threads evaluate the module: more is a thread that started
  // the flow again.
  it.each(['await', 'then', 'catch-exit', 'start'])(
    'fails once, saying how to guard the call, and starts no more threads (%s)',
    async (style) => {
      const outcome = await runProgram([tsxCli, fixture], { cwd: root, env: { SLUICE_STYLE: style }, maxEvaluations: 3 });
      expect(outcome.killed).toBeUndefined();
      expect(outcome.evaluations.length).toBeLessThanOrEqual(3);
      expect(outcome.code).toBe(1);
      expect(occurrences(outcome.output, GUARD)).toBe(1);
      expect(outcome.output).toContain('flow "doubling" was started while a worker thread was importing');
    },
    90_000,
  );

  it('runs as the program when the call is guarded with isMainModule', async () => {
    const outcome = await runProgram([tsxCli, fixture], { cwd: root, env: { SLUICE_STYLE: 'guarded' }, maxEvaluations: 3 });
    expect(outcome).toMatchObject({ killed: undefined, code: 0 });
    expect(outcome.output.trim()).toBe('[2,4,6]');
    expect(outcome.evaluations.length).toBe(3);
  }, 90_000);

  it('fails `sluice worker` at start-up, saying how to guard the call', async () => {
    const cli = path.join(root, 'src', 'cli.ts');
    const outcome = await runProgram(['--import', 'tsx', cli, 'worker', '--queue', 'q', '--redis', 'redis://127.0.0.1:1', '--module', fixture], {
      cwd: root,
      env: { SLUICE_STYLE: 'await' },
      maxEvaluations: 1,
    });
    expect(outcome).toMatchObject({ killed: undefined, code: 1 });
    expect(outcome.evaluations.length).toBe(1);
    expect(outcome.output).toContain('flow "doubling" was started while `sluice worker` was importing');
    expect(occurrences(outcome.output, GUARD)).toBe(1);
  }, 90_000);

  it('fails a flow that the module starts later, from code it started when imported', async () => {
    const late = flow('late', () => 1);
    const { mark, loaded } = importTaskModule('worker-thread', 'file:///tasks.ts', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      try {
        await late();
        return 'ran';
      } catch (error) {
        return isSluiceError(error, 'FLOW_STARTED_IN_WORKER') ? error.flowName : error;
      }
    });
    expect(await loaded).toBe('late');
    expect(mark.flows).toEqual(['late']);
    expect(await late()).toBe(1);
  });

  it('lets a task body on a worker thread run a flow of its own', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    expect(await flow({ name: 'outer', taskRunner: runner }, () => runsAFlow.submit(20).result())()).toBe(21);
  }, 60_000);
});

describe('isMainModule', () => {
  it("is false for a module that is not the program's entry point", () => {
    expect(isMainModule(import.meta.url)).toBe(false);
  });

  it('rejects what is not a file URL', () => {
    let error: unknown;
    try {
      isMainModule('./main.ts');
    } catch (e) {
      error = e;
    }
    expect(isSluiceError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});

/**
 * A project where tsx cannot be found: sluice built into its node_modules, with its dependencies
 * linked from this repository's and tsx left out, as after `npm install sluice` and a run with
 * `npx tsx`.
 */
describe('a program run with the tsx command, tsx installed nowhere the program can find it', () => {
  const project = path.join(scratch, 'project');

  beforeAll(async () => {
    const modules = path.join(project, 'node_modules');
    mkdirSync(path.join(modules, 'sluice'), { recursive: true });
    mkdirSync(path.join(modules, '@opentelemetry'), { recursive: true });
    await bundle(path.join(modules, 'sluice', 'dist'), { sourcemap: false });
    writeFileSync(path.join(modules, 'sluice', 'package.json'), JSON.stringify({ name: 'sluice', type: 'module', exports: { '.': './dist/index.js' } }));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies)) symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name), 'dir');
    writeFileSync(path.join(project, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(
      path.join(project, 'tasks.ts'),
      "import { task } from 'sluice';\nexport const square = task({ name: 'square', module: import.meta.url }, (x: number): number => x * x);\n",
    );
    writeFileSync(
      path.join(project, 'main.ts'),
      [
        "import { flow, WorkerThreadsTaskRunner } from 'sluice';",
        "import { square } from './tasks.ts';",
        "const squares = flow({ name: 'squares', taskRunner: new WorkerThreadsTaskRunner({ maxThreads: 1 }) }, () => square.map([1, 2, 3]).result());",
        'console.log(JSON.stringify(await squares()));',
        '',
      ].join('\n'),
    );
  }, 60_000);

  it('loads a TypeScript task module in the threads with the tsx the program was started with', async () => {
    const outcome = await runProgram([tsxCli, 'main.ts'], { cwd: project, deadlineMs: 60_000 });
    expect(outcome.output.trim()).toBe('[1,4,9]');
    expect(outcome).toMatchObject({ killed: undefined, code: 0 });
  }, 90_000);

  it('says, when tsx still cannot be found, that the threads could not find it, not to run the program with tsx', () => {
    const error = Object.assign(new TypeError('Unknown file extension ".ts" for /app/tasks.ts'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' });
    const message = notImportable('square', 'file:///app/tasks.ts', error, 'a worker thread', true);
    expect(message).toContain("the program's tsx loader does not reach worker threads");
    expect(message).not.toContain('run the program with tsx');
  });
});
