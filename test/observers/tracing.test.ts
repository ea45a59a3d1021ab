/**
 * OpenTelemetry traces: a span per flow run, a child span per task run (nested runs under their
 * parent run's span), and nothing at all, not even an event, when no SDK is registered.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flow, InvalidArgumentError, task, type FlowOptions } from '../../src/index.js';
import { newFlowRunFor } from '../../src/api/flow.js';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

let provider: BasicTracerProvider | undefined;
// A new one per test: shutting a provider down shuts its exporter down.
let exporter = new InMemorySpanExporter();

/** Registers an SDK globally, as an application's tracing set-up does. */
function registerSdk(): Tracer {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return trace.getTracer('test');
}

afterEach(async () => {
  trace.disable();
  context.disable();
  exporter.reset();
  await provider?.shutdown();
  provider = undefined;
  vi.restoreAllMocks();
});

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const spanId = (span: ReadableSpan | undefined): string | undefined => span?.spanContext().spanId;
const parentId = (span: ReadableSpan | undefined): string | undefined => span?.parentSpanContext?.spanId;
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
const byRunName = (runName: string): ReadableSpan | undefined => spans().find((s) => s.attributes['sluice.task.run_name'] === runName);

let attempts = 0;
const flaky = task({ name: 'flaky', retries: 1, retryDelay: 1 }, (x: number) => {
  if (++attempts === 1) throw new Error('first attempt fails');
  return x;
});
const boom = task('boom', (): number => {
  throw new TypeError('no luck');
});
const double = task({ name: 'double', taskRunName: (x: number) => `double-of-${x}` }, (x: number) => 2 * x);
const child = task('child', (x: number) => x * 10);
const parent = task('parent', async (xs: number[]) => (await child.map(xs).result()).length);

