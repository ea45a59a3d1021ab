/**
 * Every example in examples/ does what Prefect's guide "Run tasks concurrently" says it
 * does. Each test runs the example's exported flow or main() in this process; one test runs
 * `npm start`'s command as a child process.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConcurrentTaskRunner, flow, type FlowEvent } from '../src/index.js';
import { readRecording } from '../src/timeline.js';

import * as callDirectly from '../examples/call-directly.js';
import * as submit from '../examples/submit.js';
import * as taskRunner from '../examples/task-runner.js';
import * as futureResult from '../examples/future-result.js';
import * as futureWait from '../examples/future-wait.js';
import * as waitMany from '../examples/wait-many.js';
import * as passingFutures from '../examples/passing-futures.js';
import * as mapExample from '../examples/map.js';
import * as unmappedExample from '../examples/unmapped.js';
import * as bulkFutures from '../examples/bulk-futures.js';
import * as nestedMap from '../examples/nested-map.js';
import * as waitFor from '../examples/wait-for.js';
import * as asyncTasks from '../examples/async-tasks.js';
import * as evaluateModels from '../examples/evaluate-models.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What the examples print, one string per console.log call. */
let printed: string[];

beforeEach(() => {
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The most elevator stops in flight at once, counted from the task body's own lines: "moving"
 * is printed as a run starts, "stops" as it ends.
 */
function maxInFlight(lines: readonly string[]): number {
  let inFlight = 0;
  let max = 0;
  for (const line of lines) {
    if (line.startsWith('elevator moving to floor')) max = Math.max(max, ++inFlight);
    else if (line.startsWith('elevator stops on floor')) inFlight--;
  }
  return max;
}

const elevatorLines = (lines: readonly string[]) => lines.filter((line) => line.startsWith('elevator '));

/** Runs a flow through `start()` and returns its result and every event it emitted. */
async function withEvents<T>(handle: { events$: { subscribe(next: (e: FlowEvent) => void): unknown }; result(): Promise<T> }) {
  const events: FlowEvent[] = [];
  handle.events$.subscribe((event) => events.push(event));
  const result = await handle.result();
  return { result, events };
}

describe('calling tasks directly', () => {
  it('runs the calls one after another: each stop ends before the next starts', async () => {
    await callDirectly.main();
    expect(printed).toEqual([
      'elevator moving to floor 0.1',
      'elevator stops on floor 0.1',
      'elevator moving to floor 0.2',
      'elevator stops on floor 0.2',
      'elevator moving to floor 0.3',
      'elevator stops on floor 0.3',
    ]);
    expect(maxInFlight(printed)).toBe(1);
  });
});

describe('.submit', () => {
  it('runs the ten submitted stops concurrently, and wait() returns after all of them', async () => {
    await submit.elevator();
    const lines = elevatorLines(printed);
    expect(lines).toHaveLength(20);
    expect(maxInFlight(lines)).toBeGreaterThan(1);
    for (let floor = 10; floor > 0; floor--) expect(lines).toContain(`elevator stops on floor ${floor}`);
  });
});

describe('a different task runner', () => {
  it('runs submitted stops concurrently, never more than the runner\'s 3 at once', async () => {
    await taskRunner.elevator();
    const lines = elevatorLines(printed);
    expect(lines).toHaveLength(20);
    expect(maxInFlight(lines)).toBeGreaterThan(1);
    expect(maxInFlight(lines)).toBeLessThanOrEqual(3);
  });
});

describe('handling futures', () => {
  it('future.result() gets the task\'s value', async () => {
    await futureResult.myWorkflow();
    expect(printed).toEqual(['sup']);
  });

  it('future.wait() returns once the run has completed', async () => {
    await futureWait.myWorkflow();
    expect(printed).toEqual(['cool_task is Completed']);
  });

  it('wait(futures) returns once all ten runs are done', async () => {
    await waitMany.myWorkflow();
    expect(printed).toEqual(['10 done, 0 not done']);
  });
});

describe('passing futures between tasks', () => {
  it('a task given a future waits for it and receives its value', async () => {
    await passingFutures.myWorkflow();
    expect(printed).toEqual(['cool task said sup']);
  });
});

describe('.map', () => {
  it('runs the stops concurrently and returns results in input order', async () => {
    const results = await mapExample.elevator();
    expect(results).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const lines = elevatorLines(printed);
    expect(maxInFlight(lines)).toBeGreaterThan(1);
    // The shortest stop ends first, yet results keep the order of the input.
    expect(lines.filter((line) => line.startsWith('elevator stops'))[0]).toBe('elevator stops on floor 1');
  });
});

describe('unmapped', () => {
  it('broadcasts a non-iterable argument to every run', async () => {
    expect(await unmappedExample.sumIt([1, 2, 3], 5)).toEqual([6, 7, 8]);
  });

  it('passes an iterable wrapped in unmapped() whole to every run', async () => {
    expect(await unmappedExample.sumItUnmapped([4, 5, 6], [1, 2, 3])).toEqual([10, 11, 12]);
  });

  it('main() runs both snippets and their asserts', async () => {
    await unmappedExample.main();
    expect(printed).toEqual(['6,7,8', '10,11,12']);
  });
});

describe('bulk future operations', () => {
  it('futures.result() gives the same values, in order, as reading each future', async () => {
    const { results, sameResults } = await bulkFutures.bulk([1, 2, 3, 4]);
    expect(results).toEqual([1, 4, 9, 16]);
    expect(sameResults).toEqual(results);
  });
});

describe('nested mapped tasks', () => {
  const texts = [
    'Just visited #Paris! Contact me at visitor@example.com #travel #vacation',
    'Working on my new #project. Reach out at developer@example.com if interested!',
    'Happy to announce our company event #celebration #milestone email: events@company.org',
  ];

  it('a task maps two operations over the texts inside itself and returns their results', async () => {
    const results = await nestedMap.runTextAnalysis();
    expect(results).toEqual({
      count_words: [9, 11, 10],
      extract_emails: [['visitor@example.com'], ['developer@example.com'], ['events@company.org']],
    });
    expect(printed.join('\n')).toBe(
      [
        '\nAnalysis Results:',
        '  Word counts: [9,11,10]',
        '  Extracted emails: [["visitor@example.com"],["developer@example.com"],["events@company.org"]]\n',
      ].join('\n'),
    );
  });

  it('does not deadlock when the parent is submitted on a runner with one slot', async () => {
    const oneSlot = flow({ name: 'one_slot', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, () =>
      nestedMap.analyzeTexts.submit(texts).result({ timeout: 5_000 }),
    );
    const results = await oneSlot();
    expect(results.count_words).toEqual(texts.map(nestedMap.countWords));
  });
});

describe('state dependencies (waitFor)', () => {
  it('task_c starts only after task_a and task_b ended, and task_d after task_c', async () => {
    const { events } = await withEvents(waitFor.myFlow.start());
    const order = events.flatMap((event) =>
      event.type === 'run-state' && (event.state.type === 'Running' || event.state.type === 'Completed')
        ? [`${event.taskName} ${event.state.type}`]
        : [],
    );
    const at = (entry: string) => {
      const index = order.indexOf(entry);
      expect(index, `${entry} in ${order.join(', ')}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(at('task_c Running')).toBeGreaterThan(at('task_a Completed'));
    expect(at('task_c Running')).toBeGreaterThan(at('task_b Completed'));
    expect(at('task_d Running')).toBeGreaterThan(at('task_c Completed'));
    // task_a and task_b were not gated: they ran side by side.
    expect(at('task_b Running')).toBeLessThan(at('task_a Completed'));
  });
});

describe('async tasks', () => {
  it('Promise.all over direct calls runs the stops concurrently, like asyncio.gather', async () => {
    await asyncTasks.elevator();
    const lines = elevatorLines(printed);
    expect(lines).toHaveLength(20);
    expect(maxInFlight(lines)).toBeGreaterThan(1);
  });
});

describe('real-world application: evaluating models', () => {
  const datasets = ['customers', 'products', 'orders'].map((name) => new evaluateModels.Dataset(name));
  const configs = ['random_forest', 'gradient_boosting'].map((name) => new evaluateModels.ModelConfig(name));

  it('trains every model on every dataset and prints the best one', async () => {
    const { result: best, events } = await withEvents(evaluateModels.evaluateModels.start(datasets, configs));

    const runNames = new Set(
      events.flatMap((event) => (event.type === 'run-state' && event.state.type === 'Completed' ? [event.runName] : [])),
    );
    expect([...runNames].sort()).toEqual(
      [
        'train on customers with random_forest',
        'train on customers with gradient_boosting',
        'train on products with random_forest',
        'train on products with gradient_boosting',
        'train on orders with random_forest',
        'train on orders with gradient_boosting',
      ].sort(),
    );

    const bestLine = printed.map((line) => line.trim()).find((line) => line.startsWith('Best model:'));
    expect(bestLine).toBeDefined();
    expect(bestLine).toContain(`dataset: '${best.dataset}'`);
    expect(bestLine).toContain(`model: '${best.model}'`);
    expect(best.score).toBeGreaterThanOrEqual(0);
    expect(best.score).toBeLessThan(1);
  });

  it('`npm start` (tsx examples/evaluate-models.ts) prints the best model, then the path of its run\'s timeline', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'examples/evaluate-models.ts'], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^Best model: \{ dataset: '\w+', model: '\w+', score: [\d.e-]+ \}$/m);
    const timeline = /^Timeline: (.+\.html)$/m.exec(stdout)?.[1];
    expect(timeline).toBe(evaluateModels.TIMELINE);
    expect(stdout.indexOf('Timeline:')).toBeGreaterThan(stdout.indexOf('Best model:'));
    // The page holds the recording of this run: its six runs, by name.
    const html = readFileSync(timeline as string, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    for (const dataset of ['customers', 'products', 'orders']) expect(html).toContain(`train on ${dataset} with random_forest`);
    expect(readRecording(evaluateModels.RECORDING).filter((event) => event.type === 'run-submitted')).toHaveLength(6);
  }, 70_000);
});
