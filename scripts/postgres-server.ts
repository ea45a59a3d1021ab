/**
 * A real PostgreSQL server of our own, for the tests (test/helpers/postgres.ts) and the bench
 * (bench/bullmq/run-e.ts): `initdb` into a temporary data folder, `pg_ctl` on a free loopback
 * port with trust auth on 127.0.0.1, stopped and removed after.
 *
 * PostgreSQL refuses to run as root, so as root the server binaries run as the `postgres` user
 * (Debian's `postgresql` package creates it), and the data folder is handed to that user.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort } from './free-port.js';
import { dirname, join } from 'node:path';

/** How to get PostgreSQL's server, for messages. */
export const ENABLE_POSTGRES =
  "install PostgreSQL's server (Debian/Ubuntu: sudo apt-get install -y postgresql, which also creates the postgres user; macOS: brew install postgresql) so that initdb and pg_ctl are on PATH or under /usr/lib/postgresql/<version>/bin";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder holding `initdb`, `pg_ctl` and `postgres`: on PATH (a source build, Homebrew, a
 * symlink), else Debian's newest /usr/lib/postgresql/<version>/bin, which is not on PATH. Symlinks
 * are followed, so that the folder also holds the install's own client tools (psql).
 */
export const postgresBin: string | undefined = (() => {
  const hasAll = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((name) => executable(join(dir, name)));
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && hasAll(dir)) return dirname(realpathSync(join(dir, 'initdb')));
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name));
  } catch {
    // no Debian install
  }
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (hasAll(dir)) return dir;
  }
  return undefined;
})();

/** The user the server runs as: none when not root; the `postgres` user as root. */
const runAs: { readonly uid: number; readonly gid: number } | undefined | 'missing' = (() => {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    const fields = line?.split(':');
    if (fields === undefined || fields.length < 4) return 'missing';
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return 'missing';
  }
})();

/** Whether a PostgreSQL server can be started here. */
export const hasPostgres: boolean = postgresBin !== undefined && runAs !== 'missing';

/** `postgres --version`'s version (`15.18`), or undefined when the server binaries are missing or will not run. */
export function postgresVersion(): string | undefined {
  if (postgresBin === undefined) return undefined;
  const probe = spawnSync(join(postgresBin, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return /\)\s*(\d[\w.]*)/.exec(probe.stdout)?.[1] ?? probe.stdout.trim();
}

/** Options of {@link startPostgres}. */
export interface PostgresServerOptions {
  /** Require this password of the `postgres` user over TCP (scram-sha-256), rather than trust auth. */
  readonly password?: string;
}

/** A running PostgreSQL server. */
export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (with trust auth), or with `postgres:<password>@` when it requires one. */
  readonly url: string;
  /** Its temporary folder (data, socket, log), removed by {@link PostgresServer.stop}. */
  readonly folder: string;
  /** The postmaster's process id (from its data folder's postmaster.pid), or undefined while it is stopped. */
  pid(): number | undefined;
  /** Runs one SQL statement through psql, as the postgres user over TCP, and resolves with its rows (one a line, fields split by `|`). */
  sql(statement: string): Promise<string>;
  /** Stops it (`hard`: `-m immediate`, as a crash) and starts it again on the same data and port; `whileDown` runs in between. */
  restart(hard?: boolean, whileDown?: () => Promise<void>): Promise<void>;
  /** Stops it (`hard`: `-m immediate`, as when the machine goes away) and removes its data folder. */
  stop(hard?: boolean): Promise<void>;
}

/** Runs a server binary (as the postgres user when we are root); async, so that a restart does not stall the test's own event loop. */
async function run(command: string, args: readonly string[], what: string): Promise<string> {
  const user = runAs === 'missing' ? undefined : runAs;
  return new Promise((resolve, reject) => {
    execFile(
      join(postgresBin ?? '', command),
      args,
      {
        encoding: 'utf8',
        timeout: 60_000,
        // Nothing of root's (locale, home) leaks into the server's environment.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...(user === undefined ? {} : { HOME: '/tmp' }) },
        ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
      },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(`${what} failed (${command} ${args.join(' ')}: ${error.message}):\n${stdout}${stderr}`));
      },
    );
  });
}

/**
 * Starts a PostgreSQL server on a free loopback port, in a fresh temporary data folder, with
 * trust auth on 127.0.0.1 (or the password given); durable across a crash of the server, not of
 * the machine (fsync off).
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  if (!hasPostgres) throw new Error(`PostgreSQL cannot be started here: ${ENABLE_POSTGRES}`);
  const folder = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const data = join(folder, 'data');
  if (runAs !== undefined && runAs !== 'missing') {
    chownSync(folder, runAs.uid, runAs.gid);
    chmodSync(folder, 0o700);
  }
  // The password goes to initdb in a file of the server's user, never on its command line.
  const auth = ['--auth=trust'];
  if (options.password !== undefined) {
    const file = join(folder, 'password');
    writeFileSync(file, `${options.password}\n`, { mode: 0o600 });
    if (runAs !== undefined && runAs !== 'missing') chownSync(file, runAs.uid, runAs.gid);
    auth.splice(0, 1, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${file}`);
  }
  try {
    await run('initdb', ['-D', data, '-U', 'postgres', ...auth, '--encoding=UTF8', '--no-sync'], 'initdb');
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  let port = 0;
  const start = async (): Promise<void> => {
    // The socket goes in our own folder: /var/run/postgresql may not exist or not be ours.
    // fsync off loses nothing when only the server crashes (the OS keeps the pages), but
    // synchronous_commit stays on: off, a crash loses the last commits, which a restart test
    // would then blame on the runner.
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${folder} -c fsync=off -c full_page_writes=off -c max_connections=200`;
    await run('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(folder, 'log'), '-o', options], 'pg_ctl start');
  };
  const halt = async (hard: boolean): Promise<void> => {
    await run('pg_ctl', ['stop', '-D', data, '-w', '-t', '60', '-m', hard ? 'immediate' : 'fast'], 'pg_ctl stop');
  };
  for (let tries = 0; ; tries++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      // Another process may have taken the port between freePort and the start.
      if (tries >= 3) {
        rmSync(folder, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let running = true;
  return {
    port,
    folder,
    sql: (statement) =>
      new Promise((resolve, reject) => {
        const psql = join(postgresBin ?? '', 'psql');
        const env = { ...process.env, ...(options.password === undefined ? {} : { PGPASSWORD: options.password }) };
        execFile(psql, ['-X', '-w', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', statement], { encoding: 'utf8', env }, (error, stdout, stderr) => {
          if (error === null) resolve(stdout.trim());
          else reject(new Error(`psql failed: ${error.message}\n${stderr}`));
        });
      }),
    url: `postgres://postgres${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}@127.0.0.1:${port}/postgres`,
    pid() {
      if (!running) return undefined;
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    async restart(hard = false, whileDown) {
      if (running) await halt(hard);
      running = false;
      await whileDown?.();
      await start();
      running = true;
    },
    async stop(hard = false) {
      try {
        if (running) await halt(hard);
      } finally {
        running = false;
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
