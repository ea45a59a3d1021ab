/**
 * Real parts for the BullMQ tests: a `redis-server` on a free loopback port, and `sluice worker`
 * processes (each in its own process group, ended as a group).
 *
 * Without `redis-server` on PATH the BullMQ suites are skipped, loudly (see ./redis-setup.ts);
 * under `CI=true` that is a failure instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.js';

export { freePort };

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Whether `redis-server` can be started here. */
export const hasRedis: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** How to enable the suites that need Redis, for messages. */
export const ENABLE_REDIS = 'install redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) so that it is on PATH';

/** Whether something accepts TCP connections on this loopback port. */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGKILL with `hard`, as when the machine goes away). */
  stop(hard?: boolean): Promise<void>;
  /** Sends it a signal: SIGSTOP freezes it (it answers nothing, connections stay open) until SIGCONT. */
  signal(signal: NodeJS.Signals): void;
}

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Require this password (`requirepass`). */
  readonly password?: string;
  /** Serve TLS only, with this certificate and key (PEM files). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Listen on this port rather than on a free one. */
  readonly port?: number;
}

/** Starts a redis-server on a free loopback port, with nothing saved to disk. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!hasRedis) throw new Error(`redis-server is not on PATH: ${ENABLE_REDIS}`);
  for (let tries = 0; ; tries++) {
    const port = options.port ?? (await freePort());
    const listen = options.tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-auth-clients', 'no'];
    const auth = options.password === undefined ? [] : ['--requirepass', options.password];
    const child = spawn('redis-server', [...listen, ...auth, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null && !(await accepts(port))) await new Promise((r) => setTimeout(r, 20));
    if (child.exitCode === null && (await accepts(port))) {
      return {
        port,
        url: `${options.tls === undefined ? 'redis' : 'rediss'}://${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`}127.0.0.1:${port}`,
        async stop(hard = false) {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          // A frozen server would not act on SIGTERM.
          child.kill('SIGCONT');
          child.kill(hard ? 'SIGKILL' : 'SIGTERM');
          await exited;
        },
        signal(signal) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
      };
    }
    child.kill('SIGKILL');
    if (tries >= 3) throw new Error(`redis-server did not start on port ${port}:\n${output}`);
  }
}

/** A `sluice worker` process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when it printed its readiness line. */
  readonly ready: Promise<void>;
  /** Resolves with its exit code (or signal) when it ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Sends a signal to its whole process group. */
  signal(signal: NodeJS.Signals): void;
}

/** Options of {@link startWorkerProcess}. */
export interface WorkerProcessOptions {
  readonly queue: string;
  readonly url: string;
  readonly modules: readonly string[];
  readonly concurrency?: number;
  /** More `sluice worker` flags. */
  readonly args?: readonly string[];
  /** More environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `sluice worker` from the sources (`node --import tsx src/cli.ts worker ...`). */
export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const store = /^postgres(ql)?:/.test(options.url) ? '--postgres' : '--redis';
  const args = ['--import', 'tsx', 'src/cli.ts', 'worker', '--queue', options.queue, store, options.url, '--concurrency', String(options.concurrency ?? 4)];
  for (const module of options.modules) args.push('--module', module);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let output = '';
  let onReady: () => void = () => undefined;
  let onFail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  // Not every caller waits for readiness (a worker started to take over): no unhandled rejection.
  ready.catch(() => undefined);
  const listen = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.includes('sluice worker ready')) onReady();
  };
  child.stdout?.on('data', listen);
  child.stderr?.on('data', listen);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      onFail(new Error(`sluice worker exited before it was ready (${String(code ?? signal)}):\n${output}`));
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    child,
    output: () => output,
    ready,
    exited,
    signal(signal) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** Ends worker processes (SIGKILL to their groups) and waits for them. */
export async function killWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const worker of workers) worker.signal('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
}

/** A queue name no other test uses. */
export function queueName(label: string): string {
  return `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
