/**
 * Workload E: BullMQ, raw against sluice, measured the way the peers' comparison measures it, on
 * each store BullMQ has: a local Redis and a local PostgreSQL (BullMQ's PostgreSQL backend).
 * Starts its own `redis-server` on a free loopback port (no persistence) and its own PostgreSQL
 * server (scripts/postgres-server.ts: initdb in a temporary folder, loopback, fsync off), one
 * store after the other; runs every variant in a fresh process with a fresh queue on an emptied
 * store (Redis flushed, a new PostgreSQL database per run), repetitions interleaved, and stops
 * each server after its runs. Called by bench/run.ts for `--only ...,E`.
 *
 * - raw-bulk: `addBulk` of n jobs in chunks + an in-process `Worker`; first add to last 'completed'.
 * - sluice-map: `inc.map(xs).result()` on a `BullMQTaskRunner` + an in-process `startWorker`.
 * - raw-roundtrip: one caller, `queue.add` + `job.waitUntilFinished(queueEvents)`, one at a time.
 * - sluice-roundtrip: one flow, `await inc.submit(i).result()`, one at a time.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ENABLE_POSTGRES, hasPostgres, postgresBin, postgresVersion, startPostgres, type PostgresServer } from '../../scripts/postgres-server.js';
import { jsonChild, median } from '../lib.js';
import { E_RESULT_PREFIX, E_STORES, E_VARIANTS, type ECase, type EResult, type EStore, type EVariant } from './common.js';
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
  /** The stores measured, in this order (absent in raw files saved before PostgreSQL: Redis only). */
  readonly stores: readonly EStore[];
}

/** One store's server as E found it. */
export interface EServer {
  readonly store: EStore;
  /** The server's version, undefined when it is not installed. */
  readonly version: string | undefined;
  /** Why this store's rows were not measured (no server, or it would not start). */
  readonly skipped?: string;
}

export interface ERun {
  readonly config: EConfig;
  readonly servers: readonly EServer[];
  readonly results: EResult[];
}

/** E as raw files saved before the PostgreSQL rows hold it: Redis only. */
interface ERunRedisOnly {
  readonly config: Omit<EConfig, 'stores'>;
  readonly redisVersion: string | undefined;
  readonly results: (Omit<EResult, 'store' | 'serverCpuMs'> & { readonly redisCpuMs?: number })[];
  readonly skipped?: string;
}

/** A saved E run, read back for `--from`: one saved before the PostgreSQL rows is read as Redis only. */
export function savedE(saved: ERun | ERunRedisOnly): ERun {
  if ('servers' in saved) return saved;
  return {
    config: { ...saved.config, stores: ['redis'] },
    servers: [{ store: 'redis', version: saved.redisVersion, ...(saved.skipped === undefined ? {} : { skipped: saved.skipped }) }],
    results: saved.results.map(({ redisCpuMs, ...r }) => ({ ...r, store: 'redis', ...(redisCpuMs === undefined ? {} : { serverCpuMs: redisCpuMs }) })),
  };
}

const STORE_NAME: Readonly<Record<EStore, string>> = { redis: 'Redis', postgres: 'PostgreSQL' };

function child(argv: readonly string[], cfg: ECase, timeoutMs: number): Promise<{ line?: Record<string, unknown>; error?: string }> {
  return jsonChild<Record<string, unknown>>(argv, cfg, E_RESULT_PREFIX, timeoutMs);
}

const isBulk = (v: EVariant): boolean => v === 'raw-bulk' || v === 'raw-bulk-events' || v === 'sluice-map';

/**
 * How much longer a run may take on PostgreSQL before it counts as hung: a job costs the server
 * several commits, and raw BullMQ's `QueueEvents` there can wait out its 10 s block now and then.
 */
const POSTGRES_SLOWER = 3;

