/**
 * A cache hit is visible wherever a run is: its state, the recording, the timeline, the progress
 * count and the run's span; a cache warning is an event, a recorded line and a span event.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { cachePolicies, flow, task, type RecordedEvent } from '../../src/index.js';
import { renderTimeline } from '../../src/timeline.js';
import { ProgressModel } from '../../src/observers/progress-model.js';
import { mapStore } from '../helpers/map-store.js';


const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

afterEach(() => {
  trace.disable();
  context.disable();
});

describe('a cache hit, as the observers see it', () => {
  it('should be recorded as Cached, drawn in its own colour, counted as done, and marked on its span', async () => {
    const store = mapStore();
    const square = task({ name: 'square', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => x * x);
    await flow({ name: 'warm-up', progress: false }, () => square.map([1, 2]).result())();

    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);

    const recorded: RecordedEvent[] = [];
    const progress = new ProgressModel('again');
    const handle = flow({ name: 'again', progress: false, record: (e) => recorded.push(e) }, () => square.map([1, 2, 3]).result()).start();
    handle.events$.subscribe((e) => progress.apply(e));
    expect(await handle.result()).toEqual([1, 4, 9]);

    const finals = recorded.filter((e) => e.type === 'run-state' && e.stateType === 'Completed').map((e) => (e.type === 'run-state' ? `${e.runName} ${e.state}` : ''));
    expect(finals.sort()).toEqual(['square-0 Cached', 'square-1 Cached', 'square-2 Completed']);
    expect(progress.snapshot(0)).toMatchObject({ done: 3, failed: 0 });

    const html = renderTimeline(recorded);
    expect(html).toMatch(/\.state-Cached\{--c:#14b8a6/);
    expect(html).toContain('"Cached"');

    await provider.forceFlush();
    const cachedSpans = exporter.getFinishedSpans().filter((s) => s.attributes['sluice.task.cached'] === true);
    expect(cachedSpans.map((s) => s.attributes['sluice.task.run_name']).sort()).toEqual(['square-0', 'square-1']);
    expect(exporter.getFinishedSpans().find((s) => s.attributes['sluice.task.run_name'] === 'square-2')?.attributes['sluice.task.cached']).toBeUndefined();
    await provider.shutdown();
  });

  it('should record a cache warning as a line of its own and a span event', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    const recorded: RecordedEvent[] = [];
    const big = task({ name: 'big', cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, () => 1n);
    await flow({ name: 'warned', progress: false, logger: quiet, record: (e) => recorded.push(e) }, () => big())();
    const warning = recorded.find((e) => e.type === 'run-warning');
    expect(warning).toMatchObject({ type: 'run-warning', runName: 'big-0', code: 'CACHE_RESULT_NOT_STORED' });
    expect(warning?.type === 'run-warning' ? warning.message : '').toMatch(/could not write it/);
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.attributes['sluice.task.run_name'] === 'big-0');
    expect(span?.events.map((e) => [e.name, e.attributes?.['sluice.warning.code']])).toContainEqual(['warning', 'CACHE_RESULT_NOT_STORED']);
    await provider.shutdown();
  });
});
