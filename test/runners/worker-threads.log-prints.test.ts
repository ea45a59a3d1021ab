/**
 * `logPrints` on WorkerThreadsTaskRunner, with real threads: a body there prints in its own
 * thread, whose console sluice never sends to the flow's logger. Node forwards the thread's stdout
 * to this process's, so the line arrives here as the body printed it; `getRunContext().logger`
 * in the thread writes there too, tagged, and not to the flow's logger either.
 */
import { afterAll, expect, it } from 'vitest';
import { flow, WorkerThreadsTaskRunner, type Logger } from '../../src/index.js';
import { shout } from '../fixtures/print-tasks.js';

const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, keepAlive: true });
afterAll(() => runner.destroy());

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it("prints a thread's body's lines on this process's stdout as they are, not to the flow's logger; the flow's own prints go to its logger", async () => {
  const logged: string[] = [];
  const at = (fields: unknown, message?: unknown): void => void logged.push(`${JSON.stringify(fields)} ${String(message)}`);
  const logger: Logger = { info: at, warn: at, error: at, debug: at };
  let stdout = '';
  const write = Object.getOwnPropertyDescriptor(process.stdout, 'write');
  // What the thread's stdout becomes here: Node pipes it into this process's stdout.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    // The write's callback, if any, is called as the stream would.
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  });
  try {
    const out = await flow({ name: 'prints', taskRunner: runner, logger, logPrints: true }, async () => {
      console.log('printed by the flow');
      return shout.submit('hi').result();
    })();
    expect(out).toBe('hi');
    await until(() => stdout.includes('run logger away: hi'), "the thread's lines reached this process's stdout");
  } finally {
    // Back to the stream's own (inherited) write, or the one it had of its own.
    if (write === undefined) delete (process.stdout as { write?: unknown }).write;
    else Object.defineProperty(process.stdout, 'write', write);
  }
  expect(stdout).toMatch(/^printed away: hi$/m);
  expect(stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[prints \/ shout-0\] logged away: hi$/m);
  expect(stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[prints \/ shout-0\] run logger away: hi$/m);
  expect(logged).toEqual([expect.stringMatching(/^\{"flowName":"prints","flowRunId":"[^"]+"\} printed by the flow$/)]);
});
