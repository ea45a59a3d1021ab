/**
 * The errors of a flow whose runs failed: runs nothing looked at, or returned runs that did not
 * complete. Each lists the runs, with their errors.
 *
 * @module
 */
import { describeError, SluiceError } from './base.js';

/**
 * One failed run that nothing looked at, as listed by {@link UnobservedFailuresError}.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task, type UnobservedFailure } from 'sluice';
 * const fail = task('fail', () => {
 *   throw new Error('no');
 * });
 * const err = await flow({ name: 'careless' }, () => {
 *   fail.submit();
 * })().catch((e: unknown) => e);
 * if (isSluiceError(err, 'UNOBSERVED_FAILURES')) {
 *   const first: UnobservedFailure | undefined = err.failures[0];
 *   console.log(first?.runName, first?.error); // fail-0 Error: no
 * }
 * ```
 */
export interface UnobservedFailure {
  readonly runId: string;
  readonly runName: string;
  readonly taskName: string;
  readonly error: unknown;
}

/**
 * A flow finished, but some runs it started failed and the flow's code never looked at them (no
 * `result()`, no state check, no downstream that allowed the failure). The flow rejects with this
 * error instead of reporting success.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const fail = task('fail', () => {
 *   throw new Error('no');
 * });
 * const careless = flow({ name: 'careless' }, () => {
 *   fail.submit(); // never looked at
 * });
 * const err = await careless().catch((e: unknown) => e);
 * if (isSluiceError(err, 'UNOBSERVED_FAILURES')) for (const f of err.failures) console.log(f.runName); // fail-0
 * ```
 */
export class UnobservedFailuresError extends SluiceError {
  readonly flowName: string;
  readonly failures: readonly UnobservedFailure[];

  constructor(flowName: string, failures: readonly UnobservedFailure[]) {
    const { shown, more } = listFailures(failures);
    super(
      'UNOBSERVED_FAILURES',
      `flow "${flowName}": ${failures.length} task run${failures.length === 1 ? '' : 's'} failed and nothing looked at ` +
        `${failures.length === 1 ? 'it' : 'them'}: ${shown}${more}`,
      { cause: failures[0]?.error },
    );
    this.flowName = flowName;
    this.failures = failures;
  }
}

/**
 * A flow returned several futures (a list, or an array or object holding futures) and some of
 * their runs did not complete. The error lists every one of them by name, with its error, as
 * Prefect reports "2/3 states failed"; `cause` is the first one's error.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const fail = task('fail', (n: number): number => {
 *   throw new Error(`no ${n}`);
 * });
 * const ok = task('ok', () => 1);
 * const err = await flow({ name: 'batch' }, () => [fail.submit(1), fail.submit(2), ok.submit()])().catch((e: unknown) => e);
 * if (isSluiceError(err, 'RUNS_FAILED')) {
 *   console.log(err.message); // flow "batch": 2 of 3 returned runs did not complete: "fail-0" ...
 *   for (const f of err.failures) console.log(f.runName, f.error); // fail-0 Error: no 1, fail-1 Error: no 2
 * }
 * ```
 */
export class FailedRunsError extends SluiceError {
  readonly flowName: string;
  /** How many runs the flow returned. */
  readonly returned: number;
  /** Every returned run that did not complete, in the order they were returned. */
  readonly failures: readonly UnobservedFailure[];

  constructor(flowName: string, returned: number, failures: readonly UnobservedFailure[]) {
    const { shown, more } = listFailures(failures);
    super('RUNS_FAILED', `flow "${flowName}": ${failures.length} of ${returned} returned runs did not complete: ${shown}${more}`, {
      cause: failures[0]?.error,
    });
    this.flowName = flowName;
    this.returned = returned;
    this.failures = failures;
  }
}

/** The first ten failures of a list, one clause each, and how many more there were. */
function listFailures(failures: readonly UnobservedFailure[]): { shown: string; more: string } {
  const shown = failures
    .slice(0, 10)
    .map((f) => `"${f.runName}" (task "${f.taskName}"): ${describeError(f.error)}`)
    .join('; ');
  return { shown, more: failures.length > 10 ? `; and ${failures.length - 10} more` : '' };
}

/**
 * A flow run's attempt ran longer than its flow's `timeout`: its unfinished runs and subflows were
 * cancelled (they end `Cancelled`), and the flow rejects with this error. A timed-out flow run is
 * not retried.
 *
 * @example
 * ```ts
 * import { flow, isSluiceError, task } from 'sluice';
 * const hang = task('hang', () => new Promise<number>(() => {}));
 * const err = await flow({ name: 'nightly', timeout: 10 }, () => hang.submit())().catch((e: unknown) => e);
 * if (isSluiceError(err, 'FLOW_TIMED_OUT')) console.log(err.timeout, err.message); // 10 flow "nightly" ... timeout of 10ms ...
 * ```
 */
export class FlowTimeoutError extends SluiceError {
  readonly flowName: string;
  readonly flowRunId: string;
  /** The limit, in ms. */
  readonly timeout: number;
  /** The attempt that timed out (1 for the first). */
  readonly attempt: number;
  /** How many of its runs ended cancelled. */
  readonly cancelledRuns: number;

  constructor(flow: { readonly flowName: string; readonly flowRunId: string; readonly attempt: number; readonly cancelledRuns: number }, timeout: number) {
    const runs = flow.cancelledRuns === 1 ? '1 run' : `${flow.cancelledRuns} runs`;
    super('FLOW_TIMED_OUT', `flow "${flow.flowName}" (flow run ${flow.flowRunId}, attempt ${flow.attempt}) exceeded its timeout of ${timeout}ms; ${runs} cancelled`);
    this.flowName = flow.flowName;
    this.flowRunId = flow.flowRunId;
    this.timeout = timeout;
    this.attempt = flow.attempt;
    this.cancelledRuns = flow.cancelledRuns;
  }
}

// This file's codes join the base's: base.ts imports none of the error files, so none can form a circle.
declare module './base.js' {
  interface SluiceErrorsByCode {
    readonly UNOBSERVED_FAILURES: UnobservedFailuresError;
    readonly RUNS_FAILED: FailedRunsError;
    readonly FLOW_TIMED_OUT: FlowTimeoutError;
  }
}
