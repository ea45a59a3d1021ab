/**
 * The options of `flow()` and `flow.with()`: what each means, and their checks, each made once
 * when the flow (or its copy) is defined.
 *
 * @module
 */
import type { Tracer } from '@opentelemetry/api';
import type { SchedulerLike } from 'rxjs';
import { describeValue } from '../core/errors/base.js';
import { InvalidArgumentError } from '../core/errors/input.js';
import type { TaskRunner } from '../runners/runner.js';
import { isLogger, type Logger } from '../core/logger.js';
import type { RecordSink } from '../observers/record.js';
import { checkOptionKeys, type KeyList } from '../core/option-keys.js';
import { homeOf, type Limits } from '../limits/limits.js';
import { compileHooks, type FlowHookOptions } from '../core/hooks.js';
import { compileRunName, parameterNames } from '../engine/run-names.js';
import { CACHE_OPTION_KEYS, checkCacheOptions, type CacheOptions } from '../cache/cache-options.js';
import type { Decoder } from 'io-ts';
import { checkParams, checkSchemaParams, NOT_A_CHECKER, readChecker, type SchemaCheck, type StandardSchemaV1 } from '../core/codecs.js';


/**
 * Options of {@link flow}.
 *
 * @example
 * ```ts
 * import { ConcurrentTaskRunner, flow, type FlowOptions } from 'sluice';
 * const options: FlowOptions = { name: 'nightly', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 4 }), onExit: 'cancel' };
 * const nightly = flow(options, async () => 'done');
 * console.log(await nightly()); // done
 * ```
 */
