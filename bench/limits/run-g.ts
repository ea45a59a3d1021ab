/**
 * Workload G: what a tag limit kept in Redis adds to each run. On the embedded runner, in one
 * flow per fresh process: runs of a trivial task one at a time, untagged, under an in-process
 * limit and under a Redis limit (never contended: the latency a limit adds, p50 and p99); then
 * runs under a limit of 2 with 8 submitted at once, in-process and in Redis (throughput). Starts
 * its own `redis-server` on a free loopback port (no persistence), flushed before each run; without
 * one, the Redis rows are skipped, loudly. Called by bench/run.ts for `--only ...,G`.
 */
import { randomBytes } from 'node:crypto';
import { jsonChild, median } from '../lib.js';
import { REDIS_SERVER, redisServerVersion, startRedis, type RedisServer } from '../bullmq/redis.js';
import { G_RESULT_PREFIX, G_VARIANTS, isContended, needsRedis, type GCase, type GMeasured, type GResult, type GVariant } from './common.js';

export interface GConfig {
  /** Runs timed one at a time. */
  readonly n: number;
  /** Runs timed in the contended variants. */
  readonly contendedN: number;
  /** Untimed runs first, in the same flow. */
  readonly warm: number;
  /** The limit when runs go one at a time (never reached). */
  readonly limit: number;
  /** The limit when contended, and how many runs the runner starts at once. */
  readonly contendedLimit: number;
  readonly contendedConcurrency: number;
  readonly reps: number;
  readonly timeoutMs: number;
}

export interface GRun {
  readonly config: GConfig;
  /** redis-server's version, undefined when it is not installed. */
  readonly redisVersion: string | undefined;
  /** Why the Redis rows were not measured. */
  readonly skipped?: string;
  readonly results: GResult[];
}

/**
 * Runs workload G; `argv` starts a child (`[--import tsx] path/to/bench/limits/child.(js|ts)`).
 * Repetitions are interleaved, every other one in reverse order.
 */
