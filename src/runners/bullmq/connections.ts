/**
 * The BullMQ runner's connections to its store (Redis or PostgreSQL) while flows use it: opening
 * them (a queue to add jobs to, and the outcomes' stream read from its last entry), watching
 * whether they are up, and closing them, however the store answers.
 *
 * @module
 * @internal
 */
import type { Queue, QueueEvents, QueueEventsOptions } from 'bullmq';
import type { Subscription } from 'rxjs';
import { rxjs } from '../../core/lazy-rxjs.js';
import { QueueConnectionError } from './errors.js';
import { FlowWarnings } from './flow-warnings.js';
import type { Pending } from './pending.js';
import { OUTCOMES_EVENT, outcomesQueue } from './protocol.js';
import type { QueueHome } from './queue-home.js';
import { OutcomeSweep, SWEEP_MS } from './outcome-sweep.js';

/** What the runner reads of an ioredis client: no command goes through it here. */
interface RedisClientLike {
  readonly status: string;
  disconnect(): void;
  connect(): Promise<unknown>;
}

/** A part of the connections (each holds its own ioredis client). */
type Part = Queue | QueueEvents;

/** The connections of a runner while flows use it. */
export interface Connections {
  /** Where the queue lives, and what sluice asks of it past BullMQ. */
  readonly home: QueueHome;
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly ready: Promise<void>;
  /** The last connection error seen, for messages. */
  lastError: Error | undefined;
  /** Since when (ms) a connection has not been ready. */
  downSince: number | undefined;
  /** The ioredis clients of the queue and the events, once connected: their status is watched. */
  clients: RedisClientLike[];
  /** Removals and cancels under way: closing lets them go out first. */
  readonly removing: Set<Promise<void>>;
  /** Closing has begun: no removal or cancel starts any more. */
  closing: boolean;
  /** The parts to close are counted: none may be made after. */
  sealed: boolean;
  /** When (ms) a worker was last seen at work on the queue: an outcome heard, a job found taken, an active job. */
  workerSeenAt: number;
  /** The flow runs told that no worker takes jobs: each is told once. */
  readonly noWorkerTold: Set<string>;
  /** A look for the queue's active jobs is under way. */
  probing: boolean;
  /** The warnings for the flows: each refusal is said once per set of connections. */
  readonly warnings: FlowWarnings;
  /** Redis' `run_id` when connected, where INFO answers: another one means it restarted. */
  redisRunId: string | undefined;
  /** The store is being asked whether it is back (PostgreSQL, whose pool has no status to read). */
  pinging: boolean;
  /** Where the store's stream can skip an event: the outcome events heard, to read again what was skipped. */
  sweep: OutcomeSweep | undefined;
  /** The timer of the sweeps, while the connections are open. */
  sweeper: Subscription | undefined;
}

/** What {@link openConnections} needs of the runner. */
export interface ConnectionsOptions {
  /** The queue jobs are added to. */
  readonly queue: string;
  readonly home: QueueHome;
  /** The runs waiting on their jobs, in the order they started: warnings go through them. */
  readonly pending: ReadonlyMap<string, Pending>;
  /** What the flows lose when Redis refuses to let them read the outcomes' stream (said once). */
  readonly outcomesLost: string;
  /** An outcomes event the workers published (`[jobId, outcome, ...]`, as a JSON string). */
  readonly heard: (conn: Connections, outcomes: unknown) => void;
}

/** How long closing the connections may wait for Redis before they are dropped. */
const CLOSE_PATIENCE_MS = 2000;

/** Opens a runner's connections: ready once the outcomes' stream is read from its last entry. */
export function openConnections(options: ConnectionsOptions): Connections {
  const { home } = options;
  const queue = home.queue(options.queue);
  // The outcomes the workers publish (not the job queue's own events: three per job, for this
  // process to read and parse). Read once its position is known (see listen).
  const events = home.events(outcomesQueue(options.queue), { autorun: false });
  const conn: Connections = {
    home,
    queue,
    events,
    ready: Promise.all([queue.waitUntilReady(), events.waitUntilReady()]).then(async () => {
      // Their status only (ioredis' 'ready', 'reconnecting', ...): no command goes through them here.
      if (home.kind === 'redis') conn.clients = await Promise.all([queue.backend.client, events.backend.blockingClient ?? events.backend.client]);
      conn.redisRunId = await home.serverRunId(conn.queue);
      await listen(conn, options.outcomesLost);
      startSweeps(conn, options);
    }),
    lastError: undefined,
    downSince: undefined,
    clients: [],
    removing: new Set(),
    closing: false,
    sealed: false,
    workerSeenAt: 0,
    noWorkerTold: new Set(),
    probing: false,
    warnings: new FlowWarnings(options.queue, options.pending),
    redisRunId: undefined,
    pinging: false,
    sweep: undefined,
    sweeper: undefined,
  };
  // Unheard, a connection error would end the process; the ticker turns a lasting one into
  // failed runs.
  const onError = (error: Error): void => {
    conn.lastError = error;
    conn.downSince ??= Date.now();
  };
  queue.on('error', onError);
  // A command Redis refuses (its ACL) is no outage: said once, and the look-ups stand in.
  events.on('error', (error) => {
    if (!conn.warnings.refused(error, events.toKey('events'), options.outcomesLost)) onError(error);
  });
  conn.ready.catch(() => undefined);
  (events as unknown as { on(name: string, listener: (args: { outcomes?: unknown }, id: string) => void): void }).on(OUTCOMES_EVENT, ({ outcomes }, id) => {
    conn.sweep?.heard(id);
    options.heard(conn, outcomes);
  });
  return conn;
}

