/**
 * Where the queue lives, as sluice's BullMQ runner and workers take it: Redis (a `redis://` URL or
 * ioredis options) or PostgreSQL (a `postgres://` URL or node-postgres pool options), turned into
 * the connection options of BullMQ's backend for it.
 *
 * @module
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { InvalidArgumentError } from '../../core/errors/input.js';
import { redactUrl, scrub, urlSecrets } from '../../cache/redact.js';

/**
 * ioredis options for the connection to Redis, passed through as they are (any other ioredis
 * option too). Use BullMQ's `prefix` option of the runner and worker, not ioredis' `keyPrefix`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { BullMQTaskRunner, type RedisConnectionOptions } from 'sluice/bullmq';
 * const connection: RedisConnectionOptions = { host: 'redis.internal', port: 6380, password: process.env.REDIS_PASSWORD, db: 2, tls: { ca: readFileSync('ca.pem') } };
 * const runner = new BullMQTaskRunner({ queue: 'etl', connection, prefix: 'etl' });
 * ```
 */
export interface RedisConnectionOptions {
  /** A `redis://` or `rediss://` URL; the other fields add to it. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  /** TLS options, for `rediss://` or a Redis behind TLS. */
  readonly tls?: TlsOptions;
  /** Other ioredis options. */
  readonly [option: string]: unknown;
}

/**
 * Where Redis is: a `redis://` or `rediss://` URL (with password and db if any), or ioredis
 * options.
 *
 * @example
 * ```ts
 * import type { RedisConnection } from 'sluice/bullmq';
 * const connection: RedisConnection = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
 * ```
 */
export type RedisConnection = string | RedisConnectionOptions;

/**
 * Where PostgreSQL is, for BullMQ's PostgreSQL backend: node-postgres pool options (any other
 * `pg.Pool` option too), with a `postgres://` URL as `connectionString`.
 *
 * @example
 * ```ts
 * import { BullMQTaskRunner, type PostgresConnectionOptions } from 'sluice/bullmq';
 * const connection: PostgresConnectionOptions = { connectionString: process.env.DATABASE_URL ?? 'postgres://127.0.0.1/app', schema: 'jobs', max: 4 };
 * const runner = new BullMQTaskRunner({ queue: 'etl', connection });
 * ```
 */
export interface PostgresConnectionOptions {
  /** A `postgres://` or `postgresql://` URL (with user, password and database if any). */
  readonly connectionString: string;
  /** The schema BullMQ's tables live in. @defaultValue `'bullmq'` */
  readonly schema?: string;
  /**
   * Bring the schema up to date on connect, with BullMQ's own migrations (`runMigrations`, under
   * an advisory lock, so many processes may start at once). Where the role may not create
   * tables, set `false` and run `sluice migrate --postgres <url>` once as a role that may.
   * @defaultValue `true`
   */
  readonly migrate?: boolean;
  /** Other `pg.Pool` options (`ssl`, `max`, `password`, ...). */
  readonly [option: string]: unknown;
}

/**
 * Where a queue lives: Redis (a `redis://` or `rediss://` URL, or ioredis options) or
 * PostgreSQL (a `postgres://` or `postgresql://` URL, or {@link PostgresConnectionOptions}).
 *
 * @example
 * ```ts
 * import type { QueueConnection } from 'sluice/bullmq';
 * const connection: QueueConnection = process.env.DATABASE_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
 * ```
 */
export type QueueConnection = RedisConnection | PostgresConnectionOptions;

