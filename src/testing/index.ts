/**
 * `sluice/testing`: marble-test your own flows. Run a flow on a `TestScheduler`, write task
 * bodies as cold Observables, and assert on a future's `result$`, a list's `result$`, or the
 * flow's `events$`, all in virtual time.
 *
 * @packageDocumentation
 * @module sluice/testing
 */
import { map, type Observable, type SchedulerLike } from 'rxjs';
import type { TaskFuture } from '../core/future.js';
import type { StateName } from '../core/states.js';
import { flow, newFlowRunFor, startFlowRun, type FlowRunHandle } from '../api/flow.js';
import type { FlowCall } from '../api/flow-options.js';
import type { FlowResult } from '../api/flow-result.js';
import { ConcurrentTaskRunner } from '../runners/concurrent.js';
import type { TaskRunner } from '../runners/runner.js';

/**
 * Options of {@link runTestFlow}.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { task } from 'sluice';
 * import { runTestFlow, type TestFlowOptions } from 'sluice/testing';
 * import { expect } from 'vitest';
 *
 * const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
 * const options: TestFlowOptions = { name: 'marbles', maxConcurrency: 1 };
 * scheduler.run(({ cold, expectObservable }) => {
 *   const work = task('work', (x: string) => cold('-(v|)', { v: x }));
 *   let futures!: ReturnType<typeof work.map>;
 *   void runTestFlow(scheduler, () => { futures = work.map(['a', 'b']); }, options);
 *   expectObservable(futures.result$).toBe('--(x|)', { x: ['a', 'b'] });
 * });
 * ```
 */
export interface TestFlowOptions {
  /** The flow's name. @defaultValue `'test-flow'` */
  readonly name?: string;
  /** The runner's limit, when no `taskRunner` is given. @defaultValue `Infinity` */
  readonly maxConcurrency?: number;
  /** The runner. @defaultValue `new ConcurrentTaskRunner({ maxConcurrency })` */
  readonly taskRunner?: TaskRunner;
  /** What happens to runs still going when the body returns. @defaultValue `'wait'` */
  readonly onExit?: 'wait' | 'cancel';
}

/**
 * Runs `body` as a flow on `scheduler` (a `TestScheduler` in a marble test), synchronously: the
 * futures the body creates exist when this returns, so the test can set expectations on them
 * before the scheduler flushes. Returns the flow's result promise (settled after the flush).
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { task } from 'sluice';
 * import { runTestFlow } from 'sluice/testing';
 * import { expect } from 'vitest';
 *
 * const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
 * scheduler.run(({ cold, expectObservable }) => {
 *   const work = task('work', (x: string) => cold('--(v|)', { v: x.toUpperCase() }));
 *   let futures!: ReturnType<typeof work.map>;
 *   void runTestFlow(scheduler, () => { futures = work.map(['a', 'b', 'c']); }, { maxConcurrency: 2 });
 *   expectObservable(futures.result$).toBe('----(x|)', { x: ['A', 'B', 'C'] });
 * });
 * ```
 */
export function runTestFlow<R>(scheduler: SchedulerLike, body: () => R, options: TestFlowOptions = {}): Promise<FlowResult<Awaited<R>>> {
  const runner = options.taskRunner ?? new ConcurrentTaskRunner({ maxConcurrency: options.maxConcurrency ?? Number.POSITIVE_INFINITY });
  // No progress bar: a test's flow runs in virtual time, and its output is the test runner's.
  return flow({ name: options.name ?? 'test-flow', taskRunner: runner, scheduler, onExit: options.onExit ?? 'wait', progress: false }, body)();
}

/**
 * Starts `body` as a flow on `scheduler` and returns its handle, whose `events$` a marble test
 * can assert on. The body starts at the scheduler's current frame; every event is kept, so an
 * expectation set up after this call still sees the flow from its first event.
 *
 * @example
 * ```ts
 * import { map } from 'rxjs';
 * import { TestScheduler } from 'rxjs/testing';
 * import { task } from 'sluice';
 * import { startTestFlow } from 'sluice/testing';
 * import { expect } from 'vitest';
 *
 * const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
 * scheduler.run(({ expectObservable }) => {
 *   const handle = startTestFlow(scheduler, () => task('t', () => 1).submit());
 *   expectObservable(handle.events$.pipe(map((e) => e.type))).toBe('(abcdef|)', {
 *     a: 'flow-started', b: 'run-submitted', c: 'run-state', d: 'run-state', e: 'run-state', f: 'flow-finished',
 *   });
 * });
 * ```
 */
export function startTestFlow<R>(scheduler: SchedulerLike, body: () => R, options: TestFlowOptions = {}): FlowRunHandle<Awaited<R>> {
  const runner = options.taskRunner ?? new ConcurrentTaskRunner({ maxConcurrency: options.maxConcurrency ?? Number.POSITIVE_INFINITY });
  const flowOptions: FlowCall = {
    name: options.name ?? 'test-flow',
    taskRunner: runner,
    scheduler,
    onExit: options.onExit ?? 'wait',
    progress: false,
    signals: [],
  };
  // Events are recorded from the start: a marble expectation subscribes after the flow began.
  return startFlowRun(flowOptions, body as () => Awaited<R>, [], newFlowRunFor(flowOptions), true);
}

/**
 * A future's state names over time, for a marble expectation.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { task } from 'sluice';
 * import { runTestFlow, stateNames } from 'sluice/testing';
 * import { expect } from 'vitest';
 *
 * let calls = 0;
 * const flaky = task({ name: 'flaky', retries: 1, retryDelay: 2 }, () => {
 *   if (++calls === 1) throw new Error('once');
 *   return 'ok';
 * });
 * const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
 * scheduler.run(({ expectObservable }) => {
 *   void runTestFlow(scheduler, () => {
 *     // The first attempt has failed by the time the expectation subscribes: it sees the state now.
 *     expectObservable(stateNames(flaky.submit())).toBe('a-(bc|)', { a: 'AwaitingRetry', b: 'Retrying', c: 'Completed' });
 *   });
 * });
 * ```
 */
export function stateNames(future: TaskFuture<unknown>): Observable<StateName> {
  return future.state$.pipe(map((state) => state.name));
}
