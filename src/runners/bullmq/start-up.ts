/**
 * A worker's start-up, bounded: its connections to its store (Redis or PostgreSQL) must be ready
 * within `connectTimeout`. BullMQ waits for Redis for ever (ioredis reconnects once a second), so
 * a wrong password, a missing CA or `redis://` on a TLS port would leave a worker logging the
 * same line for ever; instead start-up fails with a {@link QueueConnectionError} that says, in
 * the words of that store, what went wrong and where.
 *
 * @module
 * @internal
 */
import type { Subscription } from 'rxjs';
import { rxjs } from '../../core/lazy-rxjs.js';
import { scrub } from '../../cache/redact.js';
import { QueueConnectionError } from './errors.js';

/** A part of the worker (a BullMQ Worker, QueueEvents or producer): it reports its connection's errors. */
interface Part {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** Node's codes for a certificate that cannot be verified. */
const CERTIFICATE_CODES = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** What Redis' refusal of the worker means: a sentence, or ''. */
function redisRefusal(text: string): string {
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) return 'Redis refused the user name or password';
  if (/^NOAUTH/.test(text)) return 'Redis wants a password and none was given';
  if (/^NOPERM/.test(text)) return 'the Redis user lacks a permission the worker needs';
  return '';
}

/** What PostgreSQL's refusal of the worker means (by its SQLSTATE, or node-postgres' words): a sentence, or ''. */
function postgresRefusal(code: unknown, text: string): string {
  if (code === '28P01') return 'PostgreSQL refused the user name or password';
  // node-postgres, asked for a password it was not given.
  if (/client password must be a string/.test(text)) {
    return 'PostgreSQL wants a password and none was given (in the URL, the `password` option, or $PGPASSWORD)';
  }
  return '';
}

/** What an error of the connection most likely means, for a person: a sentence, or '' when it says enough. */
function meaning(error: Error, address: string): string {
  const code = (error as { code?: unknown }).code;
  const text = error.message;
  if (error.name === 'SchemaMigrationRequiredError') return "BullMQ's schema is not there: run `sluice migrate --postgres <url>` once, as a role that may create tables, or connect with migrate: true";
  const store = storeOf(address);
  const refused = store === 'Redis' ? redisRefusal(text) : postgresRefusal(code, text);
  if (refused !== '') return refused;
  if ((typeof code === 'string' && CERTIFICATE_CODES.test(code)) || /certificate/i.test(text)) {
    return `the certificate of ${store} cannot be verified: give its CA (the connection's ${store === 'Redis' ? 'tls.ca' : 'ssl.ca'}, or NODE_EXTRA_CA_CERTS=<ca.pem>)`;
  }
  if (code === 'ECONNREFUSED') return `nothing listens there: is ${store} running, on that host and port?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (address.startsWith('redis:') && (code === 'ECONNRESET' || /Connection is closed/i.test(text))) {
    return 'the server closed the connection: if it serves TLS, use a rediss:// URL';
  }
  if (address.startsWith('rediss:') && (code === 'EPROTO' || /wrong version number|packet length/i.test(text))) {
    return 'the server does not speak TLS there: use a redis:// URL';
  }
  return '';
}

/** The store an address is of, for messages. */
function storeOf(address: string): 'Redis' | 'PostgreSQL' {
  return address.startsWith('postgres') ? 'PostgreSQL' : 'Redis';
}

/**
 * Watches a worker's start-up: the errors its connections report, and the time it has left.
 * `within` bounds each wait on Redis by what is left of `timeout`; `failure` turns what went
 * wrong into the error start-up fails with.
 */
export class StartUp {
  readonly #queue: string;
  readonly #address: string;
  readonly #timeout: number;
  readonly #secrets: readonly string[];
  readonly #parts: Part[] = [];
  /** The last error a connection reported: what the message says went wrong. */
  #lastError: Error | undefined;
  readonly #onError = (error: Error): void => {
    this.#lastError = error;
  };
  /** Rejects once the time is up. */
  readonly #late: Promise<never>;
  #timer: Subscription | undefined;

  constructor(queue: string, address: string, timeout: number, secrets: readonly string[]) {
    this.#queue = queue;
    this.#address = address;
    this.#timeout = timeout;
    this.#secrets = secrets;
    this.#late = new Promise<never>((_, reject) => {
      this.#timer = rxjs()
        .timer(timeout)
        .subscribe(() => reject(this.#timedOut()));
    });
    // Nobody may be waiting when the time is up (start-up failed otherwise first).
    this.#late.catch(() => undefined);
  }

  /** Hears the connection errors of these parts until start-up ends. */
  watch(...parts: Part[]): void {
    for (const part of parts) {
      part.on('error', this.#onError);
      this.#parts.push(part);
    }
  }

  /** `promise`, or the time-out's error if the time is up first. */
  within<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#late]);
  }

  /** Start-up failed with `error` (the time-out's own, or what a wait on Redis threw): the error to fail with. */
  failure(error: unknown): QueueConnectionError {
    this.done();
    if (error instanceof QueueConnectionError) return error;
    const text = error instanceof Error ? error.message : String(error);
    const means = error instanceof Error ? meaning(error, this.#address) : '';
    return new QueueConnectionError(this.#queue, `the worker could not start on ${storeOf(this.#address)} at ${this.#address}: ${means === '' ? text : `${means} (${text})`}`, {
      cause: error,
      secrets: this.#secrets,
    });
  }

  /** Start-up is over: stops the clock and the listeners. */
  done(): void {
    this.#timer?.unsubscribe();
    for (const part of this.#parts.splice(0)) part.off('error', this.#onError);
  }

  #timedOut(): QueueConnectionError {
    const error = this.#lastError;
    const what = error === undefined ? 'no answer' : scrub(error.message, this.#secrets);
    const means = error === undefined ? 'is the host reachable?' : meaning(error, this.#address);
    return new QueueConnectionError(
      this.#queue,
      `the worker could not connect to ${storeOf(this.#address)} at ${this.#address} within ${this.#timeout} ms (connectTimeout): ${means === '' ? what : `${means} (${what})`}`,
      error === undefined ? { secrets: this.#secrets } : { cause: error, secrets: this.#secrets },
    );
  }
}
