import { ConcurrentTaskRunner } from '../../src/index.js';
import { describeRunnerConformance } from '../conformance/suite.js';

describeRunnerConformance('ConcurrentTaskRunner', ({ maxConcurrency }) => new ConcurrentTaskRunner({ maxConcurrency }));
