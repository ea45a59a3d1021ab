/**
 * Workload E: BullMQ on a local Redis, raw against sluice, measured the way the peers' comparison measures it.
 * Starts its own `redis-server` on a free loopback port (no persistence), runs every variant in a
 * fresh process with a fresh queue (Redis flushed between runs), repetitions interleaved, and stops
 * the server at the end. Called by bench/run.ts for `--only ...,E`.
 *
 * - raw-bulk: `addBulk` of n jobs in chunks + an in-process `Worker`; first add to last 'completed'.
 * - sluice-map: `inc.map(xs).result()` on a `BullMQTaskRunner` + an in-process `startWorker`.
 * - raw-roundtrip: one caller, `queue.add` + `job.waitUntilFinished(queueEvents)`, one at a time.
 * - sluice-roundtrip: one flow, `await inc.submit(i).result()`, one at a time.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { median } from '../lib.js';
import { E_RESULT_PREFIX, E_VARIANTS, type ECase, type EResult, type EVariant } from './common.js';
import { REDIS_SERVER, redisServerVersion, startRedis } from './redis.js';

export interface EConfig {
  /** Jobs in the bulk variants. */
  readonly bulkN: number;
  /** Untimed jobs through the same queue and worker first (bulk). */
  readonly bulkWarm: number;
  /** Timed round trips. */
  readonly trips: number;
  /** Untimed round trips first. */
  readonly warmTrips: number;
  /** Worker concurrency. */
  readonly concurrency: number;
  /** Jobs per `addBulk`. */
  readonly chunk: number;
  readonly reps: number;
  readonly timeoutMs: number;
}

export interface ERun {
  readonly config: EConfig;
  readonly redisVersion: string | undefined;
  readonly results: EResult[];
  /** Why E did not run (no redis-server, or it would not start). */
  readonly skipped?: string;
}

