/**
 * A run's trip to the cache, written once for every runner: the key is computed and the record
 * read in the flow's process before the run takes a slot, and the value stored there after the
 * body returns, so a hit never crosses to a thread or a queue.
 *
 * @module
 * @internal
 */
import type { Mixed } from 'io-ts';
import type { CacheSettings } from '../cache/cache-options.js';
import type { CacheKeyContext } from '../cache/policies.js';
import { decodeRecord, encodeRecord } from '../cache/record.js';
import type { ResultStore, ResultStoreLock } from '../cache/store.js';
import type { RunWarningCode } from '../core/events.js';
import type { TaskSpec } from '../core/task-spec.js';
import { Deque } from '../core/deque.js';
import { checkSchema, checkSchemaParams } from '../core/codecs.js';
import type { FlowRun } from './flow-run.js';
import { parameterNames } from './run-names.js';

/** What a run offers its trip to the cache. @internal */
export interface CacheHost {
  readonly spec: TaskSpec;
  readonly id: string;
  readonly flow: FlowRun;
  readonly isTerminal: boolean;
  readonly args: unknown[];
  readonly signal: AbortSignal;
  onTerminal(listener: () => void): void;
  /** The record was there: end the run with its value. */
  cacheHit(value: unknown): void;
  /** No record: run the body (and store its value under `key`, when there is a key). */
  cacheMiss(key: string | undefined): void;
  /** The key could not be computed: the run fails with `error`. */
  cacheFailed(error: unknown): void;
  warn(code: RunWarningCode, message: string): void;
}

/** How long a single-flight lock outlives a holder that died. */
const LOCK_LEASE_MS = 30_000;

/**
 * Reads a store has in flight at most (reads that answer at once do not count). A `map` looks up
 * every run's key before any takes a slot: unbounded, 10k runs open 10k files at once, which past
 * `ulimit -n` fails (each a miss whose body runs again) and below it is slower than a few at a time.
 */
const MAX_READS_IN_FLIGHT = 64;

/** Per store: its reads in flight, and the reads waiting for one of them to end. */
interface Reads {
  active: number;
  readonly waiting: Deque<() => void>;
}
const reads = new WeakMap<ResultStore, Reads>();

interface Described {
  readonly source: string;
  readonly names: readonly (string | undefined)[];
}
const described = new WeakMap<(...args: unknown[]) => unknown, Described>();

function describeBody(fn: (...args: unknown[]) => unknown): Described {
  let d = described.get(fn);
  if (d === undefined) {
    d = { source: Function.prototype.toString.call(fn), names: parameterNames(fn) };
    described.set(fn, d);
  }
  return d;
}

