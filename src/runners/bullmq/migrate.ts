/**
 * `sluice migrate`: brings a PostgreSQL schema up to date for BullMQ, with BullMQ's own
 * migrations, for deployments whose runners and workers connect with `migrate: false`.
 *
 * @module
 */
import { runMigrations, type PgQueryable } from 'bullmq';
import { checkOptionsObject } from '../../core/option-checks.js';
import { connectionAddress, connectionSecrets, postgresConnection } from './connection.js';
import { QueueConnectionError } from './errors.js';

/**
 * Options of {@link migratePostgres}.
 *
 * @example
 * ```ts
 * import type { MigrateOptions } from 'sluice/bullmq';
 * const options: MigrateOptions = { schema: 'jobs' };
 * ```
 */
export interface MigrateOptions {
  /** The schema BullMQ's tables live in. @defaultValue `'bullmq'` */
  readonly schema?: string;
}

/** What a migration's error names in place of a queue: it is for them all. */
const MIGRATIONS = '(every queue of the schema)';

/** The node-postgres module, as far as one client goes. */
interface PgModule {
  readonly Client: new (config: { readonly connectionString: string }) => PgQueryable & {
    connect(): Promise<void>;
    end(): Promise<void>;
  };
}

/**
 * Brings the schema at `url` up to date for BullMQ's PostgreSQL backend (BullMQ's
 * `runMigrations`, under its advisory lock, so it is safe beside running workers), and resolves
 * with the schema's version. Needs the `pg` package.
 *
 * @example
 * ```ts
 * import { migratePostgres } from 'sluice/bullmq';
 * const version = await migratePostgres(process.env.DATABASE_URL ?? 'postgres://127.0.0.1/app');
 * console.log(`BullMQ's schema is at version ${version}`);
 * ```
 */
export async function migratePostgres(url: string, options: MigrateOptions = {}): Promise<number> {
  const who = 'sluice migrate';
  checkOptionsObject(options, who);
  const { connectionString } = postgresConnection(url, who);
  const secrets = connectionSecrets(url);
  let pg: PgModule;
  try {
    // An optional peer: loaded by name, only here.
    const name = 'pg';
    const loaded = (await import(name)) as unknown as { readonly default?: PgModule } & PgModule;
    pg = loaded.default ?? loaded;
  } catch {
    throw new QueueConnectionError(MIGRATIONS, 'PostgreSQL needs the pg package: npm install pg', { secrets });
  }
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    return await runMigrations(client, options.schema);
  } catch (error) {
    throw new QueueConnectionError(MIGRATIONS, `could not migrate PostgreSQL at ${connectionAddress(url)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, secrets });
  } finally {
    await client.end().catch(() => undefined);
  }
}
