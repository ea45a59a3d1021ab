/**
 * The BullMQ runner's warnings to the flows that use it (a `run-warning` and their log): a command
 * Redis refused, said once, and a queue no worker takes jobs from.
 *
 * @module
 * @internal
 */
import type { RunWarningCode } from '../../core/events.js';
import type { Pending } from './pending.js';
import { describeRefusal, refusalOf } from './refusal.js';

/** Says a warning through a run: its flow's log and a `run-warning` (the console for a caller of `execute`). */
export function warnThrough(entry: Pending, code: RunWarningCode, message: string): void {
  if (entry.sink.warn !== undefined) entry.sink.warn(code, message);
  else console.warn(`sluice: ${code}: ${message}`);
}

/**
 * The warnings of one set of a runner's connections: through the run that has waited longest, or
 * the run started last when none waits; each refusal once.
 */
export class FlowWarnings {
  /** The refusals said already (`<kind> <command> <key>`): each is said once. */
  readonly #refused = new Set<string>();
  /**
   * The run started last, to carry a warning when none waits (a cancel refused as its flow ends).
   * A pointer, not a WeakRef per job; a kept-alive runner holds it until the next run.
   */
  lastEntry: Pending | undefined;

  constructor(
    /** The queue, which a refusal's warning names. */
    readonly queue: string,
    /** The runs waiting on their jobs, in the order they started. */
    private readonly pending: ReadonlyMap<string, Pending>,
  ) {}

  /**
   * Redis refused a command (a `NOPERM` of its ACL, an `OOM`): the flows are told once, through a
   * waiting run, what was refused on which key and what it costs. False for any other error (the
   * connection's, watched by the ticker).
   */
  refused(error: unknown, key: string, consequence: string): boolean {
    const refusal = refusalOf(error);
    if (refusal === undefined) return false;
    const said = `${refusal.kind} ${refusal.command ?? ''} ${key}`;
    if (this.#refused.has(said)) return true;
    this.#refused.add(said);
    this.warn('QUEUE_COMMAND_REFUSED', `queue "${this.queue}": ${describeRefusal(refusal, key, consequence)}`);
    return true;
  }

  /** A warning for the flows, through the run that has waited longest (or the last run, if none waits). */
  warn(code: RunWarningCode, message: string): void {
    const carrier = this.pending.values().next().value ?? this.lastEntry;
    if (carrier !== undefined) warnThrough(carrier, code, message);
    else console.warn(`sluice: ${code}: ${message}`);
  }
}
