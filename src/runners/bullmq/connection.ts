/**
 * Where Redis is, as sluice's BullMQ runner and workers take it, turned into BullMQ's connection
 * options (passed through to ioredis).
 *
 * @module
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { InvalidArgumentError } from '../../core/errors/input.js';

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

/** BullMQ's connection options for a sluice connection setting (a fresh object each call). @internal */
export function bullmqConnection(connection: RedisConnection, who: string): ConnectionOptions {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new InvalidArgumentError(`${who}: \`connection\` must be a redis:// or rediss:// URL or ioredis options, got ${JSON.stringify(connection)}`);
    }
    return { url: connection };
  }
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new InvalidArgumentError(`${who}: \`connection\` must be a redis:// URL or an object of ioredis options, got ${String(connection)}`);
  }
  if ('keyPrefix' in connection) {
    throw new InvalidArgumentError(`${who}: BullMQ does not support ioredis' \`keyPrefix\`; use the \`prefix\` option instead`);
  }
  return { ...connection };
}

/** A queue name, checked. @internal */
export function checkQueueName(queue: unknown, who: string): string {
  if (typeof queue !== 'string' || queue === '' || queue.includes(':')) {
    throw new InvalidArgumentError(`${who}: \`queue\` must be a non-empty string without ':', got ${JSON.stringify(queue) ?? String(queue)}`);
  }
  return queue;
}