/** A started store: where each run's queue goes, and how to stop the server. */
interface Home {
  readonly what: string;
  /** PostgreSQL: the postmaster, whose processes' CPU the children measure. */
  readonly serverPid?: number;
  /** An empty store for the run named `run`: its URL. */
  fresh(run: string): Promise<string>;
  /** After the run: frees what `fresh` made. */
  done(run: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the store's server, or says (loudly) why its rows are skipped. */
async function startHome(store: EStore, log: (s: string) => void): Promise<{ server: EServer; home?: Home }> {
  const skip = (version: string | undefined, why: string, how: string): { server: EServer } => {
    log('');
    log(`  !!!!! [E ${store}] SKIPPED: ${why}.${how === '' ? '' : ` To measure it, ${how}.`} !!!!!`);
    log('');
    return { server: { store, version, skipped: why } };
  };
  const failure = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  if (store === 'redis') {
    const version = redisServerVersion();
    if (version === undefined) return skip(version, `\`${REDIS_SERVER}\` not found on PATH (or it would not run): workload E's Redis rows need a local Redis`, 'install Redis (apt-get install redis-server)');
    let redis;
    try {
      redis = await startRedis(version);
    } catch (error) {
      return skip(version, `redis-server ${version} would not start: ${failure(error)}`, '');
    }
    return {
      server: { store, version },
      home: { what: `redis-server ${version} on ${redis.url}`, fresh: () => redis.flush().then(() => redis.url), done: () => Promise.resolve(), stop: () => redis.stop() },
    };
  }
  const version = postgresVersion();
  if (!hasPostgres || version === undefined) {
    return skip(version, "PostgreSQL's server (initdb, pg_ctl, postgres) not found, or it would not run, or we are root and there is no postgres user to run it as: workload E's PostgreSQL rows need a local PostgreSQL", ENABLE_POSTGRES);
  }
  let server: PostgresServer;
  try {
    server = await startPostgres();
  } catch (error) {
    return skip(version, `PostgreSQL ${version} would not start: ${failure(error).split('\n')[0] ?? ''}`, '');
  }
  const database = (run: string): string => `e_${run.replace(/[^a-z0-9]/g, '_')}`;
  const pid = server.pid();
  return {
    server: { store, version },
    home: {
      what: `PostgreSQL ${version} on ${server.url}`,
      ...(pid === undefined ? {} : { serverPid: pid }),
      // A database per run: nothing of an earlier run (its rows, its autovacuum) is left in it.
      fresh: async (run) => {
        await psql(server.port, `create database ${database(run)}`);
        return server.url.replace(/\/postgres$/, `/${database(run)}`);
      },
      done: (run) => psql(server.port, `drop database if exists ${database(run)} with (force)`),
      stop: () => server.stop(),
    },
  };
}

/** One statement through the server's own psql, as the postgres user over loopback (trust auth). */
function psql(port: number, statement: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-X', '-w', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', statement];
    execFile(join(postgresBin ?? '', 'psql'), args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`psql -c "${statement}": ${String(stderr).trim() || error.message}`));
    });
  });
}

/**
 * Runs workload E on each store of `cfg.stores`; `argv` starts a child (`[--import tsx]
 * path/to/bench/bullmq/child.(js|ts)`). A store whose server is missing is skipped (loudly) and
 * the report says so.
 */