/** Whether a connection setting points at PostgreSQL (else Redis). @internal */
export function isPostgres(connection: QueueConnection): connection is string | PostgresConnectionOptions {
  if (typeof connection === 'string') return POSTGRES_URL.test(connection);
  return typeof connection === 'object' && connection !== null && 'connectionString' in connection;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** BullMQ's PostgreSQL connection options for a sluice connection setting (a fresh object each call). @internal */
export function postgresConnection(connection: string | PostgresConnectionOptions, who: string): { readonly connectionString: string; readonly migrate: boolean; readonly [option: string]: unknown } {
  const options: PostgresConnectionOptions = typeof connection === 'string' ? { connectionString: connection } : connection;
  const name = typeof connection === 'string' ? 'connection' : 'connection.connectionString';
  if (typeof options.connectionString !== 'string' || !POSTGRES_URL.test(options.connectionString)) {
    throw new InvalidArgumentError(`${who}: \`${name}\` must be a postgres:// or postgresql:// URL, got ${JSON.stringify(shownUrl(String(options.connectionString)))}`);
  }
  if (!URL.canParse(options.connectionString)) {
    throw new InvalidArgumentError(
      `${who}: \`${name}\` is not a URL that can be read: ${JSON.stringify(shownUrl(options.connectionString))} (a port that is not a number? a character of the password, such as '@' or '/', to percent-encode?)`,
    );
  }
  if (options.migrate !== undefined && typeof options.migrate !== 'boolean') {
    throw new InvalidArgumentError(`${who}: \`connection.migrate\` must be a boolean, got ${String(options.migrate)} (${typeof options.migrate})`);
  }
  return { ...options, connectionString: withCredentials(options), migrate: options.migrate ?? true };
}

/**
 * The connection string, with the `user` and `password` options in it where it has none:
 * node-postgres lets every field of the URL win over the pool's own options, and a URL without a
 * password stands for an empty one, so a `password` given beside it was dropped.
 */
function withCredentials(options: PostgresConnectionOptions): string {
  const { connectionString, user, password } = options;
  const add = (value: unknown, there: string): value is string => typeof value === 'string' && value !== '' && there === '';
  const url = new URL(connectionString);
  const addUser = add(user, url.username);
  const addPassword = add(password, url.password);
  if (!addUser && !addPassword) return connectionString;
  if (addUser) url.username = encodeURIComponent(user);
  if (addPassword) url.password = encodeURIComponent(password);
  return url.href;
}

/** BullMQ's connection options for a sluice connection setting (a fresh object each call). @internal */
export function bullmqConnection(connection: RedisConnection, who: string): ConnectionOptions {
  if (typeof connection === 'string') {
    checkUrl(connection, 'connection', who);
    return { url: connection };
  }
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new InvalidArgumentError(`${who}: \`connection\` must be a redis:// or postgres:// URL, or an object of ioredis or node-postgres options, got ${String(connection)}`);
  }
  if (typeof connection.url === 'string') checkUrl(connection.url, 'connection.url', who);
  if ('keyPrefix' in connection) {
    throw new InvalidArgumentError(`${who}: BullMQ does not support ioredis' \`keyPrefix\`; use the \`prefix\` option instead`);
  }
  return { ...connection };
}

/**
 * The passwords a connection setting holds, as written and decoded: no message, cause or log
 * line may quote them. @internal
 */
export function connectionSecrets(connection: QueueConnection): string[] {
  const url = typeof connection === 'string' ? connection : typeof connection.url === 'string' ? connection.url : connection.connectionString;
  const password: unknown = typeof connection === 'string' ? undefined : connection.password;
  const secrets = typeof url === 'string' ? urlSecrets(url) : [];
  // ioredis also takes the password as a query parameter.
  const query = typeof url === 'string' && URL.canParse(url) ? new URL(url).searchParams.get('password') : null;
  if (query !== null && query !== '') secrets.push(query);
  if (typeof password === 'string' && password !== '') secrets.push(password);
  return secrets;
}

/** Checks a Redis URL; the error shows it without its password. */
function checkUrl(url: string, name: string, who: string): void {
  if (!/^rediss?:\/\//.test(url)) {
    throw new InvalidArgumentError(`${who}: \`${name}\` must be a redis://, rediss:// or postgres:// URL, or ioredis or node-postgres options, got ${JSON.stringify(shownUrl(url))}`);
  }
  // Checked here: ioredis would fail on it with the whole URL in its error.
  if (!URL.canParse(url)) {
    throw new InvalidArgumentError(
      `${who}: \`${name}\` is not a URL that can be read: ${JSON.stringify(shownUrl(url))} (a port that is not a number? a character of the password, such as '@' or '/', to percent-encode?)`,
    );
  }
}

/** A URL as a message may show it: without its password, wherever it is written. */
function shownUrl(url: string): string {
  return scrub(redactUrl(url), connectionSecrets(url));
}

/** Where a connection setting points, for messages: scheme, host, port and db, never a user or password. @internal */
export function connectionAddress(connection: QueueConnection): string {
  if (isPostgres(connection)) {
    const url = typeof connection === 'string' ? connection : connection.connectionString;
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const host = parsed === undefined || parsed.hostname === '' ? 'localhost' : parsed.hostname;
    return `postgres://${host}:${parsed?.port || 5432}${parsed === undefined ? '' : parsed.pathname}`;
  }
  const url = typeof connection === 'string' ? connection : connection.url;
  const parsed = typeof url === 'string' && URL.canParse(url) ? new URL(url) : undefined;
  const options: RedisConnectionOptions = typeof connection === 'string' ? {} : connection;
  const tls = options.tls !== undefined || parsed?.protocol === 'rediss:';
  const host = options.host ?? (parsed === undefined || parsed.hostname === '' ? '127.0.0.1' : parsed.hostname);
  const port = options.port ?? (parsed === undefined || parsed.port === '' ? 6379 : Number(parsed.port));
  const db = options.db ?? (parsed === undefined ? 0 : Number(parsed.pathname.slice(1) || 0));
  return `${tls ? 'rediss' : 'redis'}://${host}:${port}${db === 0 || Number.isNaN(db) ? '' : `/${db}`}`;
}

/** A queue name, checked. @internal */
export function checkQueueName(queue: unknown, who: string): string {
  if (typeof queue !== 'string' || queue === '' || queue.includes(':')) {
    throw new InvalidArgumentError(`${who}: \`queue\` must be a non-empty string without ':', got ${JSON.stringify(queue) ?? String(queue)}`);
  }
  return queue;
}
