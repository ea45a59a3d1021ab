#!/usr/bin/env node
/**
 * The `sluice` command. `sluice worker` starts a BullMQ worker that runs the tasks of the given
 * modules (see {@link startWorker}); `sluice timeline` draws a recording as an HTML page;
 * `sluice clean` takes a queue's jobs out of Redis or PostgreSQL (see {@link cleanQueue});
 * `sluice migrate` brings a PostgreSQL schema up to date for BullMQ.
 *
 * @module
 * @internal
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printable } from './core/printable.js';
import { readRecording } from './observers/read.js';
import { buildTimeline } from './observers/timeline/model.js';
import { renderTimeline } from './observers/timeline/html.js';
// BullMQ is loaded only by `sluice worker`: `sluice timeline` does not pay for it.
import { WORKER_DEFAULTS } from './runners/bullmq/worker-options.js';
import { connectionSecrets, type QueueConnection } from './runners/bullmq/connection.js';

const POSTGRES_OPTIONS = `  --postgres <url>           the queue is in PostgreSQL there, not in Redis; a password here shows
                             in ps: leave it out and set $PGPASSWORD, or use --backend postgres
  --backend <redis|postgres> where the queue lives (default redis; postgres: at $DATABASE_URL
                             unless --postgres says)`;

const WORKER_USAGE = `usage: sluice worker --module <file> [--module <file> ...] --queue <name> [options]

Runs the tasks that the modules export, for flows that use BullMQTaskRunner on the same queue.
Any number of workers, on any machine that reaches the queue's Redis or PostgreSQL, share a queue.

options:
  --module, -m <file>        a module whose exported tasks this worker runs (TypeScript too); repeatable
  --queue, -q <name>         the queue (the flows' BullMQTaskRunner({ queue }))
  --redis <url>              where Redis is (default $REDIS_URL, else ${WORKER_DEFAULTS.connection}); a
                             password here shows in ps to every user: put it in $REDIS_URL or a file
  --redis-password-file <path>
                             Redis' password, read from this file (default $REDIS_PASSWORD_FILE)
${POSTGRES_OPTIONS}
  --connect-timeout <ms>     start-up fails if the store is not ready by then (default ${WORKER_DEFAULTS.connectTimeout})
  --prefix <prefix>          BullMQ's key prefix (default ${WORKER_DEFAULTS.prefix})
  --concurrency, -c <n>      jobs run at once by this worker (default ${WORKER_DEFAULTS.concurrency})
  --max-stalled-count <n>    stalls a job survives before it fails (default ${WORKER_DEFAULTS.maxStalledCount})
  --lock-duration <ms>       a job's lock, renewed at half (default ${WORKER_DEFAULTS.lockDuration})
  --stalled-interval <ms>    how often stalled jobs are looked for (default ${WORKER_DEFAULTS.stalledInterval})
  --keep-completed <s>       seconds a completed job is kept (default ${WORKER_DEFAULTS.removeOnComplete.age})
  --keep-failed <s>          seconds a failed job is kept (default ${WORKER_DEFAULTS.removeOnFail.age})

SIGTERM or SIGINT: stop taking jobs and finish the active ones; a second signal hands them back.`;

const TIMELINE_USAGE = `usage: sluice timeline <recording.jsonl> [-o <file.html>] [options]

Draws a recording (flow({ record: 'runs.jsonl' })) as one self-contained HTML page: every task
run as a bar on a time axis, grouped by task, coloured by final state, with waits, attempts and
retries; click a bar for its states, times and error. The page loads nothing from the network.
A recording that several flow runs share draws each, subflows under the flow run that called them.

options:
  --output, -o <file>        the HTML file to write (default: the recording's path, with .html)
  --title <title>            the page's title (default: the recording's flow names)
  --flow-run <id>            draw only this flow run and its subflows; repeatable`;

const CLEAN_USAGE = `usage: sluice clean --queue <name> [--flow-run <id>] [options]

Takes jobs out of a queue in Redis or PostgreSQL: with --flow-run, the jobs of that flow run that no worker has
taken yet (what a flow process that died left behind; its id is in its events, its recording and
every job's data); without it, the whole queue, with the streams sluice keeps beside it.

options:
  --queue, -q <name>         the queue
  --flow-run <id>            only this flow run's jobs that have not started
  --force                    clean the whole queue even while jobs are active
  --redis <url>              where Redis is (default $REDIS_URL, else ${WORKER_DEFAULTS.connection})
  --redis-password-file <path>
                             Redis' password, read from this file (default $REDIS_PASSWORD_FILE)
${POSTGRES_OPTIONS}
  --prefix <prefix>          BullMQ's key prefix (default ${WORKER_DEFAULTS.prefix})`;

const MIGRATE_USAGE = `usage: sluice migrate [--postgres <url> | --backend postgres] [--schema <name>]

Brings a PostgreSQL schema up to date for BullMQ, with BullMQ's own migrations (under an advisory
lock: safe beside running workers). Runners and workers do this on connect unless their
connection says migrate: false; run it once, as a role that may create tables, where they may not.

options:
${POSTGRES_OPTIONS}
  --schema <name>            the schema BullMQ's tables live in (default bullmq)`;

const USAGE = `${WORKER_USAGE}\n\n${TIMELINE_USAGE}\n\n${CLEAN_USAGE}\n\n${MIGRATE_USAGE}`;

function fail(message: string, usage = USAGE): never {
  console.error(`sluice: ${message}\n\n${usage}`);
  process.exit(2);
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return parsed;
}

function positive(value: string | undefined, name: string): number | undefined {
  const parsed = integer(value, name);
  if (parsed === 0) fail(`--${name} must be at least 1, got ${JSON.stringify(value)}`);
  return parsed;
}

/** The options that say where a queue lives, as parseArgs takes them. */
const STORE_OPTIONS = {
  redis: { type: 'string' },
  'redis-password-file': { type: 'string' },
  postgres: { type: 'string' },
  backend: { type: 'string' },
} as const;

