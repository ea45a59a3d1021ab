/**
 * `sluice` commands run from the sources as processes of their own (`node --import tsx
 * src/cli.ts ...`), with what they print and when they end, for tests of the command line itself:
 * its arguments, environment, warnings and exit status.
 */
import { spawn } from 'node:child_process';
import { root } from './redis.js';

/** A `sluice` process. */
export interface CliProcess {
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** When (`Date.now()`) it first printed anything, if it has. */
  firstOutputAt(): number | undefined;
  /** Resolves when `sluice worker` printed its readiness line; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves when it ends: its exit code (`null` if killed) and when. */
  readonly exited: Promise<{ readonly code: number | null; readonly at: number }>;
  /** SIGKILL to its process group. */
  kill(): void;
}

/** Runs `sluice <args>` with these environment variables added (and `REDIS_URL`, `REDIS_PASSWORD_FILE`, `DATABASE_URL` removed unless given). */
export function runSluice(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.REDIS_URL;
  delete base.REDIS_PASSWORD_FILE;
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  let output = '';
  let stderr = '';
  let firstAt: number | undefined;
  let onReady: () => void = () => undefined;
  let onFail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  ready.catch(() => undefined);
  const heard = (chunk: Buffer): void => {
    firstAt ??= Date.now();
    output += chunk.toString();
    if (output.includes('sluice worker ready')) onReady();
  };
  child.stdout.on('data', heard);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    heard(chunk);
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
    child.once('exit', (code) => {
      const at = Date.now();
      onFail(new Error(`sluice exited (${String(code)}) before it was ready:\n${output}`));
      resolve({ code, at });
    });
  });
  return {
    output: () => output,
    stderr: () => stderr,
    firstOutputAt: () => firstAt,
    ready,
    exited,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
