import { WorkerThreadsTaskRunner } from '../../src/index.js';
import { describeRunnerConformance } from '../conformance/suite.js';

describeRunnerConformance('WorkerThreadsTaskRunner', ({ maxConcurrency }) => new WorkerThreadsTaskRunner({ maxThreads: 2, maxConcurrency, keepAlive: true }), {
  dispose: (runner) => (runner as WorkerThreadsTaskRunner).destroy(),
});