/**
 * Starts reading the outcomes' stream after its last entry, as Redis has it. No job of this
 * runner is added before (adding waits for this), so none of their outcomes is skipped. Not from
 * this machine's clock: one ahead of Redis' skipped every outcome, one behind reads old ones.
 */
async function listen(conn: Connections, outcomesLost: string): Promise<void> {
  const { events } = conn;
  const key = events.toKey('events');
  let last: string | undefined;
  try {
    last = await conn.home.lastEventId(conn.queue, outcomesQueue(conn.queue.name));
  } catch (error) {
    // Refused: the look-ups stand in for the events; said once.
    if (conn.warnings.refused(error, key, outcomesLost)) return;
    throw error;
  }
  if (conn.closing) return;
  // An empty stream has no last entry: everything on it will be new.
  (events.opts as QueueEventsOptions).lastEventId = last ?? conn.home.streamStart;
  if (conn.home.eventsAfter !== undefined) conn.sweep = new OutcomeSweep(last ?? conn.home.streamStart);
  events.run().catch((error: unknown) => {
    if (!conn.closing) events.emit('error', error instanceof Error ? error : new Error(String(error)));
  });
}

/**
 * Where the store's stream can skip an event, reads it again every {@link SWEEP_MS} while runs
 * wait, and hands on what was skipped (see `outcome-sweep.ts`).
 */
function startSweeps(conn: Connections, options: ConnectionsOptions): void {
  const { eventsAfter } = conn.home;
  const { sweep } = conn;
  if (eventsAfter === undefined || sweep === undefined || conn.closing) return;
  const name = outcomesQueue(options.queue);
  let sweeping = false;
  conn.sweeper = rxjs()
    .timer(SWEEP_MS, SWEEP_MS)
    .subscribe(() => {
      if (sweeping || options.pending.size === 0 || conn.downSince !== undefined) return;
      sweeping = true;
      eventsAfter(conn.queue, name, sweep.floor, OUTCOMES_EVENT)
        .then((events) => {
          for (const event of sweep.unheard(events, Date.now())) options.heard(conn, event.outcomes);
        })
        // The store away: the ticker sees to it; the look-ups stand in meanwhile.
        .catch(() => undefined)
        .finally(() => {
          sweeping = false;
        });
    });
}

/**
 * Notes whether the connections are up: `downSince` is cleared when every client is ready, and
 * set when one is not. PostgreSQL's pool has no status: once an error set `downSince`, the store
 * is asked (a position read) until it answers.
 */
export function watchClients(conn: Connections, now: number): void {
  if (conn.home.kind === 'postgres') {
    if (conn.downSince === undefined || conn.pinging) return;
    conn.pinging = true;
    conn.home
      .lastEventId(conn.queue, outcomesQueue(conn.queue.name))
      .then(
        () => {
          conn.downSince = undefined;
        },
        () => undefined,
      )
      .finally(() => {
        conn.pinging = false;
      });
    return;
  }
  if (conn.clients.length > 0) {
    if (conn.clients.every((client) => client.status === 'ready')) {
      conn.downSince = undefined;
    } else {
      conn.downSince ??= now;
    }
  }
}

/** The error of the runs that waited on jobs while Redis was unreachable. */
export function connectionLostError(conn: Connections, queue: string, secrets: readonly string[]): QueueConnectionError {
  const seconds = ((Date.now() - (conn.downSince ?? Date.now())) / 1000).toFixed(1);
  const last = conn.lastError === undefined ? '' : ` (last error: ${conn.lastError.message})`;
  const store = conn.home.kind === 'redis' ? 'Redis' : 'PostgreSQL';
  return new QueueConnectionError(queue, `${store} has been unreachable for ${seconds} s${last}; the runs waiting on its jobs fail rather than hang`, { cause: conn.lastError, secrets });
}

/**
 * Closes one set of connections, once (the runner lets go of it first). The cancels asked for
 * before go out first: a worker would otherwise run their bodies to the end. Every part is
 * closed, whatever the others do.
 */
export async function closeConnections(conn: Connections): Promise<void> {
  conn.closing = true;
  conn.sweeper?.unsubscribe();
  const closed = Promise.allSettled(conn.removing).then(async () => {
    conn.sealed = true;
    await Promise.allSettled(partsOf(conn).map((part) => part.close()));
    return true;
  });
  // A graceful close waits for Redis to answer; when it is gone, that is never. Then drop the
  // sockets: BullMQ's own disconnect() waits for an 'end' that a reconnecting ioredis client
  // never emits.
  let timer: Subscription | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = rxjs().asyncScheduler.schedule(() => resolve(false), conn.downSince === undefined ? CLOSE_PATIENCE_MS : 0);
  });
  const graceful = await Promise.race([closed, timedOut]);
  // A pending timer would keep the process alive for nothing.
  timer?.unsubscribe();
  conn.sealed = true;
  if (graceful) return;
  for (const part of partsOf(conn)) {
    if (conn.home.kind === 'redis') void part.backend.client.then((client) => endClient(client as RedisClientLike), () => undefined);
    else void part.disconnect().catch(() => undefined);
  }
}

/** The parts of a set of connections. */
function partsOf(conn: Connections): Part[] {
  return [conn.queue, conn.events];
}

/**
 * Drops an ioredis client's socket. disconnect() alone leaves a client that is waiting to
 * reconnect parked: its queued commands (BullMQ's blocking XREAD) never settle, and BullMQ's
 * watchdog timer on them keeps the process alive. One last attempt ends it and fails them (or,
 * should Redis be back, is closed at once).
 */
function endClient(client: RedisClientLike): void {
  if (client.status === 'end') return;
  client.disconnect();
  if (client.status === 'reconnecting') client.connect().then(() => client.disconnect(), () => undefined);
}
