/**
 * The `sluice` command on PostgreSQL: `sluice worker --postgres <url>` and `--backend postgres`
 * (`$DATABASE_URL`), `sluice migrate` for roles that connect with `migrate: false`, and what each
 * says when it is given too little, too much, or a password on its command line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullMQTaskRunner } from '../../src/bullmq.js';
import { flow } from '../../src/index.js';
import { add } from '../conformance/tasks.js';
import { runSluice, type CliProcess } from '../helpers/cli-process.js';
import { ENABLE_POSTGRES, hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { queueName } from '../helpers/redis.js';

const MODULES = ['--module', 'test/conformance/tasks.ts'];

if (hasPostgres) {
  describe('sluice on PostgreSQL', () => {
    let postgres: PostgresServer;
    const processes: CliProcess[] = [];

    beforeAll(async () => {
      postgres = await startPostgres();
    }, 60_000);

    afterEach(async () => {
      for (const child of processes.splice(0)) {
        child.kill();
        await child.exited;
      }
    });

    afterAll(async () => {
      await postgres.stop();
    });

    it('migrates with sluice migrate, and then a runner and a worker that may not migrate (migrate: false) run flows', async () => {
      // A database of its own: nothing migrated it yet.
      const created = runSluice(['migrate', '--postgres', postgres.url, '--schema', 'fresh']);
      const { code } = await created.exited;
      expect(code, created.output()).toBe(0);
      expect(created.output()).toMatch(/sluice migrate: schema "fresh" is at version \d+/);
      const connection = { connectionString: postgres.url, schema: 'fresh', migrate: false };
      const queue = queueName('pg-migrated');
      const { startWorker } = await import('../../src/bullmq.js');
      const worker = await startWorker({ queue, connection, tasks: [add], log: () => undefined });
      try {
        const runner = new BullMQTaskRunner({ queue, connection });
        await expect(flow({ name: 'migrated', taskRunner: runner }, () => add.submit(2, 3).result())()).resolves.toBe(5);
      } finally {
        await worker.close();
      }
    }, 60_000);

    it('fails the runs of a runner that may not migrate, on a schema never migrated, saying how to migrate it', async () => {
      const runner = new BullMQTaskRunner({ queue: queueName('pg-unmigrated'), connection: { connectionString: postgres.url, schema: 'never', migrate: false } });
      const error = await flow({ name: 'unmigrated', taskRunner: runner }, () => add.submit(1, 1).result())().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'QUEUE_CONNECTION', message: expect.stringMatching(/not initialized[\s\S]*sluice migrate --postgres/) as unknown });
    }, 30_000);

    it('starts a worker with --postgres <url>, and with --backend postgres from $DATABASE_URL', async () => {
      const started = [
        runSluice(['worker', '--queue', queueName('pg-cli'), ...MODULES, '--postgres', postgres.url]),
        runSluice(['worker', '--queue', queueName('pg-cli'), ...MODULES, '--backend', 'postgres'], { DATABASE_URL: postgres.url }),
      ];
      processes.push(...started);
      await Promise.all(started.map((child) => child.ready));
      for (const child of started) expect(child.stderr()).not.toMatch(/warning/);
    }, 60_000);

    it('warns of a password given with --postgres, and never prints it', async () => {
      const password = 'pg-s3cret-word';
      // Trust auth on loopback: any password gets in, as a wrong one would on a real server.
      const withPassword = postgres.url.replace('postgres@', `postgres:${password}@`);
      const child = runSluice(['worker', '--queue', queueName('pg-cli'), ...MODULES, '--postgres', withPassword]);
      processes.push(child);
      await child.ready;
      expect(child.stderr()).toMatch(/warning: the password in --postgres shows on the command line[\s\S]*\$DATABASE_URL|\$PGPASSWORD/);
      expect(child.output()).not.toContain(password);
    }, 60_000);

    it('refuses --backend postgres without a URL, both stores at once, and an unknown backend, with status 2', async () => {
      for (const args of [
        ['--backend', 'postgres'],
        ['--postgres', postgres.url, '--redis', 'redis://127.0.0.1:6379'],
        ['--backend', 'mysql'],
        ['--backend', 'redis', '--postgres', postgres.url],
      ]) {
        const child = runSluice(['worker', '--queue', 'q', ...MODULES, ...args]);
        const { code } = await child.exited;
        expect(code, child.output()).toBe(2);
        expect(child.stderr()).toMatch(/sluice: (--backend postgres: give --postgres|give --redis or --postgres, not both|--backend must be redis or postgres|--postgres and --backend redis)/);
      }
    }, 60_000);
  });
} else {
  describe.skip(`sluice on PostgreSQL (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
