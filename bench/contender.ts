/**
 * One contender, one workload, in a fresh process: prints one result line and exits.
 *
 *   node --expose-gc --import tsx bench/contender.ts <A|B|C|leak> <contender> <n> <concurrency> [flows]
 *
 * Started by bench/run.ts; each child imports only its own contender, so peak RSS is its own.
 */
import { gc, MB, maxRssMb, peakRssMb, range, rangeArray, RESULT_PREFIX, sleep, type Contender, type ResultLine, type Work, type WorkloadName } from './lib.js';

function emit(line: ResultLine): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(line)}\n`);
}

function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

/** Every result is x + 1 for x in 0..n-1: checks the count and the sum, and whether they came in input order. */
function check(out: readonly number[], n: number): { ok: boolean; ordered: boolean } {
  if (out.length !== n) return { ok: false, ordered: false };
  let sum = 0;
  let ordered = true;
  for (let i = 0; i < n; i++) {
    const v = out[i] as number;
    sum += v;
    if (v !== i + 1) ordered = false;
  }
  return { ok: sum === (n * (n + 1)) / 2, ordered };
}

async function main(): Promise<void> {
  const [workloadArg, name, nArg, cArg, flowsArg] = process.argv.slice(2);
  const workload = workloadArg as WorkloadName;
  const n = Number(nArg);
  const concurrency = Number(cArg);
  if (name === undefined || !Number.isInteger(n) || !Number.isInteger(concurrency)) {
    throw new Error('usage: contender.ts <A|B|C|leak> <contender> <n> <concurrency> [flows]');
  }

  if (workload === 'leak') {
    const { leakCheck } = await import('./contenders/sluice-leak.js');
    const flows = Number(flowsArg ?? 10);
    const rssStartMb = rssMb();
    const result = await leakCheck(n, flows, concurrency);
    emit({
      workload,
      contender: name,
      n: n * flows,
      concurrency,
      ms: result.ms,
      perTaskUs: (result.ms * 1000) / (n * flows),
      peakRssMb: peakRssMb(),
      maxRssMb: maxRssMb(),
      rssStartMb,
      heapUsedMb: process.memoryUsage().heapUsed / MB,
      ok: result.ok,
      ordered: true,
      source: 'array',
      heapAfterFlowMb: result.heapAfterFlowMb,
    });
    return;
  }

  const mod = (await import(`./contenders/${name}.js`)) as { contender: Contender };
  const tool = mod.contender;
  // The workload is exactly `async x => x + 1`: a promise per task, no other work.
  // eslint-disable-next-line @typescript-eslint/require-await
  const inc: Work = async (x) => x + 1;

  let fn: Work = inc;
  let maxInFlight = 0;
  let source: () => Iterable<number>;
  let sourceName: string;
  switch (workload) {
    case 'A': {
      // Warm-up: a 10% pass of the same tool in the same process.
      const warm = await tool.run(rangeArray(Math.ceil(n / 10)), inc, concurrency);
      if (!check(warm, Math.ceil(n / 10)).ok) throw new Error(`${name}: wrong results in the warm-up pass`);
      const items = rangeArray(n);
      source = () => items;
      sourceName = 'array';
      break;
    }
    case 'B':
      // Cold, generator source (created inside the timing, like the hand loop's).
      source = () => range(n);
      sourceName = `generator (${tool.source})`;
      break;
    case 'C': {
      let inFlight = 0;
      fn = async (x) => {
        inFlight++;
        if (inFlight > maxInFlight) maxInFlight = inFlight;
        await sleep(5);
        inFlight--;
        return x + 1;
      };
      const items = rangeArray(n);
      source = () => items;
      sourceName = 'array';
      break;
    }
    default:
      throw new Error(`unknown workload ${String(workload)}`);
  }

  gc();
  const rssStartMb = rssMb();
  const start = performance.now();
  const out = await tool.run(source(), fn, concurrency);
  const ms = performance.now() - start;
  const heapUsedMb = process.memoryUsage().heapUsed / MB;
  const { ok, ordered } = check(out, n);
  emit({
    workload,
    contender: name,
    n,
    concurrency,
    ms,
    perTaskUs: (ms * 1000) / n,
    peakRssMb: peakRssMb(),
    maxRssMb: maxRssMb(),
    rssStartMb,
    heapUsedMb,
    ok,
    ordered,
    source: sourceName,
    ...(workload === 'C' ? { maxInFlight } : {}),
  });
}

main().then(
  () => {
    // Do not wait for timers a contender may have left behind.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
