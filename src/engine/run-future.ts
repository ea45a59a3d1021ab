import type { Observable } from 'rxjs';
import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskEither } from 'fp-ts/lib/TaskEither.js';
import { describeError } from '../core/errors/base.js';
import { WaitTimeoutError } from '../core/errors/upstream.js';
import { TaskRunError } from '../core/errors/run.js';
import { FUTURE, type ResultOptions } from '../core/future.js';
import type { State } from '../core/states.js';
import { awaitOne, checkTimeout } from './await.js';
import { rxjs } from '../core/lazy-rxjs.js';
import { currentRun, RunRecord, type Listener } from './run-record.js';

/** Node's hook for `util.inspect` (and so `console.log`), read without importing node:util. */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** The part of `util.inspect`'s options a custom inspector passes on. */
interface InspectOptions {
  readonly depth?: number | null;
}

/**
 * The future's side of a run: waiting for it as a Promise, an fp-ts Either, or an Observable.
 * Every wait goes through `awaitOne` (or a listener), so a task body waiting here lends its slot.
 *
 * @internal
 */
export abstract class RunFuture<R> extends RunRecord<R> {
  // ---- run context ----------------------------------------------------------------------------

  // ---- the future's API -----------------------------------------------------------------------

  result(options: ResultOptions & { readonly raiseOnFailure: false }): Promise<unknown>;
  result(options?: ResultOptions): Promise<R>;
  result(options?: ResultOptions): Promise<unknown> {
    // No `= {}` default: that would be an object per call in a submit loop.
    const timeout = options?.timeout;
    const raise = options?.raiseOnFailure !== false;
    if (timeout !== undefined) {
      const problem = checkTimeout(timeout, `result() of task run "${this.name}"`);
      if (problem !== undefined) return Promise.reject(problem);
    }
    this.observed = true;
    // The common case (no options, outside a task body) shares one promise per run, settled by
    // the run itself: no waiter closures per call.
    if (timeout === undefined && raise && !this.terminal && currentRun() === undefined) {
      const extra = (this.extra ??= {});
      return (extra.result ??= new Promise((resolve, reject) => {
        extra.resolveResult = resolve;
        extra.rejectResult = reject;
      }));
    }
    return new Promise((resolve, reject) => {
      awaitOne(this as unknown as RunRecord<unknown>, { timeout, scheduler: this.flow.scheduler, stopOnFailure: false }, (timedOut) => {
        if (timedOut) {
          reject(new WaitTimeoutError(`task run "${this.name}" (id ${this.id}) did not finish within ${timeout}ms`));
        } else if (this.phase === 'Completed') {
          resolve(this.value);
        } else if (!raise) {
          resolve(this.error);
        } else {
          reject(this.error);
        }
      });
    });
  }

  wait(timeout?: number): Promise<void> {
    if (timeout !== undefined) {
      const problem = checkTimeout(timeout, `wait() of task run "${this.name}"`);
      if (problem !== undefined) return Promise.reject(problem);
    }
    return new Promise((resolve) => {
      awaitOne(this as unknown as RunRecord<unknown>, { timeout, scheduler: this.flow.scheduler, stopOnFailure: false }, () => {
        resolve();
      });
    });
  }

  either(): Promise<Either<TaskRunError, R>> {
    this.observed = true;
    return new Promise((resolve) => {
      awaitOne(this as unknown as RunRecord<unknown>, { timeout: undefined, scheduler: this.flow.scheduler, stopOnFailure: false }, () => {
        resolve(
          this.phase === 'Completed'
            ? { _tag: 'Right', right: this.value as R }
            : { _tag: 'Left', left: new TaskRunError(this, this.phase, this.error) },
        );
      });
    });
  }

  taskEither(): TaskEither<TaskRunError, R> {
    return () => this.either();
  }

  get result$(): Observable<R> {
    return new (rxjs().Observable)<R>((subscriber) => {
      this.observed = true;
      const deliver = (): void => {
        if (this.phase === 'Completed') {
          subscriber.next(this.value as R);
          subscriber.complete();
        } else {
          subscriber.error(this.error);
        }
      };
      if (this.isTerminal) {
        deliver();
        return undefined;
      }
      const waiter = currentRun();
      waiter?.beginWait();
      const listener: Listener = () => {
        if (waiter === undefined) deliver();
        else waiter.endWait(deliver);
      };
      this.onTerminal(listener);
      return () => {
        if (!this.isTerminal) {
          this.offTerminal(listener);
          waiter?.endWait(() => undefined);
        }
      };
    });
  }

  get state$(): Observable<State<R>> {
    return new (rxjs().Observable)<State<R>>((subscriber) => {
      if (this.isTerminal) {
        this.observed = true;
        subscriber.next(this.buildState());
        subscriber.complete();
        return undefined;
      }
      subscriber.next(this.buildState());
      const listener = (state: State<R>): void => {
        subscriber.next(state);
        if (this.isTerminal) {
          this.observed = true;
          subscriber.complete();
        }
      };
      (this.stateListeners ??= []).push(listener);
      return () => {
        const list = this.stateListeners;
        if (list === undefined) return;
        const i = list.indexOf(listener);
        if (i >= 0) list.splice(i, 1);
      };
    });
  }

  /** A future's brand, on the prototype: `isTaskFuture` recognises it without the engine. */
  get [FUTURE](): true {
    return true;
  }

  override toString(): string {
    return `TaskFuture(${this.name}: ${this.phase})`;
  }

  /**
   * What a future shows of itself to `console.log` and `JSON.stringify`: its name, task and state,
   * and its value or error once it has one, not the engine's links (which are circular). Reading
   * it does not count as looking at a failure.
   */
  toJSON(): { id: string; name: string; task: string; state: string; value?: unknown; error?: string } {
    return { id: this.id, ...this.summary() };
  }

  [INSPECT](depth: number, options: InspectOptions, inspect: (value: unknown, options: InspectOptions) => string): string {
    if (depth < 0) return `[TaskFuture ${this.name}]`;
    const depthLeft = options.depth === null || options.depth === undefined ? options.depth : options.depth - 1;
    return `TaskFuture ${inspect(this.summary(), { ...options, depth: depthLeft })}`;
  }

  private summary(): { name: string; task: string; state: string; value?: unknown; error?: string } {
    const base = { name: this.name, task: this.taskName, state: this.phase };
    if (!this.terminal) return base;
    return this.phase === 'Completed' ? { ...base, value: this.value } : { ...base, error: describeError(this.error) };
  }
}