export interface FlowOptions extends CacheOptions, FlowHookOptions {
  /** The flow's name, used in events and errors. */
  readonly name: string;
  /**
   * The name of each run of the flow, as Prefect's `flow_run_name`: a template such as
   * `'sync-{day}'` naming the flow function's parameters (or their positions, `{0}`, and paths
   * into them, `{config.name}`), or a function of the flow's arguments. It is rendered when the
   * run starts, and carried as `flowRunName` by its `flow-started` and `flow-finished` events and
   * recording. A template naming no parameter throws an `InvalidArgumentError` when the flow is
   * defined; a function that throws fails the run before its function is called.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const sync = flow({ name: 'sync', flowRunName: 'sync-{day}' }, async (day: string) => day.length);
   * const handle = sync.start('monday');
   * handle.events$.subscribe((event) => {
   *   if (event.type === 'flow-started') console.log(event.flowRunName); // sync-monday
   * });
   * await handle.result();
   * ```
   *
   * @defaultValue none: events carry no `flowRunName`
   */
  readonly flowRunName?: string | ((...args: never[]) => string);
  /**
   * Checks the flow's arguments when it is called, before anything runs, as Prefect validates a
   * flow's parameters: an io-ts codec for the argument tuple (`t.tuple([...])`) or a Standard
   * Schema of it (zod's `z.tuple([...])`, valibot's `v.tuple([...])`, ArkType). A misfit fails
   * the flow run before its function is called (no run starts, `onRunning` hooks are not called,
   * `onFailure` hooks are) with an {@link InvalidFlowParamsError} (code `INVALID_FLOW_PARAMS`)
   * that names each argument; it is not retried. A schema's output is what the function gets,
   * and what `flowRunName` is rendered from. It must validate synchronously. Set by `flow()`, not
   * `with()`. With a schema, the function's parameters are typed from its output and the flow's
   * from its input.
   *
   * @example
   * ```ts
   * import { z } from 'zod';
   * import { flow } from 'sluice';
   * const Day = z.string().date().transform((s) => new Date(s));
   * const report = flow({ name: 'report', params: z.tuple([Day, z.number().int().positive()]) }, (day, top) =>
   *   `${day.toISOString().slice(0, 10)}: top ${top}`,
   * );
   * console.log(await report('2026-12-06', 3)); // 2026-12-06: top 3
   * await report('2026-12-06', -1).catch((e: Error) => console.log(e.message)); // flow "report" (flow run …): invalid arguments: argument 1: Number must be greater than 0
   * ```
   *
   * @defaultValue no check
   */
  readonly params?: Decoder<unknown, unknown[]> | StandardSchemaV1<unknown, unknown[]>;
  /**
   * How many times a failed flow run runs its function again, as Prefect's flow `retries`. A run
   * fails when its function throws or rejects, or its runs failed as the flow reports them
   * (`RUNS_FAILED`, `UNOBSERVED_FAILURES`); every attempt is the same flow run (one id, one event
   * stream, one `flow-finished`), waits for the previous attempt's runs to end first, and starts
   * its runs afresh (they are named on from the last attempt's). A cancelled or timed-out flow
   * run is not retried. With no retry left, the flow rejects with the last attempt's error.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * let calls = 0;
   * const flaky = flow({ name: 'flaky', retries: 2, retryDelay: 10 }, () => {
   *   if (++calls < 3) throw new Error('down');
   *   return calls;
   * });
   * console.log(await flaky()); // 3
   * ```
   *
   * @defaultValue 0
   */
  readonly retries?: number;
  /**
   * The delay (ms) before each retry of the flow: one number, or a list (the n-th retry waits the
   * n-th delay; the last repeats). Waited on the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * let calls = 0;
   * // Waits 100 ms before the first retry, 1 s before the second and each after it.
   * const sync = flow({ name: 'sync', retries: 3, retryDelay: [100, 1000] }, () => {
   *   if (++calls < 2) throw new Error('busy');
   *   return calls;
   * });
   * console.log(await sync()); // 2
   * ```
   *
   * @defaultValue 0
   */
  readonly retryDelay?: number | readonly number[];
  /**
   * The time limit (ms) of each attempt of the flow, from its function's call to its runs' end.
   * Past it, the flow's unfinished runs and subflows are cancelled (they end `Cancelled`) and,
   * once its function has returned, the flow rejects with a {@link FlowTimeoutError} that gives
   * the limit; it is not retried. The time goes by on the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow, isSluiceError, task } from 'sluice';
   * const hang = task('hang', () => new Promise<number>(() => {}));
   * const nightly = flow({ name: 'nightly', timeout: 50 }, () => hang.submit());
   * const err = await nightly().catch((e: unknown) => e);
   * console.log(isSluiceError(err, 'FLOW_TIMED_OUT')); // true
   * ```
   *
   * @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * Where the flow's task runs run.
   *
   * @defaultValue a new `ConcurrentTaskRunner()` per flow run (no limit)
   */
  readonly taskRunner?: TaskRunner;
  /**
   * The scheduler for every delay and time-stamp in the flow (retry delays, time-outs, waits).
   * Pass a `TestScheduler` to run the flow in virtual time.
   *
   * @defaultValue `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike;
  /**
   * What happens to runs still going when the flow's function returns: `'wait'` for them, or
   * `'cancel'` them. A flow whose function throws always cancels what is left.
   *
   * @defaultValue `'wait'`
   */
  readonly onExit?: 'wait' | 'cancel';
  /**
   * Aborting this signal cancels the flow: every unfinished run and subflow is cancelled, and
   * the flow rejects with a `CancelledError` whose `cause` is the signal's `reason`. A flow
   * called with a signal that has already fired starts nothing and rejects at once. Given here,
   * the signal covers every call of the flow; for one call, use `myFlow.with({ signal })(...args)`.
   *
   * @defaultValue no signal
   */
  readonly signal?: AbortSignal;
  /**
   * Records every event of each run of the flow: a file path (written as JSON lines, one per
   * event, complete when the flow settles; `sluice timeline` draws it) or a function called with
   * each event. Runs in one process that record to one path share the file, each line whole: the
   * first starts it afresh, the others append. `{flowRunId}` in the path gives each run a file
   * of its own. The format is {@link RecordedEvent}, version {@link RECORD_FORMAT_VERSION}.
   *
   * @defaultValue no recording
   */
  readonly record?: RecordSink;
  /**
   * Where task bodies' `getRunContext().logger` writes: a logger with pino's methods (`info`,
   * `warn`, `error`, `debug`, and `child` when it has one), with the flow's and run's names bound
   * to every line.
   *
   * @defaultValue the console, as `12:00:01.123 INFO  [flow / run] message`
   */
  readonly logger?: Logger;
  /**
   * Sends what the flow's function and its tasks' bodies print with `console.log` and
   * `console.info` to the flow's `logger` (or the console's, tagged), at `info`, as Prefect's
   * `log_prints`: a body's line carries its run's fields, as `getRunContext().logger`'s do, and a
   * line of the function (or of a hook) the flow's. A task's own `logPrints` wins over the flow's
   * (`false` opts out); subflows take their parent's unless given their own. Prints are told apart
   * by async context, so concurrent bodies never take each other's. Bodies on worker threads and
   * `sluice worker` processes print as they are, where they run (see "Logging" in
   * docs/observability.md).
   *
   * @example
   * ```ts
   * import { flow, task } from 'sluice';
   * const load = task('load', () => {
   *   console.log('loading'); // 12:00:01.123 INFO  [etl / load-0] loading
   *   return 120;
   * });
   * const etl = flow({ name: 'etl', logPrints: true }, async () => {
   *   const rows = await load();
   *   console.info('%d rows', rows); // 12:00:01.124 INFO  [etl] 120 rows
   *   return rows;
   * });
   * await etl();
   * ```
   *
   * @defaultValue the parent flow's, else `false`
   */
  readonly logPrints?: boolean;
  /**
   * A live progress bar on stderr for the flow's runs (done, failed, running, total, rate, ETA),
   * shown once the flow has run for half a second; task output printed meanwhile goes above it.
   * `true` forces it: where stderr is not a terminal (or `TERM=dumb`), that is a plain line every
   * 10 s and one at the end. See "Progress" in docs/observability.md.
   *
   * @defaultValue `true` when stderr is a terminal, `TERM` is not `dumb` and `CI` is unset (or
   * empty, `0` or `false`), else `false`
   */
  readonly progress?: boolean;
  /**
   * The OpenTelemetry tracer for the flow's spans: a span per flow run, a child span per task run
   * (see "Tracing" in docs/observability.md). Given, it is used whether or not an SDK is registered globally.
   *
   * @example
   * ```ts
   * import { trace } from '@opentelemetry/api';
   * import { flow } from 'sluice';
   * const etl = flow({ name: 'etl', tracer: trace.getTracer('my-app') }, async () => 1);
   * ```
   *
   * @defaultValue the registered SDK's tracer (`trace.getTracer('sluice')`); when no SDK is
   * registered, no spans and no cost
   */
  readonly tracer?: Tracer;
  /**
   * Shared limits, made by `concurrencyLimits()`: its concurrency limits gate the runs of tasks
   * with `tags` of the same names, and `concurrency()`/`rateLimit()` in its bodies use them.
   * Subflows use their parent's unless given their own. Flows given the same object share its counts.
   *
   * @defaultValue the parent flow's, else the process's default (`setDefaultLimits`), else none
   */
  readonly limits?: Limits;
  /**
   * How long (ms) the flow waits for each call of a state hook (its own, or its tasks') that
   * returns a Promise or an Observable. One past it is reported as a hook that threw is (a
   * `hook-failed` event, a line in the log, a `HookTimeoutError`), and the flow settles without
   * it. `Infinity` waits as long as it takes. Delays go through the flow's `scheduler`.
   *
   * @example
   * ```ts
   * import { flow } from 'sluice';
   * const notify = () => new Promise<void>(() => {}); // a webhook that never answers
   * const etl = flow({ name: 'etl', hookTimeout: 2000, onCompletion: notify }, () => 1);
   * console.log(await etl()); // 1, two seconds later; the hook is reported as timed out
   * ```
   *
   * @defaultValue `DEFAULT_HOOK_TIMEOUT` (30 s)
   */
  readonly hookTimeout?: number;
}

