#!/usr/bin/env node
/**
 * The `sluice` command. `sluice worker` starts a BullMQ worker that runs the tasks of the given
 * modules (see {@link startWorker}).
 *
 * @module
 * @internal
 */
import { parseArgs } from 'node:util';
import { startWorker, WORKER_DEFAULTS } from './runners/bullmq/worker.js';

const USAGE = `usage: sluice worker --module <file> [--module <file> ...] --queue <name> [options]

Runs the tasks that the modules export, for flows that use BullMQTaskRunner on the same queue.
Any number of workers, on any machine that reaches Redis, share a queue.

options:
  --module, -m <file>        a module whose exported tasks this worker runs (TypeScript too); repeatable
  --queue, -q <name>         the queue (the flows' BullMQTaskRunner({ queue }))
  --redis <url>              where Redis is (default ${WORKER_DEFAULTS.connection}, or $REDIS_URL)
  --prefix <prefix>          BullMQ's key prefix (default ${WORKER_DEFAULTS.prefix})
  --concurrency, -c <n>      jobs run at once by this worker (default ${WORKER_DEFAULTS.concurrency})
  --max-stalled-count <n>    stalls a job survives before it fails (default ${WORKER_DEFAULTS.maxStalledCount})
  --lock-duration <ms>       a job's lock, renewed at half (default ${WORKER_DEFAULTS.lockDuration})
  --stalled-interval <ms>    how often stalled jobs are looked for (default ${WORKER_DEFAULTS.stalledInterval})

SIGTERM or SIGINT: stop taking jobs and finish the active ones; a second signal hands them back.`;

function fail(message: string): never {
  console.error(`sluice: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return parsed;
}

async function worker(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        module: { type: 'string', short: 'm', multiple: true },
        queue: { type: 'string', short: 'q' },
        redis: { type: 'string' },
        prefix: { type: 'string' },
        concurrency: { type: 'string', short: 'c' },
        'max-stalled-count': { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  if (values.module === undefined || values.module.length === 0) fail('give at least one --module');
  if (values.queue === undefined) fail('give --queue');
  const running = await startWorker({
    queue: values.queue,
    modules: values.module,
    connection: values.redis ?? process.env.REDIS_URL ?? WORKER_DEFAULTS.connection,
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...optional('concurrency', integer(values.concurrency, 'concurrency')),
    ...optional('maxStalledCount', integer(values['max-stalled-count'], 'max-stalled-count')),
    ...optional('lockDuration', integer(values['lock-duration'], 'lock-duration')),
    ...optional('stalledInterval', integer(values['stalled-interval'], 'stalled-interval')),
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
        console.error(`sluice worker: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'worker':
      await worker(rest);
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
  console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
