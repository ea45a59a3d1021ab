import { ConcurrentTaskRunner, flow, task } from '../../src/index.js';
import { gc, MB } from '../lib.js';

/**
 * The leak check: `flows` flows of `n` trivial runs each (`map`, concurrency `c`), one after
 * another in one process; heap used after a forced GC after each flow.
 */
export async function leakCheck(n: number, flows: number, concurrency: number): Promise<{ heapAfterFlowMb: number[]; ms: number; ok: boolean }> {
  // eslint-disable-next-line @typescript-eslint/require-await -- the workload is `async x => x + 1`
  const t = task('inc', async (x: number) => x + 1);
  const items = Array.from({ length: n }, (_, i) => i);
  const expected = (n * (n + 1)) / 2;
  const heapAfterFlowMb: number[] = [];
  let ok = true;
  const start = performance.now();
  for (let f = 0; f < flows; f++) {
    const bench = flow({ name: `leak-${f}`, taskRunner: new ConcurrentTaskRunner({ maxConcurrency: concurrency }) }, () =>
      t.map(items).result(),
    );
    const out = await bench();
    let sum = 0;
    for (const v of out) sum += v;
    if (out.length !== n || sum !== expected) ok = false;
    // Let timers and microtasks that the flow left behind run before measuring.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    heapAfterFlowMb.push(process.memoryUsage().heapUsed / MB);
  }
  return { heapAfterFlowMb, ms: performance.now() - start, ok };
}