/** What a flow is called with: its options, and every signal that cancels this call. @internal */
export interface FlowCall extends FlowOptions {
  readonly name: string;
  /** `flowRunName`, compiled against the flow function's parameters. */
  readonly renderRunName?: ((...args: unknown[]) => string) | undefined;
  /** The flow's own `signal` and those added by `with`: any of them cancels the call. */
  readonly signals?: readonly AbortSignal[] | undefined;
  /** `params`, compiled: the arguments the function gets, or the problems. */
  readonly checkArgs?: ((args: readonly unknown[]) => SchemaCheck) | undefined;
}

/** A flow's `params` as a check of its arguments; throws an `InvalidArgumentError` for a bad one. @internal */
export function compileParams(flowName: string, params: unknown): ((args: readonly unknown[]) => SchemaCheck) | undefined {
  if (params === undefined) return undefined;
  const checker = readChecker(params);
  if (checker === undefined) throw new InvalidArgumentError(`flow "${flowName}": \`params\` ${NOT_A_CHECKER} of the argument list, got ${describeValue(params)}`);
  if ('schema' in checker) {
    const { schema } = checker;
    return (args) => checkSchemaParams(schema, args);
  }
  const { codec } = checker;
  return (args) => {
    const problems = checkParams(codec, args);
    return problems.length === 0 ? { ok: true, value: args } : { ok: false, problems };
  };
}

/** A flow's `flowRunName` as a function of its arguments; throws an `InvalidArgumentError` for a bad one. @internal */
export function compileFlowRunName(options: Partial<FlowOptions> & { readonly name: string }, fn: (...args: never[]) => unknown): ((...args: unknown[]) => string) | undefined {
  const given: unknown = options.flowRunName;
  if (given === undefined) return undefined;
  if (typeof given === 'function') return given as (...args: unknown[]) => string;
  if (typeof given !== 'string') {
    throw new InvalidArgumentError(`flow "${options.name}": \`flowRunName\` must be a template string or a function of the arguments, got ${describeValue(given)}`);
  }
  const compiled = compileRunName(given, parameterNames(fn), 'flow');
  if (typeof compiled === 'string') throw new InvalidArgumentError(`flow "${options.name}": \`flowRunName\` ${compiled}`);
  return compiled;
}