/** Where a queue lives, as given on the command line (see {@link queueConnection}). */
interface StoreValues {
  readonly redis?: string | undefined;
  readonly 'redis-password-file'?: string | undefined;
  readonly postgres?: string | undefined;
  readonly backend?: string | undefined;
}

/** Warns of a password on the command line: any user of the machine can read a process's. */
function warnPasswordInArgs(url: string | undefined, option: string, who: string, instead: string): void {
  if (url !== undefined && connectionSecrets(url).length > 0) {
    console.error(`${who}: warning: the password in ${option} shows on the command line of this process (ps, /proc) to every user of this machine; ${instead}`);
  }
}

/**
 * Where the queue lives, for `sluice worker` and `sluice clean`: PostgreSQL with `--postgres` or
 * `--backend postgres` (`$DATABASE_URL`), else Redis at `--redis` or `$REDIS_URL`, with the
 * password of the file given.
 */
function queueConnection(values: StoreValues, usage: string, who: string): QueueConnection {
  const backend = values.backend ?? (values.postgres === undefined ? 'redis' : 'postgres');
  if (backend !== 'redis' && backend !== 'postgres') fail(`--backend must be redis or postgres, got ${JSON.stringify(backend)}`, usage);
  if (backend === 'postgres') {
    if (values.redis !== undefined || values['redis-password-file'] !== undefined) fail('give --redis or --postgres, not both', usage);
    warnPasswordInArgs(values.postgres, '--postgres', who, 'give the URL in $DATABASE_URL (with --backend postgres), or the password in $PGPASSWORD');
    const url = values.postgres ?? process.env.DATABASE_URL;
    if (url === undefined || url === '') fail('--backend postgres: give --postgres <url>, or set $DATABASE_URL', usage);
    return url;
  }
  if (values.postgres !== undefined) fail('--postgres and --backend redis do not go together', usage);
  return redisConnection(values.redis, values['redis-password-file'] ?? process.env.REDIS_PASSWORD_FILE, usage, who);
}

/**
 * Where Redis is: `--redis` or `$REDIS_URL`, with the password of the file given. A password in
 * `--redis` is used, with a warning.
 */
