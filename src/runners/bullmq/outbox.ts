/**
 * How a worker tells the flows what became of their jobs: the outcomes of the jobs it finished in
 * one turn of the event loop go out together, as one event on the queue's outcome stream.
 *
 * @module
 * @internal
 */
import type { QueueEventsProducer } from 'bullmq';
import { OUTCOME_EVENTS_KEPT, OUTCOMES_EVENT, OUTCOMES_PER_EVENT, type JobResult } from './protocol.js';

/**
 * Batches a worker's outcomes and publishes them; a publish that fails is left to the flows'
 * look-ups, and its error to `onError` (the worker says a refusal once).
 */
export class OutcomeOutbox {
  readonly #producer: QueueEventsProducer;
  readonly #onError: (error: unknown) => void;
  /** `[jobId, outcome, ...]`, as {@link OUTCOMES_EVENT} carries it. */
  #list: (string | JobResult | 0)[] = [];
  #scheduled = false;
  readonly #sending = new Set<Promise<void>>();

  constructor(producer: QueueEventsProducer, onError: (error: unknown) => void) {
    this.#producer = producer;
    this.#onError = onError;
  }

  /** A job's body returned `result` (BullMQ is recording it), or BullMQ has recorded it failed (`0`). */
  add(jobId: string, outcome: JobResult | 0): void {
    this.#list.push(jobId, outcome);
    // Idle (nothing out, nothing waiting): at once, for the lone job's latency. Busy: batched.
    if (this.#list.length >= 2 * OUTCOMES_PER_EVENT || (this.#sending.size === 0 && !this.#scheduled)) {
      this.#flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      // A macrotask, not a microtask: the replies of one read from Redis finish many jobs, each
      // in a microtask of its own, and should go out in one event. Not a delay, so not a scheduler.
      setImmediate(() => this.#flush());
    }
  }

  /** Publishes what is waiting and waits for every publish to end. */
  async drain(): Promise<void> {
    this.#flush();
    await Promise.all([...this.#sending]);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#list.length === 0) return;
    const list = this.#list;
    this.#list = [];
    const sent = this.#producer
      .publishEvent({ eventName: OUTCOMES_EVENT, outcomes: JSON.stringify(list) }, OUTCOME_EVENTS_KEPT)
      // Lost (Redis is away, or refused it): each flow finds these jobs' outcomes by looking the jobs up.
      .catch(this.#onError)
      .finally(() => this.#sending.delete(sent));
    this.#sending.add(sent);
  }
}