function child(argv: readonly string[], cfg: ECase, timeoutMs: number): Promise<{ line?: Record<string, unknown>; error?: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [...argv, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const found = stdout.split('\n').find((l) => l.startsWith(E_RESULT_PREFIX));
      if (found !== undefined) {
        resolve({ line: JSON.parse(found.slice(E_RESULT_PREFIX.length)) as Record<string, unknown> });
        return;
      }
      // The error's own line (its stack follows it), else the last lines.
      const lines = stderr.trim().split('\n');
      const at = lines.findIndex((l) => /^\w*(Error|Exception)\b/.test(l));
      const what = (at >= 0 ? lines.slice(at, at + 2) : lines.slice(-3)).map((l) => l.trim()).join(' | ').slice(0, 400);
      resolve({ error: timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit ${code ?? signal}: ${what}` });
    });
  });
}

const isBulk = (v: EVariant): boolean => v === 'raw-bulk' || v === 'raw-bulk-events' || v === 'sluice-map';

/**
 * Runs workload E; `argv` starts a child (`[--import tsx] path/to/bench/bullmq/child.(js|ts)`).
 * Without redis-server, E is skipped (loudly) and the report says so.
 */
export async function runE(cfg: EConfig, argv: readonly string[], log: (s: string) => void): Promise<ERun> {
  const redisVersion = redisServerVersion();
  if (redisVersion === undefined) {
    const why = `\`${REDIS_SERVER}\` not found on PATH (or it would not run): workload E (BullMQ) needs a local Redis`;
    log('');
    log(`  !!!!! [E] SKIPPED: ${why}. Install Redis (apt-get install redis-server) to measure it. !!!!!`);
    log('');
    return { config: cfg, redisVersion, results: [], skipped: why };
  }
  let redis;
  try {
    redis = await startRedis(redisVersion);
  } catch (error) {
    const why = `redis-server ${redisVersion} would not start: ${error instanceof Error ? error.message : String(error)}`;
    log(`  !!!!! [E] SKIPPED: ${why} !!!!!`);
    return { config: cfg, redisVersion, results: [], skipped: why };
  }
  log(`  [E] redis-server ${redisVersion} on ${redis.url}; bulk ${cfg.bulkN} jobs (addBulk chunks of ${cfg.chunk}), ${cfg.trips} round trips; worker concurrency ${cfg.concurrency}`);
  const results: EResult[] = [];
  try {
    for (let rep = 1; rep <= cfg.reps; rep++) {
      for (const variant of E_VARIANTS) {
        await redis.flush();
        const bulk = isBulk(variant);
        const c: ECase = {
          variant,
          url: redis.url,
          queue: `e-${variant}-${rep}-${randomBytes(3).toString('hex')}`,
          n: bulk ? cfg.bulkN : cfg.trips,
          warm: bulk ? cfg.bulkWarm : cfg.warmTrips,
          concurrency: cfg.concurrency,
          chunk: cfg.chunk,
        };
        const { line, error } = await child(argv, c, cfg.timeoutMs);
        const ms = typeof line?.ms === 'number' ? line.ms : Number.NaN;
        const r: EResult = {
          variant,
          rep,
          n: c.n,
          warm: c.warm,
          concurrency: c.concurrency,
          chunk: c.chunk,
          ms,
          jobsPerS: c.n / (ms / 1000),
          ok: line?.ok === true,
          peakRssMb: typeof line?.peakRssMb === 'number' ? line.peakRssMb : Number.NaN,
          ...(typeof line?.enqueueMs === 'number' ? { enqueueMs: line.enqueueMs } : {}),
          ...(typeof line?.p50Ms === 'number' ? { p50Ms: line.p50Ms, p99Ms: line.p99Ms as number, meanMs: line.meanMs as number } : {}),
          ...(typeof line?.cpuMs === 'number' ? { cpuMs: line.cpuMs, redisCpuMs: line.redisCpuMs as number } : {}),
          ...(error !== undefined ? { error } : {}),
        };
        results.push(r);
        const what =
          error !== undefined
            ? `FAILED: ${error}`
            : bulk
              ? `${r.ms.toFixed(0)} ms, ${r.jobsPerS.toFixed(0)} jobs/s${r.enqueueMs === undefined ? '' : `, enqueue ${r.enqueueMs.toFixed(0)} ms`}`
              : `p50 ${(r.p50Ms ?? NaN).toFixed(3)} ms, p99 ${(r.p99Ms ?? NaN).toFixed(3)} ms, ${r.jobsPerS.toFixed(0)} trips/s`;
        const cpu = r.cpuMs === undefined ? '' : `; CPU ${r.cpuMs.toFixed(0)} ms here, ${(r.redisCpuMs ?? NaN).toFixed(0)} ms in redis`;
        log(`  [E rep ${rep}] ${variant.padEnd(17)} ${what}${cpu}${r.ok || error !== undefined ? '' : ' WRONG RESULTS'}`);
      }
    }
  } finally {
    await redis.stop();
  }
  return { config: cfg, redisVersion, results };
}

/* ---------- the report ---------- */

function ok(results: readonly EResult[], variant: EVariant): EResult[] {
  return results.filter((r) => r.variant === variant && r.error === undefined && r.ok);
}

function med(results: readonly EResult[], variant: EVariant, pick: (r: EResult) => number | undefined): number | undefined {
  const values = ok(results, variant)
    .map(pick)
    .filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return values.length === 0 ? undefined : median(values);
}

function cell(results: readonly EResult[], variant: EVariant, pick: (r: EResult) => number | undefined, digits: number): string {
  const values = ok(results, variant)
    .map(pick)
    .filter((v): v is number => v !== undefined && !Number.isNaN(v));
  if (values.length === 0) return '-';
  return `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)}]`;
}

const WHAT: Readonly<Record<EVariant, string>> = {
  'raw-bulk': 'raw BullMQ: `addBulk` + `Worker`, counting the worker\'s `completed` events',
  'raw-bulk-events': 'the same, hearing each outcome through `QueueEvents` (informational)',
  'sluice-map': 'sluice `map` on `BullMQTaskRunner` + `startWorker`',
  'raw-roundtrip': 'raw BullMQ: `add` + `waitUntilFinished`, 1 caller',
  'sluice-roundtrip': 'sluice `await submit(i).result()`, 1 caller',
};

/** The E section of BENCHMARKS.md. */
export function tableE(run: ERun): string[] {
  const { config: cfg } = run;
  const heading = `### E. BullMQ on a local redis-server${run.redisVersion === undefined ? '' : ` ${run.redisVersion}`}: ${cfg.bulkN / 1000}k trivial jobs in bulk, and ${cfg.trips} single round trips; in-process worker, concurrency ${cfg.concurrency}`;
  if (run.skipped !== undefined) return [heading, '', `**Not measured: ${run.skipped}.**`];
  const rawBulk = med(run.results, 'raw-bulk', (r) => r.jobsPerS);
  const rawP50 = med(run.results, 'raw-roundtrip', (r) => r.p50Ms);
  const lines = [
    heading,
    '',
    `Each run is a fresh process with its own queue on an emptied Redis (the bench's own \`redis-server --save '' --appendonly no\` on loopback). Bulk: ${cfg.bulkN} jobs, \`addBulk\` chunks of ${cfg.chunk} (sluice: \`bulkSize\` ${cfg.chunk}), timed from the first add to the last result, after ${cfg.bulkWarm} untimed jobs through the same queue and worker. Round trip: ${cfg.trips} sequential trips after ${cfg.warmTrips} untimed ones; latency per trip. CPU ms: user + system time of the contender's process (producer and worker together) and of redis-server during the timed pass, steadier than wall time when the host is busy.`,
    '',
    '| contender | what | n | wall ms median [min..max] | jobs/s | vs raw bulk (jobs/s) | enqueue ms | p50 ms | p99 ms | p50 vs raw | CPU ms, this process | CPU ms, redis-server | peak RSS MB | runs ok |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const variant of E_VARIANTS) {
    const all = run.results.filter((r) => r.variant === variant);
    const errors = [...new Set(all.filter((r) => r.error !== undefined).map((r) => r.error))];
    // An error's text goes in a table cell: no bare '|'.
    const runsOk = `${ok(run.results, variant).length}/${all.length}${errors.length > 0 ? ` (${errors.join('; ').replace(/\|/g, '\\|')})` : ''}`;
    const bulk = isBulk(variant);
    const jps = med(run.results, variant, (r) => r.jobsPerS);
    const p50 = med(run.results, variant, (r) => r.p50Ms);
    lines.push(
      `| ${variant} | ${WHAT[variant]} | ${all[0]?.n ?? '-'} | ${cell(run.results, variant, (r) => r.ms, 1)} | ${cell(run.results, variant, (r) => r.jobsPerS, 0)} | ${bulk && jps !== undefined && rawBulk !== undefined ? `${(jps / rawBulk).toFixed(2)}x` : '-'} | ${cell(run.results, variant, (r) => r.enqueueMs, 1)} | ${bulk ? '-' : cell(run.results, variant, (r) => r.p50Ms, 3)} | ${bulk ? '-' : cell(run.results, variant, (r) => r.p99Ms, 3)} | ${!bulk && p50 !== undefined && rawP50 !== undefined ? `${(p50 / rawP50).toFixed(2)}x` : '-'} | ${cell(run.results, variant, (r) => r.cpuMs, 0)} | ${cell(run.results, variant, (r) => r.redisCpuMs, 0)} | ${cell(run.results, variant, (r) => r.peakRssMb, 1)} | ${runsOk} |`,
    );
  }
  lines.push(
    '',
    'For reference, raw BullMQ measured earlier on the same machine type with a separate harness: raw bulk ~12.3k jobs/s (813 ms for 10k, enqueue 371 ms); single-caller round trip p50 0.53 ms, p99 4.20 ms.',
  );
  return lines;
}

/** The targets for E: sluice `map` at least 0.70x raw bulk throughput; round-trip p50 at most 1.5x raw. */
export function targetsE(run: ERun): { what: string; target: string; measured: string; value: number | undefined; limit: number; kind: 'atLeast' | 'atMost' }[] {
  const rawJps = med(run.results, 'raw-bulk', (r) => r.jobsPerS);
  const sluiceJps = med(run.results, 'sluice-map', (r) => r.jobsPerS);
  const rawP50 = med(run.results, 'raw-roundtrip', (r) => r.p50Ms);
  const sluiceP50 = med(run.results, 'sluice-roundtrip', (r) => r.p50Ms);
  const throughput = rawJps === undefined || sluiceJps === undefined ? undefined : sluiceJps / rawJps;
  const latency = rawP50 === undefined || sluiceP50 === undefined ? undefined : sluiceP50 / rawP50;
  const skipped = run.skipped === undefined ? '' : ` (skipped: ${run.skipped})`;
  return [
    {
      what: `E: sluice \`map\` of ${run.config.bulkN / 1000}k trivial tasks on BullMQ, throughput vs raw \`addBulk\` + \`Worker\``,
      target: '>= 0.70x',
      measured: throughput === undefined ? `-${skipped}` : `${throughput.toFixed(2)}x (${sluiceJps?.toFixed(0)} vs ${rawJps?.toFixed(0)} jobs/s)`,
      value: throughput,
      limit: 0.7,
      kind: 'atLeast',
    },
    {
      what: 'E: sluice `submit(x).result()` round trip p50 vs raw `add` + `waitUntilFinished`',
      target: '<= 1.50x',
      measured: latency === undefined ? `-${skipped}` : `${latency.toFixed(2)}x (${sluiceP50?.toFixed(3)} vs ${rawP50?.toFixed(3)} ms)`,
      value: latency,
      limit: 1.5,
      kind: 'atMost',
    },
  ];
}