function redisConnection(url: string | undefined, passwordFile: string | undefined, usage: string, who: string): QueueConnection {
  warnPasswordInArgs(url, '--redis', who, 'give the URL in $REDIS_URL, or the password in a file (--redis-password-file <path>)');
  const where = url ?? process.env.REDIS_URL ?? WORKER_DEFAULTS.connection;
  if (passwordFile === undefined || passwordFile === '') return where;
  let password: string;
  try {
    // One line, as `echo secret > file` writes it: the line break is not part of the password.
    password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    fail(`cannot read the Redis password file ${passwordFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, usage);
  }
  if (password === '') fail(`the Redis password file ${passwordFile} is empty`, usage);
  if (connectionSecrets(where).length > 0) fail(`the Redis URL has a password already: give it once, in the URL or in ${passwordFile}`, usage);
  return { url: where, password };
}

/** Loads a part of the BullMQ runner: bullmq and ioredis are optional peers of sluice, and may be missing. */
async function loadBullMQ<T>(load: () => Promise<T>, who: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = /Cannot find (package|module) '(bullmq|ioredis)'/.exec(error instanceof Error ? error.message : '');
    if (missing !== null) {
      console.error(`${who}: the ${missing[2] ?? 'bullmq'} package is not installed; the BullMQ runner needs it: npm install bullmq ioredis (and pg for PostgreSQL)`);
      process.exit(1);
    }
    throw error;
  }
}

function age(seconds: number | undefined): { age: number } | undefined {
  return seconds === undefined ? undefined : { age: seconds };
}

async function worker(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        module: { type: 'string', short: 'm', multiple: true },
        queue: { type: 'string', short: 'q' },
        ...STORE_OPTIONS,
        'connect-timeout': { type: 'string' },
        prefix: { type: 'string' },
        concurrency: { type: 'string', short: 'c' },
        'max-stalled-count': { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'keep-completed': { type: 'string' },
        'keep-failed': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), WORKER_USAGE);
  }
  if (values.help === true) {
    console.log(WORKER_USAGE);
    return;
  }
  if (values.module === undefined || values.module.length === 0) fail('give at least one --module', WORKER_USAGE);
  if (values.queue === undefined) fail('give --queue', WORKER_USAGE);
  const connection = queueConnection(values, WORKER_USAGE, 'sluice worker');
  const { startWorker } = await loadBullMQ(() => import('./runners/bullmq/worker.js'), 'sluice worker');
  const running = await startWorker({
    queue: values.queue,
    modules: values.module,
    connection,
    ...optional('connectTimeout', positive(values['connect-timeout'], 'connect-timeout')),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...optional('concurrency', integer(values.concurrency, 'concurrency')),
    ...optional('maxStalledCount', integer(values['max-stalled-count'], 'max-stalled-count')),
    ...optional('lockDuration', integer(values['lock-duration'], 'lock-duration')),
    ...optional('stalledInterval', integer(values['stalled-interval'], 'stalled-interval')),
    ...optional('removeOnComplete', age(integer(values['keep-completed'], 'keep-completed'))),
    ...optional('removeOnFail', age(integer(values['keep-failed'], 'keep-failed'))),
  });
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    const force = signals > 1;
    console.log(
      force
        ? `sluice worker: ${signal} again: handing back ${running.active} active job(s) and stopping`
        : `sluice worker: ${signal}: finishing ${running.active} active job(s), then stopping (send it again to hand them back)`,
    );
    running.close(force).then(
      () => {
        console.log('sluice worker: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`sluice worker: ${printable(error instanceof Error ? error.message : String(error))}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function clean(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        queue: { type: 'string', short: 'q' },
        'flow-run': { type: 'string' },
        force: { type: 'boolean' },
        ...STORE_OPTIONS,
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), CLEAN_USAGE);
  }
  if (values.help === true) {
    console.log(CLEAN_USAGE);
    return;
  }
  if (values.queue === undefined) fail('give --queue', CLEAN_USAGE);
  const connection = queueConnection(values, CLEAN_USAGE, 'sluice clean');
  const { cleanQueue } = await loadBullMQ(() => import('./runners/bullmq/clean.js'), 'sluice clean');
  const flowRunId = values['flow-run'];
  const { removed } = await cleanQueue({
    queue: values.queue,
    connection,
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...(flowRunId === undefined ? {} : { flowRunId }),
    force: values.force === true,
  });
  console.log(
    flowRunId === undefined
      ? `sluice clean: queue "${values.queue}" removed, with the ${removed} job(s) it held`
      : `sluice clean: removed ${removed} job(s) of flow run ${flowRunId} from queue "${values.queue}"`,
  );
}

