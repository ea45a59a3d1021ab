/**
 * The runners', the BullMQ worker's and mapStream's options are checked by one set of checks: a
 * bad option fails with an InvalidArgumentError that reads the same way whoever owns it.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrentTaskRunner, InvalidArgumentError, task, WorkerThreadsTaskRunner } from '../../src/index.js';
import { BullMQTaskRunner, startWorker } from '../../src/bullmq.js';

const t = task('t', (x: number) => x);

/** What each owner throws (or rejects with) for one bad option. */
const cases: [string, () => unknown, string][] = [
  ['ConcurrentTaskRunner', () => new ConcurrentTaskRunner({ maxConcurrency: 0 }), 'ConcurrentTaskRunner: `maxConcurrency` must be an integer from 1 and up or Infinity, got 0 (number)'],
  ['WorkerThreadsTaskRunner', () => new WorkerThreadsTaskRunner({ maxThreads: 1.5 }), 'WorkerThreadsTaskRunner: `maxThreads` must be an integer from 1 and up, got 1.5 (number)'],
  ['WorkerThreadsTaskRunner', () => new WorkerThreadsTaskRunner({ keepAlive: 'yes' as never }), 'WorkerThreadsTaskRunner: `keepAlive` must be a boolean, got "yes" (string)'],
  ['WorkerThreadsTaskRunner', () => new WorkerThreadsTaskRunner({ execArgv: [1] as never }), 'WorkerThreadsTaskRunner: `execArgv` must be a list of strings, got array of 1 (object)'],
  ['BullMQTaskRunner', () => new BullMQTaskRunner({ queue: 'q', bulkSize: 0 }), 'BullMQTaskRunner: `bulkSize` must be an integer from 1 and up, got 0 (number)'],
  ['BullMQTaskRunner', () => new BullMQTaskRunner({ queue: 'q', checkInterval: 0 }), 'BullMQTaskRunner: `checkInterval` must be a finite number from 1 and up, got 0 (number)'],
  ['BullMQTaskRunner', () => new BullMQTaskRunner({ queue: 'q', prefix: '' }), 'BullMQTaskRunner: `prefix` must be a non-empty string, got "" (string)'],
  ['BullMQTaskRunner', () => new BullMQTaskRunner({ queue: 'q', keepAlive: 1 as never }), 'BullMQTaskRunner: `keepAlive` must be a boolean, got 1 (number)'],
  ['mapStream', () => t.mapStream([1], { bufferSize: -1 }), 'task "t": mapStream: `bufferSize` must be an integer from 0 and up or Infinity, got -1 (number)'],
  ['mapStream', () => t.mapStream([1], { overflow: 'wait' as never }), 'task "t": mapStream: `overflow` must be \'error\', \'drop-newest\' or \'drop-oldest\', got "wait" (string)'],
];

describe('a bad option', () => {
  it.each(cases)('of %s names its owner, the option, what it must be and what it got', (_owner, make, message) => {
    let thrown: unknown;
    try {
      make();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toBe(message);
  });

  it('of startWorker rejects the same way, before it connects to Redis', async () => {
    const started = startWorker({ queue: 'q', tasks: [t], concurrency: 0, connection: 'redis://127.0.0.1:1' });
    await expect(started).rejects.toThrow(new InvalidArgumentError('sluice worker: `concurrency` must be an integer from 1 and up, got 0 (number)'));
  });
});
