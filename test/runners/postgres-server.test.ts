/**
 * The PostgreSQL server the PostgreSQL suites start (test/helpers/postgres.ts): a real one on a
 * free loopback port, in a temporary folder that is gone after.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE_POSTGRES, hasPostgres, postgresBin, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { accepts } from '../helpers/redis.js';

const exec = promisify(execFile);

/** One statement through psql, over TCP to 127.0.0.1, as the postgres user, with no password. */
async function sql(server: PostgresServer, statement: string): Promise<string> {
  const psql = join(postgresBin ?? '', 'psql');
  const { stdout } = await exec(psql, ['-X', '-w', '-A', '-t', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', 'postgres', '-c', statement]);
  return stdout.trim();
}

if (hasPostgres) {
  describe('a PostgreSQL server for the tests', () => {
    let server: PostgresServer;

    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);

    afterAll(async () => {
      await server.stop();
    });

    it('takes queries on 127.0.0.1 without a password, at its url', async () => {
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
      expect(await sql(server, 'select 1 + 1')).toBe('2');
      expect(Number(await sql(server, 'show server_version_num'))).toBeGreaterThanOrEqual(130_000);
    });

    it('names its postmaster: a running postgres process', () => {
      const pid = server.pid();
      expect(pid).toBeGreaterThan(0);
      expect(() => process.kill(pid as number, 0)).not.toThrow();
      if (existsSync('/proc')) expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('postgres');
    });

    it('keeps its data and port across a crash and restart', async () => {
      await sql(server, 'create table kept (n int); insert into kept values (42)');
      await server.restart(true);
      expect(await sql(server, 'select n from kept')).toBe('42');
    }, 120_000);

    it('is gone after stop: nothing listens on its port and its folder is removed', async () => {
      const other = await startPostgres();
      expect(other.port).not.toBe(server.port);
      expect(await accepts(other.port)).toBe(true);
      await other.stop();
      expect(await accepts(other.port)).toBe(false);
      expect(other.pid()).toBeUndefined();
      expect(existsSync(other.folder)).toBe(false);
    }, 120_000);
  });
} else {
  describe.skip(`a PostgreSQL server for the tests (skipped: ${ENABLE_POSTGRES})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}