function keyContext(host: CacheHost): CacheKeyContext {
  const body = describeBody(host.spec.fn);
  const flow = host.flow;
  return {
    taskName: host.spec.name,
    taskSource: body.source,
    parameterNames: body.names,
    flowName: flow.name,
    flowRunId: flow.id,
    flowParameters: flow.parameters,
    runId: host.id,
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as Partial<PromiseLike<T>>).then === 'function';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Looks the run's key up, and calls back `cacheHit`, `cacheMiss` or `cacheFailed`. A record that
 * cannot be read is a miss with a warning, never a wrong value; a store that cannot be reached
 * is a miss with a warning, and the body runs.
 */
export function lookUpCache(host: CacheHost, settings: CacheSettings): void {
  let key: string | undefined;
  try {
    const codec = host.spec.params;
    let hashed = codec === undefined ? host.args : (codec.encode(host.args) as unknown[]);
    const schema = host.spec.paramsSchema;
    if (schema !== undefined && host.flow.runner.execute !== undefined) {
      // The run holds its arguments as given, to send them; the key hashes the schema's output,
      // as the in-process runner's runs (which hold it) do: one key on every runner.
      const checked = checkSchemaParams(schema, host.args);
      if (checked.ok) hashed = checked.value as unknown[];
    }
    key = settings.policy.computeKey(keyContext(host), host.args, hashed);
  } catch (error) {
    host.cacheFailed(error);
    return;
  }
  if (key === undefined) {
    host.cacheMiss(undefined);
    return;
  }
  const found = key;
  if (settings.isolation === 'serializable') {
    lockKey(host, settings.storage, found, () => {
      read(host, settings, found);
    });
  } else {
    read(host, settings, found);
  }
}

function read(host: CacheHost, settings: CacheSettings, key: string): void {
  if (settings.refresh) {
    host.cacheMiss(key);
    return;
  }
  const store = settings.storage;
  let queue = reads.get(store);
  if (queue === undefined) {
    queue = { active: 0, waiting: new Deque() };
    reads.set(store, queue);
  }
  if (queue.active < MAX_READS_IN_FLIGHT) {
    readNow(host, settings, key, queue);
    return;
  }
  const line = queue;
  line.waiting.push(() => {
    // A run cancelled while it waited reads nothing.
    if (!host.isTerminal) readNow(host, settings, key, line);
  });
}

function readNow(host: CacheHost, settings: CacheSettings, key: string, queue: Reads): void {
  let got: Uint8Array | undefined | PromiseLike<Uint8Array | undefined>;
  try {
    got = settings.storage.get(key);
  } catch (error) {
    unavailable(host, key, error);
    return;
  }
  if (!isPromiseLike(got)) {
    readBytes(host, settings, key, got);
    return;
  }
  queue.active++;
  got.then(
    (bytes) => {
      readDone(queue);
      if (!host.isTerminal) readBytes(host, settings, key, bytes);
    },
    (error: unknown) => {
      readDone(queue);
      if (!host.isTerminal) unavailable(host, key, error);
    },
  );
}

/** A read ended: the next ones waiting start, before this one's record is decoded, so the store stays busy. */
function readDone(queue: Reads): void {
  queue.active--;
  while (queue.active < MAX_READS_IN_FLIGHT) {
    const next = queue.waiting.shift();
    if (next === undefined) return;
    next();
  }
}

function unavailable(host: CacheHost, key: string, error: unknown): void {
  host.warn('CACHE_STORE_UNAVAILABLE', `the cache store could not be read for key "${key}", so the body runs: ${messageOf(error)}`);
  host.cacheMiss(key);
}

function readBytes(host: CacheHost, settings: CacheSettings, key: string, bytes: Uint8Array | undefined): void {
  if (bytes === undefined) {
    host.cacheMiss(key);
    return;
  }
  const unreadable = (why: string): void => {
    host.warn('CACHE_RECORD_UNREADABLE', `the cache record for key "${key}" was read as a miss, and the body runs: ${why}`);
    host.cacheMiss(key);
  };
  const record = decodeRecord(bytes);
  if (!record.ok) {
    unreadable(record.reason);
    return;
  }
  const { header } = record;
  if (header.expiresAt !== null && header.expiresAt <= host.flow.scheduler.now()) {
    host.cacheMiss(key);
    return;
  }
  const serializer = settings.serializer;
  if (header.serializer !== serializer.name) {
    unreadable(`it was written by the "${header.serializer}" serializer, and this task reads "${serializer.name}"`);
    return;
  }
  let value: unknown;
  try {
    value = serializer.deserialize(record.payload);
  } catch (error) {
    unreadable(`the "${serializer.name}" serializer could not read it: ${messageOf(error)}`);
    return;
  }
  const codec: Mixed | undefined = host.spec.returns;
  if (codec !== undefined) {
    const decoded = codec.decode(value);
    if (decoded._tag === 'Left') {
      unreadable("its value does not fit the task's `returns` codec");
      return;
    }
    value = decoded.right;
  }
  const schema = host.spec.returnsSchema;
  if (schema !== undefined) {
    // Stored as the serializer wrote it: the schema makes it whole again (z.coerce.date()).
    const checked = checkSchema(schema, value, 'return');
    if (!checked.ok) {
      unreadable(`its value does not fit the task's \`returns\` schema: ${checked.problems.join('; ')}`);
      return;
    }
    value = checked.value;
  }
  host.cacheHit(value);
}

/**
 * Stores the run's value under `key`, then calls `done`, whatever happened: a value that cannot
 * be serialized, or a store that refuses it, leaves the run completed with a warning.
 */
export function storeResult(host: CacheHost, settings: CacheSettings, key: string, value: unknown, done: () => void): void {
  let bytes: Uint8Array;
  try {
    const codec = host.spec.returns;
    const payload = settings.serializer.serialize(codec === undefined ? value : codec.encode(value));
    const now = host.flow.scheduler.now();
    bytes = encodeRecord(settings.serializer.name, payload, now, settings.expiration === undefined ? undefined : now + settings.expiration);
  } catch (error) {
    host.warn('CACHE_RESULT_NOT_STORED', `the value was not cached: the "${settings.serializer.name}" serializer could not write it: ${messageOf(error)}`);
    done();
    return;
  }
  const refused = (error: unknown): void => {
    host.warn('CACHE_RESULT_NOT_STORED', `the value was not cached: the store refused key "${key}": ${messageOf(error)}`);
    done();
  };
  let written: void | PromiseLike<void>;
  try {
    written = settings.storage.set(key, bytes, { ttl: settings.expiration });
  } catch (error) {
    refused(error);
    return;
  }
  if (isPromiseLike(written)) written.then(done, refused);
  else done();
}

// ---- single flight ------------------------------------------------------------------------------

/** Runs waiting for a key in this process, per store: the holder is first. */
const held = new WeakMap<ResultStore, Map<string, (() => void)[]>>();

/**
 * Holds `key` from `then` until the run ends: in this process, in line with the other runs of
 * the key; across processes, with the store's own lock when it has one. The run waits holding no
 * slot.
 */
function lockKey(host: CacheHost, store: ResultStore, key: string, then: () => void): void {
  let keys = held.get(store);
  if (keys === undefined) {
    keys = new Map();
    held.set(store, keys);
  }
  const line = keys.get(key);
  const enter = (): void => {
    if (host.isTerminal) {
      leave(store, key);
      return;
    }
    if (store.lock === undefined) {
      host.onTerminal(() => {
        leave(store, key);
      });
      then();
      return;
    }
    let lock: Promise<ResultStoreLock>;
    try {
      lock = store.lock(key, { lease: LOCK_LEASE_MS, signal: host.signal });
    } catch (error) {
      lock = Promise.reject(error);
    }
    lock.then(
      (acquired) => {
        // The flow settles only once the lock is given back: a process that ends with its flow
        // would otherwise keep other processes waiting until the lease ran out.
        let given!: () => void;
        host.flow.settleAfter(
          new Promise<void>((resolve) => {
            given = resolve;
          }),
        );
        const release = (): void => {
          const back = (): void => {
            leave(store, key);
            given();
          };
          acquired.release().then(back, back);
        };
        if (host.isTerminal) {
          release();
          return;
        }
        host.onTerminal(release);
        then();
      },
      (error: unknown) => {
        leave(store, key);
        if (host.isTerminal) return;
        host.warn('CACHE_STORE_UNAVAILABLE', `the cache store could not lock key "${key}", so this run does not wait for others with the same key: ${messageOf(error)}`);
        then();
      },
    );
  };
  if (line === undefined) {
    keys.set(key, []);
    enter();
  } else {
    line.push(enter);
  }
}

/** The holder of `key` is done: the next run in line enters. */
function leave(store: ResultStore, key: string): void {
  const keys = held.get(store);
  const line = keys?.get(key);
  if (keys === undefined || line === undefined) return;
  const next = line.shift();
  if (next === undefined) keys.delete(key);
  else next();
}