export async function runE(cfg: EConfig, argv: readonly string[], log: (s: string) => void): Promise<ERun> {
  const servers: EServer[] = [];
  const results: EResult[] = [];
  for (const store of cfg.stores) {
    const { server, home } = await startHome(store, log);
    servers.push(server);
    if (home === undefined) continue;
    log(`  [E ${store}] ${home.what}; bulk ${cfg.bulkN} jobs (addBulk chunks of ${cfg.chunk}), ${cfg.trips} round trips; worker concurrency ${cfg.concurrency}`);
    try {
      for (let rep = 1; rep <= cfg.reps; rep++) {
        for (const variant of E_VARIANTS) {
          const bulk = isBulk(variant);
          const name = `${variant}-${rep}-${randomBytes(3).toString('hex')}`;
          const c: ECase = {
            variant,
            store,
            url: await home.fresh(name),
            ...(home.serverPid === undefined ? {} : { serverPid: home.serverPid }),
            queue: `e-${name}`,
            n: bulk ? cfg.bulkN : cfg.trips,
            warm: bulk ? cfg.bulkWarm : cfg.warmTrips,
            concurrency: cfg.concurrency,
            chunk: cfg.chunk,
          };
          const { line, error: failed } = await child(argv, c, store === 'postgres' ? cfg.timeoutMs * POSTGRES_SLOWER : cfg.timeoutMs);
          await home.done(name);
          const lostEvents = typeof line?.lostEvents === 'number' ? line.lostEvents : undefined;
          const error = failed ?? (lostEvents === undefined ? undefined : `\`QueueEvents\` never delivered ${lostEvents} of ${c.n} 'completed' events`);
          const ms = typeof line?.ms === 'number' ? line.ms : Number.NaN;
          const r: EResult = {
            variant,
            store,
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
            ...(typeof line?.cpuMs === 'number' ? { cpuMs: line.cpuMs } : {}),
            // NaN (PostgreSQL off Linux) comes through JSON as null.
            ...(typeof line?.serverCpuMs === 'number' ? { serverCpuMs: line.serverCpuMs } : {}),
            ...(lostEvents === undefined ? {} : { lostEvents }),
            ...(error !== undefined ? { error } : {}),
          };
          results.push(r);
          const what =
            error !== undefined
              ? `FAILED: ${error}`
              : bulk
                ? `${r.ms.toFixed(0)} ms, ${r.jobsPerS.toFixed(0)} jobs/s${r.enqueueMs === undefined ? '' : `, enqueue ${r.enqueueMs.toFixed(0)} ms`}`
                : `p50 ${(r.p50Ms ?? NaN).toFixed(3)} ms, p99 ${(r.p99Ms ?? NaN).toFixed(3)} ms, ${r.jobsPerS.toFixed(0)} trips/s`;
          const cpu = r.cpuMs === undefined ? '' : `; CPU ${r.cpuMs.toFixed(0)} ms here, ${r.serverCpuMs === undefined ? '?' : r.serverCpuMs.toFixed(0)} ms in ${store}`;
          log(`  [E ${store} rep ${rep}] ${variant.padEnd(17)} ${what}${cpu}${r.ok || error !== undefined ? '' : ' WRONG RESULTS'}`);
        }
      }
    } finally {
      await home.stop();
    }
  }
  return { config: cfg, servers, results };
}

/* ---------- the report ---------- */

function ok(results: readonly EResult[], store: EStore, variant: EVariant): EResult[] {
  return results.filter((r) => r.store === store && r.variant === variant && r.error === undefined && r.ok);
}

function values(results: readonly EResult[], store: EStore, variant: EVariant, pick: (r: EResult) => number | undefined): number[] {
  return ok(results, store, variant)
    .map(pick)
    .filter((v): v is number => v !== undefined && !Number.isNaN(v));
}

function med(results: readonly EResult[], store: EStore, variant: EVariant, pick: (r: EResult) => number | undefined): number | undefined {
  const vs = values(results, store, variant, pick);
  return vs.length === 0 ? undefined : median(vs);
}

function cell(results: readonly EResult[], store: EStore, variant: EVariant, pick: (r: EResult) => number | undefined, digits: number): string {
  const vs = values(results, store, variant, pick);
  if (vs.length === 0) return '-';
  return `${median(vs).toFixed(digits)} [${Math.min(...vs).toFixed(digits)}..${Math.max(...vs).toFixed(digits)}]`;
}

const WHAT: Readonly<Record<EVariant, string>> = {
  'raw-bulk': 'raw BullMQ: `addBulk` + `Worker`, counting the worker\'s `completed` events',
  'raw-bulk-events': 'the same, hearing each outcome through `QueueEvents` (informational)',
  'sluice-map': 'sluice `map` on `BullMQTaskRunner` + `startWorker`',
  'raw-roundtrip': 'raw BullMQ: `add` + `waitUntilFinished`, 1 caller',
  'sluice-roundtrip': 'sluice `await submit(i).result()`, 1 caller',
};

