/**
 * A Redis connection as sluice's Redis parts take it (the result store, the limits' home): a URL,
 * ioredis options or a client of the user's; checked once, named without its password, and
 * opened lazily with commands that fail fast while Redis is down.
 *
 * @module
 * @internal
 */
import type { Redis, RedisOptions } from 'ioredis';
import { InvalidArgumentError } from '../core/errors/input.js';
import { shown } from './checks.js';
import { ioredis } from './lazy-deps.js';
import { redactUrl, urlSecrets } from './redact.js';

/** A checked connection setting. @internal */
export interface RedisTarget {
  /** Where Redis is, as messages name it: its address without a password. */
  readonly address: string;
  /** The passwords that must never appear in a message. */
  readonly secrets: readonly string[];
  /** The user's own client, when one was given: used as it is, never closed by sluice. */
  readonly client: Redis | undefined;
  /** The URL or options to open a connection from, when no client was given. */
  readonly settings: string | RedisOptions | undefined;
}

function isClient(connection: object): connection is Redis {
  return typeof (connection as { getBuffer?: unknown }).getBuffer === 'function';
}

/**
 * Checks a `connection` option: a `redis://`/`rediss://` URL, ioredis options or an ioredis client.
 *
 * @throws InvalidArgumentError naming `owner` and the value (its password hidden)
 * @internal
 */
export function redisTarget(owner: string, connection: unknown): RedisTarget {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection) || !URL.canParse(connection)) {
      throw new InvalidArgumentError(`${owner}: \`connection\` must be a redis:// or rediss:// URL, ioredis options or an ioredis client, got ${JSON.stringify(redactUrl(connection))}`);
    }
    return { address: redactUrl(connection), secrets: urlSecrets(connection), client: undefined, settings: connection };
  }
  if (typeof connection === 'object' && connection !== null && !Array.isArray(connection)) {
    const settings: RedisOptions = isClient(connection) ? connection.options : (connection);
    const address = `${settings.host ?? '127.0.0.1'}:${settings.port ?? 6379}${settings.db === undefined || settings.db === 0 ? '' : `/${settings.db}`}`;
    const secrets = typeof settings.password === 'string' && settings.password !== '' ? [settings.password] : [];
    return isClient(connection) ? { address, secrets, client: connection, settings: undefined } : { address, secrets, client: undefined, settings };
  }
  throw new InvalidArgumentError(`${owner}: \`connection\` must be a redis:// or rediss:// URL, ioredis options or an ioredis client, got ${shown(connection)}`);
}

/**
 * Opens (lazily: it connects on its first command) a connection from a target's settings, with
 * `commandTimeout` bounding each command and the connect, and one reconnection attempt per
 * command: with Redis down a call fails fast instead of waiting in the offline queue.
 *
 * @internal
 */
export function openRedis(settings: string | RedisOptions, commandTimeout: number): Redis {
  const own: RedisOptions = { commandTimeout, connectTimeout: commandTimeout, maxRetriesPerRequest: 1 };
  const { Redis: Client } = ioredis();
  return typeof settings === 'string' ? new Client(settings, { ...own, lazyConnect: true }) : new Client({ ...own, ...settings, lazyConnect: true });
}