/** The options of `flow()`: typed as a list of `FlowOptions`' keys, so a new option cannot be left out. */
const FLOW_OPTION_KEYS: readonly string[] = [
  ...Object.keys({
  name: true,
  flowRunName: true,
  params: true,
  retries: true,
  retryDelay: true,
  timeout: true,
  taskRunner: true,
  scheduler: true,
  onExit: true,
  signal: true,
  record: true,
  logger: true,
  logPrints: true,
  progress: true,
  tracer: true,
  limits: true,
  hookTimeout: true,
  onRunning: true,
  onCompletion: true,
  onFailure: true,
  onCancellation: true,
  onCrashed: true,
  } satisfies KeyList<Omit<FlowOptions, keyof CacheOptions>>),
  // Caching: defaults for the flow's tasks that set none.
  ...CACHE_OPTION_KEYS,
];

/**
 * Checks the options of `flow()` and `flow.with()`; throws an `InvalidArgumentError` naming the
 * option, or an `UnknownOptionError` for one flows do not have.
 */
export function checkFlowOptions(options: Partial<FlowOptions> & { readonly name: string }): void {
  checkOptionKeys('flow', options.name, options, FLOW_OPTION_KEYS);
  if (options.record !== undefined && typeof options.record !== 'function' && (typeof options.record !== 'string' || options.record === '')) {
    throw new InvalidArgumentError(`flow "${options.name}": \`record\` must be a file path or a function, got ${String(options.record)}`);
  }
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`logger\` must have info, warn, error and debug methods (pino's interface)`);
  }
  if (options.onExit !== undefined && options.onExit !== 'wait' && options.onExit !== 'cancel') {
    throw new InvalidArgumentError(`flow "${options.name}": \`onExit\` must be 'wait' or 'cancel', got ${String(options.onExit)}`);
  }
  if (options.logPrints !== undefined && typeof options.logPrints !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`logPrints\` must be true or false, got ${describeValue(options.logPrints)}`);
  }
  if (options.progress !== undefined && typeof options.progress !== 'boolean') {
    throw new InvalidArgumentError(`flow "${options.name}": \`progress\` must be true or false, got ${String(options.progress)}`);
  }
  if (options.tracer !== undefined && typeof (options.tracer as Partial<Tracer> | null)?.startSpan !== 'function') {
    throw new InvalidArgumentError(`flow "${options.name}": \`tracer\` must be an OpenTelemetry Tracer (with startSpan)`);
  }
  checkCacheOptions(options, (option, message) => {
    throw new InvalidArgumentError(`flow "${options.name}": \`${option}\` ${message}`);
  });
  if (options.limits !== undefined && homeOf(options.limits) === undefined) {
    throw new InvalidArgumentError(`flow "${options.name}": \`limits\` must be made by concurrencyLimits(), got ${describeValue(options.limits)}`);
  }
  const hookTimeout: unknown = options.hookTimeout;
  if (hookTimeout !== undefined && (typeof hookTimeout !== 'number' || Number.isNaN(hookTimeout) || hookTimeout < 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`hookTimeout\` must be a number of ms from 0 and up (or Infinity), got ${describeValue(hookTimeout)}`);
  }
  compileHooks(options, undefined, (option, message) => {
    throw new InvalidArgumentError(`flow "${options.name}": \`${option}\` ${message}`);
  });
  const retries: unknown = options.retries;
  if (retries !== undefined && (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`retries\` must be a non-negative integer, got ${describeValue(retries)}`);
  }
  const retryDelay: unknown = options.retryDelay;
  const isDelay = (d: unknown): boolean => typeof d === 'number' && Number.isFinite(d) && d >= 0;
  if (retryDelay !== undefined && !isDelay(retryDelay) && !(Array.isArray(retryDelay) && retryDelay.length > 0 && retryDelay.every(isDelay))) {
    throw new InvalidArgumentError(`flow "${options.name}": \`retryDelay\` must be a number of ms from 0 up, or a non-empty list of them, got ${describeValue(retryDelay)}`);
  }
  const timeout: unknown = options.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`timeout\` must be a positive number of ms, got ${describeValue(timeout)}`);
  }
  const signal: unknown = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`flow "${options.name}": \`signal\` must be an AbortSignal, got ${describeValue(signal)}`);
  }
}
