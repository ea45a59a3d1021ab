/**
 * `sluice/bullmq`: the BullMQ runner and its workers, for flows spread over many processes and
 * machines through Redis. A subpath of its own, so that `import 'sluice'` never loads BullMQ.
 *
 * @packageDocumentation
 * @module sluice/bullmq
 */
export { BullMQTaskRunner } from './runners/bullmq/runner.js';
export { BULLMQ_RUNNER_DEFAULTS } from './runners/bullmq/runner-options.js';
export type { BullMQTaskRunnerOptions } from './runners/bullmq/runner-options.js';
export type { KeepJobs } from './runners/bullmq/keep-jobs.js';
export { startWorker } from './runners/bullmq/worker.js';
export type { SluiceWorker } from './runners/bullmq/worker.js';
export { cleanQueue } from './runners/bullmq/clean.js';
export type { CleanQueueOptions } from './runners/bullmq/clean.js';
export { WORKER_DEFAULTS } from './runners/bullmq/worker-options.js';
export type { WorkerOptions } from './runners/bullmq/worker-options.js';
export type { RedisConnection, RedisConnectionOptions, PostgresConnectionOptions, QueueConnection } from './runners/bullmq/connection.js';
export { migratePostgres } from './runners/bullmq/migrate.js';
export type { MigrateOptions } from './runners/bullmq/migrate.js';
export { UnknownTaskError, NotSerializableError, JobStalledError, JobFailedError, JobPayloadError, QueueConnectionError, QueueOutOfMemoryError, NoWorkerError } from './runners/bullmq/errors.js';
