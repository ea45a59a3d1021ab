/**
 * sluice: Prefect's model for running tasks concurrently (`task`, `submit`, `map`, futures,
 * `waitFor`, flows, pluggable runners), in TypeScript on RxJS.
 *
 * @packageDocumentation
 * @module sluice
 */

/* Tasks and flows */
export { task } from './api/task.js';
export type { Task, TaskFunction, TaskFunctionArgs, TaskFunctionValue } from './api/task.js';
export { TASK_DEFAULTS } from './api/task-options.js';
export type { TaskOptions, TaskRunOptions, RetryDelay, SchemaTaskOptions, SchemaInput, SchemaOutput } from './api/task-options.js';
export type { StandardSchemaV1 } from './core/codecs.js';
export type { Arg, Args, MapArg, MapArgs, Upstreams, WithFutures } from './api/args.js';
export { flow } from './api/flow.js';
export { isMainModule } from './api/main-module.js';
export { MAP_STREAM_DEFAULTS } from './api/stream.js';
export type { MapStreamOptions, StreamSource, TaskStream } from './api/stream.js';
export type { Flow, FlowRunHandle } from './api/flow.js';
export type { FlowOptions } from './api/flow-options.js';
export type { FlowResult, FutureValue } from './api/flow-result.js';
export { getRunContext, getRunLogger } from './api/context.js';
export type { RunContext } from './api/context.js';

/* Shared limits */
export { concurrencyLimits, setDefaultLimits, REDIS_LIMITS_DEFAULTS } from './limits/limits.js';
export type { Limits, ConcurrencyLimitsOptions, RateLimitOptions, RedisLimitsOptions } from './limits/limits.js';
export { concurrency, rateLimit } from './api/concurrency.js';
export type { LimitWaitOptions } from './api/concurrency.js';

/* Futures */
export { TaskFutureList, wait, asCompleted } from './api/future.js';
export { isTaskFuture } from './core/future.js';
export type { TaskFuture, ResultOptions } from './core/future.js';
export type {
  ListResultOptions,
  WaitOptions,
  DoneAndNotDone,
  AsCompletedOptions,
  CompletionStream,
} from './api/future.js';
export { unmapped, allowFailure, quote, opaque, Unmapped, AllowedFailure, Quoted, Opaque } from './core/annotations.js';
export type { AllowFailureOptions } from './core/annotations.js';

/* States and events */
export { isTerminal, isPending, isRunning, isCompleted, isFailed, isCancelled, isCrashed, STATE_NAMES } from './core/states.js';
export type {
  State,
  StateType,
  StateName,
  TerminalState,
  PendingState,
  ScheduledState,
  RunningState,
  CompletedState,
  FailedState,
  CancelledState,
  CrashedState,
} from './core/states.js';
export type { FlowEvent, RunEventBase, RunWarningCode } from './core/events.js';
export { DEFAULT_HOOK_TIMEOUT } from './core/hooks.js';
export type { FlowHook, FlowHookOptions, HookedFlowRun, HookedTaskRun, HookName, HookResult, OneOrMany, TaskHook, TaskHookOptions } from './core/hooks.js';
export { RECORD_FORMAT_VERSION } from './observers/record.js';
export type { RecordedEvent, RecordedError, RecordedRunBase, RecordSink } from './observers/record.js';
export type { Logger, LogFn, RunLogFields } from './core/logger.js';
export type { ResultStore, ResultStoreSetOptions, ResultStoreLock, ResultStoreLockOptions } from './cache/store.js';
export type { ResultSerializer } from './cache/serializer.js';
export { cachePolicies, CachePolicy } from './cache/policies.js';
export type { CacheKeyContext, CacheKeyFn, ArgumentPath } from './cache/policies.js';
export { CACHE_DEFAULTS } from './cache/cache-options.js';
export type { CacheOptions, CacheIsolation } from './cache/cache-options.js';
export { resultSerializers } from './cache/serializers.js';
export { CacheKeyError } from './cache/cache-key-error.js';

/* Result stores */
export { MemoryResultStore } from './cache/memory-store.js';
export type { MemoryResultStoreOptions } from './cache/memory-store.js';
export { FileResultStore, defaultResultsDirectory } from './cache/file-store.js';
export type { FileResultStoreOptions } from './cache/file-store.js';
export { RedisResultStore, REDIS_RESULT_STORE_DEFAULTS } from './cache/redis-store.js';
export type { RedisResultStoreOptions } from './cache/redis-store.js';
export { ResultStoreError } from './cache/errors.js';
export type { ResultStoreOperation } from './cache/errors.js';

/* Runners */
export { ConcurrentTaskRunner, CONCURRENT_RUNNER_DEFAULTS } from './runners/concurrent.js';
export type { ConcurrentTaskRunnerOptions } from './runners/concurrent.js';
export type { TaskRunner, TaskRef, RunnerCall, RunnerCache } from './runners/runner.js';
/* Runners */
export { WorkerThreadsTaskRunner, WORKER_THREADS_RUNNER_DEFAULTS } from './runners/worker-threads/runner.js';
export type { WorkerThreadsTaskRunnerOptions } from './runners/worker-threads/runner.js';
export { TaskNotFoundError, NotCloneableError, WorkerProtocolError, WorkerCrashedError } from './runners/worker-threads/errors.js';
export { FlowInWorkerImportError } from './runners/remote/errors.js';

/* Errors */
export { SluiceError, isSluiceError } from './core/errors/base.js';
export {
  InvalidArgumentError,
  InvalidTaskOptionsError,
  UnknownOptionError,
  MappingMissingIterableError,
  MappingLengthMismatchError,
} from './core/errors/input.js';
export { UpstreamError, UpstreamFailedError, UpstreamCancelledError, SelfDependencyError, WaitTimeoutError } from './core/errors/upstream.js';
export { CancelledError } from './core/errors/cancelled.js';
export { FailedRunsError, FlowTimeoutError, UnobservedFailuresError } from './core/errors/flow.js';
export { EmptyResultError, TaskTimeoutError, RetriesExhaustedError, NoRunContextError, TaskRunError, HookTimeoutError } from './core/errors/run.js';
export { CodecMismatchError, InvalidFlowParamsError, InvalidParamsError, InvalidReturnError } from './core/errors/codec.js';
export { StreamOverflowError } from './core/errors/stream.js';
export { MissingPackageError } from './core/errors/package.js';
export { InvalidLimitsError, LimitNotDefinedError, LimitOccupyError, LimitsUnavailableError, LimitTimeoutError, TagLimitZeroError } from './core/errors/limits.js';
export type { SluiceErrorCode, SluiceErrorsByCode } from './core/errors/base.js';
export type { UpstreamRunInfo } from './core/errors/upstream.js';
export type { CancelledTarget } from './core/errors/cancelled.js';
export type { UnobservedFailure } from './core/errors/flow.js';
