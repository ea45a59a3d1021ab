/**
 * Outcome events that a reader of PostgreSQL's event stream skips, found again. BullMQ's
 * PostgreSQL backend numbers an event from a sequence when it is written, and the event becomes
 * visible when its transaction commits: two workers publishing at once can commit out of order,
 * and a reader already past the later id never sees the earlier one (1 event in 100 under load,
 * measured). Each such event held a batch of outcomes, whose runs would then wait for their
 * look-ups (`checkInterval`, 5 s by default).
 *
 * So, while runs wait, the runner reads the stream again a little behind its reader, from the
 * last id that settled (heard at least {@link SETTLE_MS} ago, longer than any such transaction
 * lasts), and hands on the events it had not heard. Hearing an outcome twice is harmless: a run
 * settles once. Redis streams number entries as they are appended and never do this.
 *
 * @module
 * @internal
 */

/** How long after an id is heard the events before it are taken as all visible. */
export const SETTLE_MS = 1000;

/** How often the stream is read again while runs wait on outcomes. */
export const SWEEP_MS = 100;

/** An outcome event as read again: its id and its `outcomes` field. */
export interface SweptEvent {
  readonly id: string;
  readonly outcomes: string | null;
}

/** The events heard through the stream, and the position below which none can still appear. */
export class OutcomeSweep {
  /** Ids heard (through the stream or a sweep) above the floor. */
  readonly #heard = new Set<bigint>();
  /** The highest id heard at each sweep, with when: the floor rises to those a settle old. */
  readonly #marks: { readonly at: number; readonly id: bigint }[] = [];
  #floor: bigint;
  #top: bigint;

  /** `from`: the stream's position when reading began (its last id, or the start). */
  constructor(from: string) {
    this.#floor = BigInt(from);
    this.#top = this.#floor;
  }

  /** The position to read again from: every id at or below it was seen, or never will be. */
  get floor(): string {
    return String(this.#floor);
  }

  /** An event heard through the stream. */
  heard(id: string): void {
    const n = BigInt(id);
    if (n <= this.#floor) return;
    this.#heard.add(n);
    if (n > this.#top) this.#top = n;
  }

  /**
   * The events of a read again (ids above {@link floor}, in order) not heard yet, which it marks
   * heard; then raises the floor to the highest id heard a settle ago.
   */
  unheard(events: readonly SweptEvent[], now: number): SweptEvent[] {
    const fresh: SweptEvent[] = [];
    for (const event of events) {
      const n = BigInt(event.id);
      if (n <= this.#floor || this.#heard.has(n)) continue;
      this.#heard.add(n);
      if (n > this.#top) this.#top = n;
      fresh.push(event);
    }
    this.#marks.push({ at: now, id: this.#top });
    let floor = this.#floor;
    while (this.#marks.length > 0 && now - (this.#marks[0]?.at ?? now) >= SETTLE_MS) floor = this.#marks.shift()?.id ?? floor;
    if (floor > this.#floor) {
      this.#floor = floor;
      for (const n of this.#heard) if (n <= floor) this.#heard.delete(n);
    }
    return fresh;
  }
}