const serverName = (server: EServer): string => `${server.store === 'redis' ? 'redis-server' : 'PostgreSQL'}${server.version === undefined ? '' : ` ${server.version}`}`;

/** The E section of BENCHMARKS.md: one table, the stores' rows one after the other, each ratio against raw BullMQ on the same store. */
export function tableE(run: ERun): string[] {
  const { config: cfg } = run;
  const heading = `### E. BullMQ on a local ${run.servers.map(serverName).join(' and on a local ')}: ${cfg.bulkN / 1000}k trivial jobs in bulk, and ${cfg.trips} single round trips; in-process worker, concurrency ${cfg.concurrency}`;
  const measured = run.servers.filter((s) => s.skipped === undefined);
  const lines = [heading, ''];
  for (const s of run.servers) if (s.skipped !== undefined) lines.push(`**${STORE_NAME[s.store]} rows not measured: ${s.skipped}.**`, '');
  if (measured.length === 0) return lines.slice(0, -1);
  // What each store is and how its server's CPU is read, one line per store measured.
  const about: Readonly<Record<EStore, string>> = {
    redis: "- Redis: the bench's own `redis-server --save '' --appendonly no` on loopback, flushed before each run. Its CPU: `INFO cpu`.",
    postgres:
      "- PostgreSQL: the bench's own server (`initdb` in a temporary folder, loopback, `fsync=off` as the tests start theirs: like Redis without persistence, it would lose data to a machine crash, not to its own), a new database per run, dropped after it, in which BullMQ makes its schema (`migrate: true`) before the timed pass; both sides get BullMQ's default pools. Its CPU: the postmaster's and all its processes' (backends, background writers, and those that exited meanwhile), read from /proc.",
  };
  lines.push(
    `Each run is a fresh process with its own queue on an emptied store. Bulk: ${cfg.bulkN} jobs, \`addBulk\` chunks of ${cfg.chunk} (sluice: \`bulkSize\` ${cfg.chunk}), timed from the first add to the last result, after ${cfg.bulkWarm} untimed jobs through the same queue and worker. Round trip: ${cfg.trips} sequential trips after ${cfg.warmTrips} untimed ones; latency per trip. Ratios compare with raw BullMQ on the same store. CPU ms: user + system time of the contender's process (producer and worker together) and of the store's server during the timed pass, steadier than wall time when the host is busy.`,
    '',
    ...measured.map((m) => about[m.store]),
    '',
    '| store | contender | what | n | wall ms median [min..max] | jobs/s | vs raw bulk, same store (jobs/s) | enqueue ms | p50 ms | p99 ms | p50 vs raw, same store | CPU ms, this process | CPU ms, store server | peak RSS MB | runs ok |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const { store } of measured) {
    const rawBulk = med(run.results, store, 'raw-bulk', (r) => r.jobsPerS);
    const rawP50 = med(run.results, store, 'raw-roundtrip', (r) => r.p50Ms);
    for (const variant of E_VARIANTS) {
      const all = run.results.filter((r) => r.store === store && r.variant === variant);
      const errors = [...new Set(all.filter((r) => r.error !== undefined).map((r) => r.error))];
      // An error's text goes in a table cell: no bare '|'.
      const runsOk = `${ok(run.results, store, variant).length}/${all.length}${errors.length > 0 ? ` (${errors.join('; ').replace(/\|/g, '\\|')})` : ''}`;
      const bulk = isBulk(variant);
      const jps = med(run.results, store, variant, (r) => r.jobsPerS);
      const p50 = med(run.results, store, variant, (r) => r.p50Ms);
      const c = (pick: (r: EResult) => number | undefined, digits: number): string => cell(run.results, store, variant, pick, digits);
      lines.push(
        `| ${STORE_NAME[store]} | ${variant} | ${WHAT[variant]} | ${all[0]?.n ?? '-'} | ${c((r) => r.ms, 1)} | ${c((r) => r.jobsPerS, 0)} | ${bulk && jps !== undefined && rawBulk !== undefined ? `${(jps / rawBulk).toFixed(2)}x` : '-'} | ${c((r) => r.enqueueMs, 1)} | ${bulk ? '-' : c((r) => r.p50Ms, 3)} | ${bulk ? '-' : c((r) => r.p99Ms, 3)} | ${!bulk && p50 !== undefined && rawP50 !== undefined ? `${(p50 / rawP50).toFixed(2)}x` : '-'} | ${c((r) => r.cpuMs, 0)} | ${c((r) => r.serverCpuMs, 0)} | ${c((r) => r.peakRssMb, 1)} | ${runsOk} |`,
      );
    }
  }
  if (measured.some((s) => s.store === 'redis')) {
    lines.push(
      '',
      'For reference, raw BullMQ on Redis measured earlier on the same machine type with a separate harness: raw bulk ~12.3k jobs/s (813 ms for 10k, enqueue 371 ms); single-caller round trip p50 0.53 ms, p99 4.20 ms.',
    );
  }
  return lines;
}

