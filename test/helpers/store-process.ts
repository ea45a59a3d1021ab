/**
 * Starts test/fixtures/store-process.ts: a real process using a result store, which the store
 * tests start several of at once and kill with real signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { root } from './redis.js';

/** A running store process. */
export interface StoreProcess {
  readonly child: ChildProcess;
  /** Resolves once it printed `line` (rejects if it exits first, with what it printed). */
  printed(line: string): Promise<void>;
  /** Starts its job (all processes started together contend from the same moment). */
  go(): void;
  /** Resolves with its exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Everything it printed so far. */
  output(): string;
}

/** Starts one; `config` is the JSON the fixture reads. */
export function startStoreProcess(config: object): StoreProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/store-process.ts', JSON.stringify(config)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<() => void> = [];
  const onOutput = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal as NodeJS.Signals));
  return {
    child,
    output: () => output,
    exited,
    go: () => child.stdin?.write('go\n'),
    async printed(line) {
      let gone = false;
      void exited.then(() => {
        gone = true;
        for (const wake of waiters.splice(0)) wake();
      });
      while (!output.split('\n').includes(line)) {
        if (gone) throw new Error(`the store process exited before printing "${line}":\n${output}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** Starts several, waits until each is ready, and starts them all at once. */
export async function startTogether(configs: readonly object[]): Promise<StoreProcess[]> {
  const processes = configs.map(startStoreProcess);
  await Promise.all(processes.map((p) => p.printed('ready')));
  for (const p of processes) p.go();
  return processes;
}

/** Ends them with SIGKILL (those still running) and waits until they are gone. */
export async function killAll(processes: readonly StoreProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
}