describe('tracing with an OpenTelemetry SDK registered', () => {
  it("runs each body in its run's span: spans a body starts are the run's children", async () => {
    const tracer = registerSdk();
    const fetchPage = task('fetch_page', async (url: string) => {
      // What an instrumented HTTP client does inside the body.
      await tracer.startActiveSpan(`GET ${url}`, async (span) => {
        await Promise.resolve();
        span.end();
      });
      return url.length;
    });
    await flow('crawl', () => fetchPage.map(['/a', '/bb']).result())();
    for (const runName of ['fetch_page-0', 'fetch_page-1']) {
      const run = byRunName(runName);
      const url = runName.endsWith('0') ? '/a' : '/bb';
      expect(parentId(named(`GET ${url}`)[0])).toBe(spanId(run));
    }
  });

  it('records a span per flow run under the caller’s active span, and a child span per task run', async () => {
    const tracer = registerSdk();
    attempts = 0;
    const etl = flow('etl', async () => {
      const doubled = await double.map([1, 2]).result();
      const retried = await flaky.submit(7).result();
      const failed = boom.submit();
      const kids = await parent.submit([1, 2]).result();
      const seen = await child.submit(failed).result().catch(() => 'upstream failed');
      return { doubled, retried, kids, seen };
    });
    const out = await tracer.startActiveSpan('request', async (request) => {
      try {
        return await etl();
      } finally {
        request.end();
      }
    });
    expect(out).toEqual({ doubled: [2, 4], retried: 7, kids: 2, seen: 'upstream failed' });

    const [request] = named('request');
    const [flowSpan] = named('flow etl');
    expect(flowSpan).toBeDefined();
    expect(parentId(flowSpan)).toBe(spanId(request));
    expect(new Set(spans().map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(flowSpan?.attributes).toMatchObject({ 'sluice.flow.name': 'etl', 'sluice.flow.outcome': 'Completed' });
    expect(flowSpan?.attributes['sluice.flow.run_id']).toEqual(expect.any(String));
    expect(flowSpan?.status.code).toBe(SpanStatusCode.UNSET);

    // Every run of the flow's body is a child of the flow's span; the map inside `parent`'s body
    // is a child of `parent`'s span.
    const taskSpans = spans().filter((s) => s.name.startsWith('task '));
    expect(taskSpans.map((s) => s.name).sort()).toEqual(['task boom', 'task child', 'task child', 'task child', 'task double', 'task double', 'task flaky', 'task parent']);
    const [parentSpan] = named('task parent');
    const nested = named('task child').filter((s) => parentId(s) === spanId(parentSpan));
    expect(nested).toHaveLength(2);
    expect(nested.every((s) => s.attributes['sluice.task.parent_run_id'] === parentSpan?.attributes['sluice.task.run_id'])).toBe(true);
    const topLevel = taskSpans.filter((s) => !nested.includes(s));
    expect(topLevel.every((s) => parentId(s) === spanId(flowSpan))).toBe(true);
    expect(taskSpans.every((s) => s.attributes['sluice.flow.run_id'] === flowSpan?.attributes['sluice.flow.run_id'])).toBe(true);

    // The run name is the rendered one (known only once the run started), the state the last.
    expect(byRunName('double-of-2')?.attributes).toMatchObject({
      'sluice.task.name': 'double',
      'sluice.task.run_name': 'double-of-2',
      'sluice.task.state': 'Completed',
      'sluice.task.state_type': 'Completed',
      'sluice.task.attempt': 1,
    });
    expect(byRunName('double-of-2')?.attributes['sluice.task.run_id']).toEqual(expect.any(String));

    // A retry: the last attempt as an attribute, each attempt and the wait between as events.
    const flakySpan = byRunName('flaky-0');
    expect(flakySpan?.attributes).toMatchObject({ 'sluice.task.state': 'Completed', 'sluice.task.attempt': 2 });
    expect(flakySpan?.events.map((e) => [e.name, e.attributes?.['sluice.task.attempt']])).toEqual([
      ['Running', 1],
      ['AwaitingRetry', 2],
      ['Retrying', 2],
    ]);
    expect(flakySpan?.status.code).toBe(SpanStatusCode.UNSET);

    // A failure: status ERROR and the exception recorded.
    const boomSpan = byRunName('boom-0');
    expect(boomSpan?.attributes).toMatchObject({ 'sluice.task.state': 'Failed', 'sluice.task.state_type': 'Failed', 'sluice.task.attempt': 1 });
    expect(boomSpan?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no luck' });
    const exception = boomSpan?.events.find((e) => e.name === 'exception');
    expect(exception?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'no luck' });
    expect(exception?.attributes?.['exception.stacktrace']).toEqual(expect.stringContaining('no luck'));

    // A run that never started: UpstreamFailed, no attempt.
    const upstreamFailed = spans().find((s) => s.attributes['sluice.task.state'] === 'UpstreamFailed');
    expect(upstreamFailed?.name).toBe('task child');
    expect(upstreamFailed?.attributes['sluice.task.attempt']).toBeUndefined();
    expect(upstreamFailed?.status.code).toBe(SpanStatusCode.ERROR);

    // Each span ends no earlier than it starts, and inside its parent's.
    const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;
    for (const s of taskSpans) {
      expect(ms(s.endTime)).toBeGreaterThanOrEqual(ms(s.startTime));
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(ms(flowSpan?.startTime ?? [0, 0]));
      expect(ms(s.endTime)).toBeLessThanOrEqual(ms(flowSpan?.endTime ?? [0, 0]));
    }
  });

  it('marks a failed flow run’s span ERROR with the exception, a root span when nothing is active', async () => {
    registerSdk();
    const failing = flow('failing', () => {
      boom.submit();
    });
    await expect(failing()).rejects.toThrow();
    const [flowSpan] = named('flow failing');
    expect(flowSpan?.parentSpanContext).toBeUndefined();
    expect(flowSpan?.attributes['sluice.flow.outcome']).toBe('Failed');
    expect(flowSpan?.status.code).toBe(SpanStatusCode.ERROR);
    expect(flowSpan?.events.map((e) => e.name)).toEqual(['exception']);
    // The SDK takes an error's `code`, when it has one, as the exception's type.
    expect(flowSpan?.events[0]?.attributes?.['exception.type']).toBe('UNOBSERVED_FAILURES');
    expect(flowSpan?.status.message).toMatch(/boom-0/);
  });

  it("records a failed state hook as a hook-failed event on its run's span, or its flow's", async () => {
    registerSdk();
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
    const hooked = task({ name: 'hooked', onRunning: () => { throw new Error('no pager'); } }, () => 1);
    const hooks = flow({ name: 'hooks', logger: silent, onCompletion: () => Promise.reject(new Error('no mail')) }, () => hooked.submit());
    await hooks();
    const runEvent = byRunName('hooked-0')?.events.find((e) => e.name === 'hook-failed');
    expect(runEvent?.attributes).toMatchObject({ 'sluice.hook': 'onRunning', 'sluice.hook.message': 'hook onRunning of task run "hooked-0" (task "hooked") threw: Error: no pager' });
    const flowEvent = named('flow hooks')[0]?.events.find((e) => e.name === 'hook-failed');
    expect(flowEvent?.attributes).toMatchObject({ 'sluice.hook': 'onCompletion', 'sluice.hook.message': 'hook onCompletion of flow "hooks" threw: Error: no mail' });
  });

  it('keeps spans in wall-clock time and durations in the scheduler’s (virtual) time', async () => {
    registerSdk();
    const scheduler = new VirtualTimeScheduler();
    let tries = 0;
    const slow = task({ name: 'slow', retries: 1, retryDelay: 250 }, () => {
      if (++tries === 1) throw new Error('again');
      return 'ok';
    });
    const before = Date.now();
    const done = flow({ name: 'virtual', scheduler }, () => slow.submit().result())();
    scheduler.flush();
    await expect(done).resolves.toBe('ok');
    const after = Date.now();
    const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;
    const [flowSpan] = named('flow virtual');
    const start = ms(flowSpan?.startTime ?? [0, 0]);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(after);
    const events = byRunName('slow-0')?.events ?? [];
    const at = (name: string): number => ms(events.find((e) => e.name === name)?.time ?? [0, 0]);
    expect(at('Retrying') - at('AwaitingRetry')).toBe(250);
  });

  it('uses a flow’s own `tracer` even with no SDK registered globally', async () => {
    exporter = new InMemorySpanExporter();
    const own = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider = own;
    const traced = flow({ name: 'own', tracer: own.getTracer('mine') }, () => double.submit(1).result());
    await expect(traced()).resolves.toBe(2);
    expect(spans().map((s) => s.name).sort()).toEqual(['flow own', 'task double']);
    expect(spans().every((s) => s.instrumentationScope.name === 'mine')).toBe(true);
    expect(() => flow({ name: 'bad', tracer: {} as Tracer }, () => 1)).toThrow(InvalidArgumentError);
  });

  it('subscribes to the flow run’s events (that is what tracing costs)', () => {
    registerSdk();
    const getProvider = vi.spyOn(trace, 'getTracerProvider');
    expect(newFlowRunFor({ name: 'listened' }).hasListeners).toBe(true);
    // The spy sees sluice's look-up (the same API instance), so its absence below means something.
    expect(getProvider).toHaveBeenCalled();
    expect(spans()).toEqual([]);
  });
});

describe('tracing with no OpenTelemetry SDK registered', () => {
  it('does not subscribe to the flow run’s events, so no event is built', async () => {
    const getProvider = vi.spyOn(trace, 'getTracerProvider');
    const options: FlowOptions = { name: 'quiet' };
    const flowRun = newFlowRunFor(options);
    expect(flowRun.hasListeners).toBe(false);
    await expect(flow(options, () => double.map([1, 2]).result())()).resolves.toEqual([2, 4]);
    // Not even the global provider was looked up: nothing is registered under the API's key.
    expect(getProvider).not.toHaveBeenCalled();
  });

  it('stays off when a context manager alone is registered, or after trace.disable()', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    expect(newFlowRunFor({ name: 'context-only' }).hasListeners).toBe(false);
    registerSdk();
    trace.disable();
    expect(newFlowRunFor({ name: 'disabled' }).hasListeners).toBe(false);
  });

  it('does not load @opentelemetry/api with sluice, nor for a flow run', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/@opentelemetry/api/'));
      const { flow, task } = await import('./src/index.ts');
      const imported = loaded();
      await flow('plain', () => task('t', (x) => x).submit(1).result())();
      console.log(JSON.stringify({ imported, ran: loaded() }));
    `;
    const { stdout } = await exec('node', ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ imported: false, ran: false });
  }, 60_000);
});