/** A target of E, on one store. */
export interface ETarget {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly value: number | undefined;
  readonly limit: number;
  readonly kind: 'atLeast' | 'atMost';
}

/**
 * The targets for E, per store, each against raw BullMQ on the same store: sluice `map` at least
 * 0.70x raw bulk throughput; round-trip p50 at most 1.5x raw. They were set on Redis and hold on
 * PostgreSQL as they are: both sides do the same work on the same store, so a ratio still says
 * what sluice adds (the report's caveats say what differs).
 */
export function targetsE(run: ERun): ETarget[] {
  return run.servers.flatMap((server): ETarget[] => {
    const { store } = server;
    const rawJps = med(run.results, store, 'raw-bulk', (r) => r.jobsPerS);
    const sluiceJps = med(run.results, store, 'sluice-map', (r) => r.jobsPerS);
    const rawP50 = med(run.results, store, 'raw-roundtrip', (r) => r.p50Ms);
    const sluiceP50 = med(run.results, store, 'sluice-roundtrip', (r) => r.p50Ms);
    const throughput = rawJps === undefined || sluiceJps === undefined ? undefined : sluiceJps / rawJps;
    const latency = rawP50 === undefined || sluiceP50 === undefined ? undefined : sluiceP50 / rawP50;
    const skipped = server.skipped === undefined ? '' : ` (skipped: ${server.skipped})`;
    return [
      {
        what: `E (${STORE_NAME[store]}): sluice \`map\` of ${run.config.bulkN / 1000}k trivial tasks on BullMQ, throughput vs raw \`addBulk\` + \`Worker\` on ${STORE_NAME[store]}`,
        target: '>= 0.70x',
        measured: throughput === undefined ? `-${skipped}` : `${throughput.toFixed(2)}x (${sluiceJps?.toFixed(0)} vs ${rawJps?.toFixed(0)} jobs/s)`,
        value: throughput,
        limit: 0.7,
        kind: 'atLeast',
      },
      {
        what: `E (${STORE_NAME[store]}): sluice \`submit(x).result()\` round trip p50 vs raw \`add\` + \`waitUntilFinished\` on ${STORE_NAME[store]}`,
        target: '<= 1.50x',
        measured: latency === undefined ? `-${skipped}` : `${latency.toFixed(2)}x (${sluiceP50?.toFixed(3)} vs ${rawP50?.toFixed(3)} ms)`,
        value: latency,
        limit: 1.5,
        kind: 'atMost',
      },
    ];
  });
}

/** Parses `--stores redis,postgres`. */
export function parseStores(text: string): EStore[] {
  const stores = text.split(',').map((s) => s.trim());
  const unknown = stores.filter((s) => !(E_STORES as readonly string[]).includes(s));
  if (unknown.length > 0 || stores.length === 0) throw new Error(`--stores takes a comma-separated list of ${E_STORES.join(', ')}; got ${JSON.stringify(text)}`);
  return [...new Set(stores)] as EStore[];
}
