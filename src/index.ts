/**
 * sluice: Prefect's model for running tasks concurrently (`task`, `submit`, `map`, futures,
 * `waitFor`, flows, pluggable runners), in TypeScript on RxJS.
 *
 * @packageDocumentation
 * @module sluice
 */

/* Tasks and flows */
export { task, TASK_DEFAULTS } from './task.js';
export type { Task, TaskOptions, TaskRunOptions, TaskFunction, TaskFunctionArgs, TaskFunctionValue, RetryDelay, Arg, Args, MapArg, MapArgs, Upstreams, WithFutures } from './task.js';
export { flow } from './flow.js';
export { isMainModule } from './main-module.js';
export { MAP_STREAM_DEFAULTS } from './stream.js';
export type { MapStreamOptions, StreamSource, TaskStream } from './stream.js';
export type { Flow, FlowOptions, FlowResult, FlowRunHandle, FutureValue } from './flow.js';
export { getRunContext } from './context.js';
export type { RunContext } from './context.js';

/* Futures */
export { TaskFutureList, wait, asCompleted, isTaskFuture } from './future.js';
export type {
  TaskFuture,
  ResultOptions,
  ListResultOptions,
  WaitOptions,
  DoneAndNotDone,
  AsCompletedOptions,
  CompletionStream,
} from './future.js';
export { unmapped, allowFailure, Unmapped, AllowedFailure } from './annotations.js';
export type { AllowFailureOptions } from './annotations.js';

/* States and events */
export { isTerminal, isPending, isRunning, isCompleted, isFailed, isCancelled, isCrashed, STATE_NAMES } from './states.js';
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
} from './states.js';
export type { FlowEvent, RunEventBase } from './events.js';
export { RECORD_FORMAT_VERSION } from './observe/record.js';
export type { RecordedEvent, RecordedError, RecordedRunBase, RecordSink } from './observe/record.js';
export type { Logger, LogFn, RunLogFields } from './observe/logger.js';

/* Runners */
export { ConcurrentTaskRunner, CONCURRENT_RUNNER_DEFAULTS } from './runners/concurrent.js';
export type { ConcurrentTaskRunnerOptions } from './runners/concurrent.js';
export type { TaskRunner, TaskRef, RunnerCall } from './runners/runner.js';
/* Runners */
export { WorkerThreadsTaskRunner, WORKER_THREADS_RUNNER_DEFAULTS } from './runners/worker-threads/runner.js';
export type { WorkerThreadsTaskRunnerOptions } from './runners/worker-threads/runner.js';
export { TaskNotFoundError, NotCloneableError, WorkerProtocolError, WorkerCrashedError, FlowInWorkerImportError } from './runners/worker-threads/errors.js';

/* Errors */
export {
  SluiceError,
  isSluiceError,
  InvalidArgumentError,
  InvalidTaskOptionsError,
  UnknownOptionError,
  MappingMissingIterableError,
  MappingLengthMismatchError,
  UpstreamError,
  UpstreamFailedError,
  UpstreamCancelledError,
  SelfDependencyError,
  WaitTimeoutError,
  CancelledError,
  FailedRunsError,
  EmptyResultError,
  UnobservedFailuresError,
  TaskTimeoutError,
  RetriesExhaustedError,
  NoRunContextError,
  CodecMismatchError,
  InvalidParamsError,
  InvalidReturnError,
  TaskRunError,
  StreamOverflowError,
} from './errors.js';
export type { SluiceErrorCode, SluiceErrorsByCode, UpstreamRunInfo, UnobservedFailure, CancelledTarget } from './errors.js';