export async function runG(cfg: GConfig, argv: readonly string[], log: (s: string) => void): Promise<GRun> {
  const redisVersion = redisServerVersion();
  let redis: RedisServer | undefined;
  let skipped: string | undefined;
  if (redisVersion === undefined) skipped = `\`${REDIS_SERVER}\` not found on PATH (or it would not run): workload G's Redis rows need a local Redis`;
  else {
    try {
      redis = await startRedis(redisVersion);
    } catch (error) {
      skipped = `redis-server ${redisVersion} would not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (skipped !== undefined) {
    log('');
    log(`  !!!!! [G] Redis rows SKIPPED: ${skipped}.${redisVersion === undefined ? ' To measure them, install Redis (apt-get install redis-server).' : ''} !!!!!`);
    log('');
  }
  log(
    `  [G] ${redis === undefined ? 'no Redis' : `redis-server ${redisVersion ?? ''} on ${redis.url}`}; ${cfg.n} runs one at a time (limit ${cfg.limit}), ${cfg.contendedN} under a limit of ${cfg.contendedLimit} with ${cfg.contendedConcurrency} at once; +${cfg.warm} warm-up each`,
  );
  const results: GResult[] = [];
  try {
    for (let rep = 1; rep <= cfg.reps; rep++) {
      const order = rep % 2 === 1 ? G_VARIANTS : [...G_VARIANTS].reverse();
      for (const variant of order) {
        if (needsRedis(variant) && redis === undefined) continue;
        await redis?.flush();
        const contended = isContended(variant);
        const c: GCase = {
          variant,
          ...(redis === undefined ? {} : { url: redis.url }),
          prefix: `g-${randomBytes(3).toString('hex')}:`,
          n: contended ? cfg.contendedN : cfg.n,
          warm: cfg.warm,
          limit: contended ? cfg.contendedLimit : cfg.limit,
          concurrency: contended ? cfg.contendedConcurrency : cfg.limit,
        };
        const { line, error } = await jsonChild<GMeasured>(argv, c, G_RESULT_PREFIX, cfg.timeoutMs);
        const r: GResult = { variant, rep, n: c.n, warm: c.warm, limit: c.limit, concurrency: c.concurrency, ...line, ...(error === undefined ? {} : { error }) };
        results.push(r);
        const what =
          line === undefined
            ? `FAILED: ${error ?? ''}`
            : contended
              ? `${f(c.n / (line.ms / 1000), 0)} runs/s, at most ${line.maxInFlight} in flight`
              : `p50 ${f(line.p50Us, 1)} µs, p99 ${f(line.p99Us, 1)} µs, mean ${f(line.meanUs, 1)} µs`;
        log(`  [G rep ${rep}] ${variant.padEnd(16)} ${what}${line === undefined || line.ok ? '' : ' WRONG RESULTS'}`);
      }
    }
  } finally {
    await redis?.stop();
  }
  return { config: cfg, redisVersion, ...(skipped === undefined ? {} : { skipped }), results };
}

/* ---------- the report ---------- */

const f = (x: number | undefined, d = 1): string => (x === undefined ? '-' : x.toFixed(d));

function values(results: readonly GResult[], variant: GVariant, pick: (r: GResult) => number | undefined): number[] {
  return results
    .filter((r) => r.variant === variant && r.ok === true)
    .map(pick)
    .filter((v): v is number => v !== undefined);
}

function med(results: readonly GResult[], variant: GVariant, pick: (r: GResult) => number | undefined): number | undefined {
  const vs = values(results, variant, pick);
  return vs.length === 0 ? undefined : median(vs);
}

function cell(results: readonly GResult[], variant: GVariant, pick: (r: GResult) => number | undefined, d: number): string {
  const vs = values(results, variant, pick);
  return vs.length === 0 ? '-' : `${f(median(vs), d)} [${f(Math.min(...vs), d)}..${f(Math.max(...vs), d)}]`;
}

const runsPerS = (r: GResult): number | undefined => (r.ms === undefined ? undefined : r.n / (r.ms / 1000));

/** `+12.3` µs (b − a), or '-'. */
const added = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '-' : `${b >= a ? '+' : ''}${f(b - a)}`);

function what(cfg: GConfig): Readonly<Record<GVariant, string>> {
  return {
    untagged: '`await inc.submit(i).result()`, one at a time; no tag',
    memory: `the same, tagged; in-process limit of ${cfg.limit}`,
    redis: `the same, tagged; Redis limit of ${cfg.limit}`,
    'memory-contended': `\`inc.map(xs).result()\`, runner concurrency ${cfg.contendedConcurrency}; in-process limit of ${cfg.contendedLimit}`,
    'redis-contended': `the same; Redis limit of ${cfg.contendedLimit}`,
  };
}

/** The G section of BENCHMARKS.md. */
export function tableG(run: GRun): string[] {
  const { config: cfg, results } = run;
  const lines = [
    `### G. A tag limit kept in Redis (local redis-server${run.redisVersion === undefined ? '' : ` ${run.redisVersion}`}) against one in the process, embedded runner: ${cfg.n} runs one at a time under a limit of ${cfg.limit} (latency per run), ${cfg.contendedN} under a limit of ${cfg.contendedLimit} with ${cfg.contendedConcurrency} at once (throughput)`,
    '',
  ];
  if (run.skipped !== undefined) lines.push(`**Redis rows not measured: ${run.skipped}.**`, '');
  lines.push(
    `Each run is a fresh process with one flow on a \`ConcurrentTaskRunner\`; the task is \`async x => x + 1\` (over one microtask, counting bodies in flight), tagged \`crm\` where a limit applies. The Redis limits are \`concurrencyLimits({ crm }, { redis: { connection, prefix } })\` on the bench's own \`redis-server --save '' --appendonly no\` on loopback, flushed before each run: a run takes a slot (a redis-semaphore lease) before its body and gives it back after. ${cfg.warm} untimed runs first, in the same flow. One at a time: latency of each run, from \`submit\` to its result; "added" is the median p50 (p99) minus the untagged row's. Contended: wall time of the \`map\`.`,
    '',
    '| variant | what | n | p50 µs median [min..max] | p99 µs median [min..max] | added p50 µs | added p99 µs | runs/s | runs/s vs in-process | max in flight | peak RSS MB | runs ok |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const p50 = (v: GVariant): number | undefined => med(results, v, (r) => r.p50Us);
  const p99 = (v: GVariant): number | undefined => med(results, v, (r) => r.p99Us);
  const labels = what(cfg);
  for (const variant of G_VARIANTS) {
    const all = results.filter((r) => r.variant === variant);
    if (all.length === 0) continue;
    const contended = isContended(variant);
    const rps = med(results, variant, runsPerS);
    const reference = variant === 'redis-contended' ? med(results, 'memory-contended', runsPerS) : undefined;
    const errors = [...new Set(all.flatMap((r) => (r.error === undefined ? [] : [r.error.replace(/\|/g, '\\|')])))];
    const inFlight = [...new Set(all.flatMap((r) => (r.maxInFlight === undefined ? [] : [r.maxInFlight])))].join(', ');
    lines.push(
      `| ${variant} | ${labels[variant]} | ${all[0]?.n ?? '-'} | ${contended ? '-' : cell(results, variant, (r) => r.p50Us, 1)} | ${contended ? '-' : cell(results, variant, (r) => r.p99Us, 1)} | ${contended || variant === 'untagged' ? '-' : added(p50('untagged'), p50(variant))} | ${contended || variant === 'untagged' ? '-' : added(p99('untagged'), p99(variant))} | ${cell(results, variant, runsPerS, 0)} | ${rps === undefined || reference === undefined ? '-' : `${f(rps / reference, 2)}x`} | ${inFlight || '-'} | ${cell(results, variant, (r) => r.peakRssMb, 1)} | ${all.filter((r) => r.ok === true).length}/${all.length}${errors.length > 0 ? ` (${errors.join('; ')})` : ''} |`,
    );
  }
  return lines;
}

/** G's line in the Targets table: reported, with no target. */
export function targetsG(run: GRun): { what: string; target: string; measured: string; verdict: string }[] {
  const p = (v: GVariant, pick: (r: GResult) => number | undefined): number | undefined => med(run.results, v, pick);
  const [u50, u99, m50, m99, r50, r99] = [p('untagged', (r) => r.p50Us), p('untagged', (r) => r.p99Us), p('memory', (r) => r.p50Us), p('memory', (r) => r.p99Us), p('redis', (r) => r.p50Us), p('redis', (r) => r.p99Us)];
  const measured =
    r50 === undefined || u50 === undefined
      ? `-${run.skipped === undefined ? '' : ` (skipped: ${run.skipped})`}`
      : `${added(u50, r50)} / ${added(u99, r99)} µs (Redis ${f(r50)} / ${f(r99)} µs, untagged ${f(u50)} / ${f(u99)} µs; in-process limit ${added(u50, m50)} / ${added(u99, m99)} µs)`;
  return [
    {
      what: `G: Redis-backed tag limit, added latency per run (p50 / p99), one run at a time, limit ${run.config.limit}`,
      target: 'report',
      measured,
      verdict: r50 === undefined || u50 === undefined ? 'NOT MEASURED' : '-',
    },
  ];
}