async function migrate(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { postgres: { type: 'string' }, backend: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), MIGRATE_USAGE);
  }
  if (values.help === true) {
    console.log(MIGRATE_USAGE);
    return;
  }
  if (values.backend !== undefined && values.backend !== 'postgres') fail('migrations are for PostgreSQL: --backend postgres', MIGRATE_USAGE);
  const connection = queueConnection({ ...values, backend: 'postgres' }, MIGRATE_USAGE, 'sluice migrate');
  const { migratePostgres } = await loadBullMQ(() => import('./runners/bullmq/migrate.js'), 'sluice migrate');
  const version = await migratePostgres(typeof connection === 'string' ? connection : '', values.schema === undefined ? {} : { schema: values.schema });
  console.log(`sluice migrate: schema "${values.schema ?? 'bullmq'}" is at version ${version}`);
}

function timeline(argv: string[]): void {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        output: { type: 'string', short: 'o' },
        title: { type: 'string' },
        'flow-run': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), TIMELINE_USAGE);
  }
  if (values.help === true) {
    console.log(TIMELINE_USAGE);
    return;
  }
  const [recording, ...extra] = positionals;
  if (recording === undefined) fail('give the recording to draw (a file written by flow({ record }))', TIMELINE_USAGE);
  if (extra.length > 0) fail(`one recording at a time, got ${positionals.length}`, TIMELINE_USAGE);
  const output = resolve(values.output ?? `${recording.replace(/\.jsonl?$/, '')}.html`);
  const events = readRecording(recording);
  const wanted = values['flow-run'];
  const model = buildTimeline(events, wanted === undefined ? {} : { flowRunIds: wanted });
  const missing = wanted?.filter((id) => !model.flowRuns.some((flowRun) => flowRun.id === id)) ?? [];
  if (missing.length > 0) {
    const found = buildTimeline(events).flowRuns;
    // Names from the file, printed escaped: a line break or terminal escape in one forges nothing.
    const list = found.slice(0, LIST_LIMIT).map((flowRun) => {
      const name = flowRun.flowRunName === undefined ? printable(flowRun.name) : `${printable(flowRun.name)} › ${printable(flowRun.flowRunName)}`;
      return `  ${printable(flowRun.id)}  ${name}  ${flowRun.outcome ?? 'unfinished'}  ${flowRun.runs.length} runs`;
    });
    if (found.length > LIST_LIMIT) list.push(`  ... and ${found.length - LIST_LIMIT} more`);
    console.error(`sluice timeline: no flow run ${printable(missing.join(', '))} in ${printable(recording)}; it holds ${found.length} flow run(s)${found.length === 0 ? '' : `:\n${list.join('\n')}`}`);
    process.exit(1);
  }
  writeFileSync(output, renderTimeline(model, values.title === undefined ? {} : { title: values.title }));
  const runs = model.flowRuns.reduce((sum, flowRun) => sum + flowRun.runs.length, 0);
  const skipped = model.skipped > 0 ? ` (${model.skipped} events of unknown types skipped)` : '';
  console.log(`sluice timeline: ${runs} runs of ${model.flowRuns.length} flow run(s) drawn to ${output}${skipped}`);
}

/** How many flow runs an unknown `--flow-run` lists. */
const LIST_LIMIT = 50;

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'worker':
      await worker(rest);
      return;
    case 'timeline':
      timeline(rest);
      return;
    case 'clean':
      await clean(rest);
      return;
    case 'migrate':
      await migrate(rest);
      return;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return;
    default:
      fail(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`sluice: ${printable(error instanceof Error ? error.message : String(error))}`);
  process.exit(1);
});
