/**
 * WorkerThreadsTaskRunner beyond the conformance suite: how tasks are found by module and name,
 * what may cross a thread, codecs, the wire protocol, terminating a thread that will not stop,
 * and the pool's life.
 */
import { Socket } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allowFailure,
  flow,
  isCrashed,
  isSluiceError,
  NotCloneableError,
  task,
  TaskNotFoundError,
  WorkerCrashedError,
  WorkerProtocolError,
  WorkerThreadsTaskRunner,
  type TaskFuture,
} from '../../src/index.js';
import { findNotCloneable } from '../../src/runners/remote/clone-check.js';
import { rebuildThrown } from '../../src/runners/remote/thrown.js';
import runJob, { serializeThrown } from '../../src/runners/worker-threads/worker.js';
import { add } from '../conformance/tasks.js';
import { city, dayAndLength, describePoint, double, dupA, echo, exitThread, makeLocalTask, makeShadowOfDouble, Point, returnsFunction, scale, spin, threadId, whoAmI } from '../fixtures/thread-tasks.js';

/** The error a future failed with. */
function failure(future: TaskFuture<unknown>): Promise<unknown> {
  return future.result().then(
    () => {
      throw new Error(`expected run "${future.name}" to fail`);
    },
    (error: unknown) => error,
  );
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One runner with a live pool for the tests that do not care about the pool's life. */
const shared = new WorkerThreadsTaskRunner({ maxThreads: 2, keepAlive: true });
afterAll(() => shared.destroy());

const onThreads = <T>(body: () => Promise<T>, runner: WorkerThreadsTaskRunner = shared): Promise<T> =>
  flow({ name: 'threads', taskRunner: runner }, body)() as Promise<T>;

describe('WorkerThreadsTaskRunner options', () => {
  it('defaults maxConcurrency to maxThreads', () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 3 });
    expect({ name: runner.name, maxThreads: runner.maxThreads, maxConcurrency: runner.maxConcurrency, keepAlive: runner.keepAlive }).toEqual({
      name: 'worker-threads',
      maxThreads: 3,
      maxConcurrency: 3,
      keepAlive: false,
    });
  });

  it.each([
    [{ maxThreads: 0 }, /maxThreads/],
    [{ maxThreads: 1.5 }, /maxThreads/],
    [{ maxThreads: '2' as unknown as number }, /maxThreads/],
    [{ maxConcurrency: 0 }, /maxConcurrency/],
    [{ keepAlive: 'yes' as unknown as boolean }, /keepAlive/],
    [{ execArgv: '--inspect' as unknown as string[] }, /execArgv/],
  ])('rejects %o with a typed error', (options, message) => {
    let error: unknown;
    try {
      new WorkerThreadsTaskRunner(options);
    } catch (e) {
      error = e;
    }
    expect(isSluiceError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('fails the runs of a pool whose threads cannot start, without hanging', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, execArgv: ['--import', 'no-such-loader-anywhere'] });
    const error = await onThreads(() => failure(double.submit(1)), runner);
    expect((error as Error).message).toContain('no-such-loader-anywhere');
  });

  it('does not start a pool until a run needs it', () => {
    expect(new WorkerThreadsTaskRunner({ maxThreads: 1 }).threadCount).toBe(0);
  });
});

describe('finding a task by module and name', () => {
  it('fails a task without a module at submit, before the pool starts, saying how to fix it', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    let ran = false;
    const plain = task('plain', (x: number) => {
      ran = true;
      return x;
    });
    const error = await onThreads(() => failure(plain.submit(1)), runner);
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'no-module', taskName: 'plain' });
    expect((error as Error).message).toContain('task "plain" has no module');
    expect((error as Error).message).toContain('module: import.meta.url');
    expect(ran).toBe(false);
    expect(runner.threadCount).toBe(0);
  });

  it('fails a task defined inside a function (not exported by its module)', async () => {
    const local = makeLocalTask();
    const [first, second] = await onThreads(async () => [await failure(local.submit(1)), await failure(local.submit(2))]);
    for (const error of [first, second]) {
      expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'not-exported' });
      expect((error as Error).message).toMatch(/task "local_only" is not exported by its module .*thread-tasks\.ts/);
      expect((error as Error).message).toContain('the tasks it exports are');
    }
  });

  it('does not retry a task that cannot be found: another attempt would fail the same way', async () => {
    const local = makeLocalTask().with({ retries: 3 });
    const error = await onThreads(() => failure(local.submit(1)));
    // The not-found error itself, not RETRIES_EXHAUSTED after 4 attempts.
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).retryable).toBe(false);
  });

  it('fails a task that has the name of another task its module exports', async () => {
    const shadow = makeShadowOfDouble();
    const error = await onThreads(() => failure(shadow.submit(1)));
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'not-the-same' });
  });

  it('fails a task whose module exports two tasks of that name', async () => {
    const error = await onThreads(() => failure(dupA.submit()));
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'ambiguous' });
    expect((error as Error).message).toContain('2 different tasks named "dup"');
  });

  it('fails a task whose module cannot be imported', async () => {
    const missing = task({ name: 'missing', module: new URL('./no-such-module.js', import.meta.url).href }, () => 1);
    const error = await onThreads(() => failure(missing.submit()));
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'not-importable' });
    expect((error as Error).message).toContain('cannot be imported');
  });

  it('fails a task whose module is not a URL', async () => {
    const odd = task({ name: 'odd', module: 'not a url' }, () => 1);
    const error = await onThreads(() => failure(odd.submit()));
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', reason: 'no-module' });
    expect((error as Error).message).toContain('not a URL');
  });

  it('runs an exported task whose binding differs from its name, and a configured copy of it', async () => {
    const out = await onThreads(async () => [await double.submit(4).result(), await double.with({ retries: 1 }).submit(5).result()]);
    expect(out).toEqual([8, 10]);
  });

  it('runs a copy renamed by with({ name }): found by the name it was defined with, run under its new one', async () => {
    const out = await onThreads(() => whoAmI.with({ name: 'who_else' }).submit().result());
    expect(out).toBe('who_else who_else-0');
  });
});

describe('what crosses a thread', () => {
  it('rejects a function argument before the job is sent, naming the task and the argument index', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    const error = await onThreads(() => failure(add.submit(1, (() => 2) as unknown as number)), runner);
    expect(error).toBeInstanceOf(NotCloneableError);
    expect(error).toMatchObject({ code: 'NOT_CLONEABLE', taskName: 'add', argumentIndex: 1, path: '' });
    expect((error as Error).message).toContain('task "add": argument 1 cannot be sent to a worker thread: argument 1 is a function');
    expect(runner.threadCount).toBe(0);
  });

  it('says where inside an argument the trouble is', async () => {
    const error = await onThreads(() => failure(echo.submit({ items: [1, { handler: () => 1 }] })));
    expect(error).toMatchObject({ argumentIndex: 0, path: '.items[1].handler' });
  });

  it('rejects a socket, naming its class', async () => {
    const socket = new Socket();
    const error = await onThreads(() => failure(echo.submit(socket)));
    socket.destroy();
    expect(error).toMatchObject({ code: 'NOT_CLONEABLE', argumentIndex: 0 });
    expect((error as Error).message).toContain('inside a Socket');
  });

  it('rejects a host object that structured clone refuses when the job is sent', async () => {
    const { port1, port2 } = new MessageChannel();
    const error = await onThreads(() => failure(echo.submit({ port: port1 })));
    port1.close();
    port2.close();
    expect(error).toMatchObject({ code: 'NOT_CLONEABLE', argumentIndex: 0 });
  });

  it('fails a run whose body returns what cannot cross back', async () => {
    const error = await onThreads(() => failure(returnsFunction.submit()));
    expect(error).toMatchObject({ code: 'NOT_CLONEABLE', argumentIndex: undefined, path: '.callback' });
    expect((error as Error).message).toContain('the value its body returned cannot cross back');
  });

  it('carries class instances through the task codecs, and as plain data without them', async () => {
    const out = await onThreads(async () => {
      const scaled = await scale.submit(new Point(3, 4), 2).result();
      const plain = await describePoint.submit(new Point(1, 1)).result();
      return { scaled, isPoint: scaled instanceof Point, norm: scaled.norm(), plain };
    });
    expect(out).toEqual({ scaled: new Point(6, 8), isPoint: true, norm: 10, plain: { isPoint: false, hasNorm: false } });
  });

  it("validates a Standard Schema's arguments where the body runs: as given, transformed once", async () => {
    const out = await onThreads(() => dayAndLength.submit(new Date(0), 'four').result());
    // Sent as given and transformed in the thread: sending the output (4) would not fit z.string().
    expect(out).toEqual({ isDate: true, day: '1970-01-01T00:00:00.000Z', length: 4 });
  });

  it('answers arguments that do not fit a Standard Schema with invalid-params, naming the path', async () => {
    const response = await runJob({ v: 1, module: new URL('../fixtures/thread-tasks.ts', import.meta.url).href, name: 'city', args: [{ address: { city: 7 } }], encoded: false });
    expect(response).toMatchObject({ ok: false, failure: { kind: 'invalid-params', problems: ['argument 0.address.city: Invalid type: Expected string but received 7'] } });
    expect(await onThreads(() => city.submit({ address: { city: 'Oslo' } }).result())).toBe('Oslo');
  });

  it('carries dates, maps, sets, typed arrays and errors by structured clone', async () => {
    const value = { when: new Date(0), map: new Map([['a', 1]]), set: new Set([1, 2]), bytes: new Uint8Array([1, 2]), error: new RangeError('r') };
    const out = await onThreads(() => echo.submit(value).result());
    expect(out).toEqual(value);
  });
});

describe('the wire protocol', () => {
  it('fails a run whose response is malformed, and the pool goes on', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, workerFile: new URL('../fixtures/garbage-worker.ts', import.meta.url) });
    const out = await onThreads(async () => {
      const garbage = await failure(echo.submit('garbage'));
      const old = await failure(echo.submit('old version'));
      const fine = await echo.submit('fine').result();
      return { garbage, old, fine };
    }, runner);
    expect(out.garbage).toBeInstanceOf(WorkerProtocolError);
    expect((out.garbage as Error).message).toMatch(/task "echo": task run "echo-\d+" got a malformed response from its worker thread: .*ok/);
    expect(out.old).toMatchObject({ code: 'WORKER_PROTOCOL' });
    expect(out.fine).toBe('fine');
  });

  it('answers a malformed request with a protocol failure, never a throw', async () => {
    expect(await runJob({ hello: 'there' })).toMatchObject({ v: 1, ok: false, failure: { kind: 'protocol' } });
    expect(await runJob(undefined)).toMatchObject({ ok: false, failure: { kind: 'protocol' } });
  });

  it('answers a request for an unknown task with a not-found failure', async () => {
    const response = await runJob({ v: 1, module: new URL('../fixtures/thread-tasks.ts', import.meta.url).href, name: 'nope', args: [], encoded: false });
    expect(response).toMatchObject({ ok: false, failure: { kind: 'not-found', reason: 'not-exported' } });
  });

  it('answers encoded arguments that do not decode with invalid-params', async () => {
    const response = await runJob({ v: 1, module: new URL('../fixtures/thread-tasks.ts', import.meta.url).href, name: 'scale', args: ['x', 2], encoded: true });
    expect(response).toMatchObject({ ok: false, failure: { kind: 'invalid-params' } });
  });

  it('rebuilds a thrown error with its name, message, stack, own fields and cause', () => {
    class HttpError extends Error {
      readonly status = 503;
      readonly code = 'E_HTTP';
      constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = 'HttpError';
      }
    }
    const original = new HttpError('service unavailable', { cause: new SyntaxError('bad json') });
    const rebuilt = rebuildThrown(serializeThrown(original)) as Error & Record<string, unknown>;
    expect({ name: rebuilt.name, message: rebuilt.message, stack: rebuilt.stack, status: rebuilt.status, code: rebuilt.code }).toEqual({
      name: 'HttpError',
      message: 'service unavailable',
      stack: original.stack,
      status: 503,
      code: 'E_HTTP',
    });
    expect(rebuilt.cause).toBeInstanceOf(SyntaxError);
    expect(rebuildThrown(serializeThrown('a string'))).toBe('a string');
    expect(rebuildThrown(serializeThrown({ reason: 'plain object' }))).toEqual({ reason: 'plain object' });
  });
});

describe('stopping a body that will not stop', () => {
  it('terminates the thread of a CPU-bound body that times out, so the next run gets a thread', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, keepAlive: true });
    try {
      const out = await onThreads(async () => {
        const before = await threadId.submit().result();
        const stuck = spin.with({ timeout: 300 }).submit(new Int32Array(new SharedArrayBuffer(4)));
        const error = await failure(stuck);
        const after = await threadId.submit().result();
        const next = await double.submit(21).result();
        return { code: isSluiceError(error) ? error.code : error, state: stuck.state.name, newThread: after !== before, next };
      }, runner);
      expect(out).toEqual({ code: 'TIMED_OUT', state: 'TimedOut', newThread: true, next: 42 });
    } finally {
      await runner.destroy();
    }
  });

  it('terminates the thread of a cancelled CPU-bound body', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, keepAlive: true });
    const started = new Int32Array(new SharedArrayBuffer(4));
    try {
      const out = await onThreads(async () => {
        const stuck = spin.submit(started);
        await until(() => Atomics.load(started, 0) === 1, 'the body started');
        stuck.cancel();
        const error = await failure(stuck);
        return { code: isSluiceError(error) ? error.code : error, next: await double.submit(5).result() };
      }, runner);
      expect(out).toEqual({ code: 'CANCELLED', next: 10 });
    } finally {
      await runner.destroy();
    }
  });
});

describe('a thread that dies', () => {
  it('ends the run Crashed with a WorkerCrashedError; a retry runs it on a fresh thread', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    const out = await onThreads(async () => {
      const dead = exitThread.submit(99);
      const error = await failure(dead);
      // Retried: the second attempt survives, on the thread the pool started in its place.
      const retried = await exitThread.with({ retries: 1 }).submit(2).result();
      return { error, state: dead.state, retried, after: await double.submit(21).result() };
    }, runner);
    expect(out.error).toBeInstanceOf(WorkerCrashedError);
    expect(out.error).toMatchObject({ code: 'WORKER_CRASHED', taskName: 'exit_thread', crashed: true, retryable: true });
    expect((out.error as Error).message).toMatch(/^task run "exit_thread-0" \(task "exit_thread"\): its worker thread died before the body finished: worker exited with code: 3$/);
    expect(out.state).toMatchObject({ type: 'Crashed', name: 'Crashed', error: out.error });
    expect(isCrashed(out.state)).toBe(true);
    expect(out.retried).toBe('survived');
    expect(out.after).toBe(42);
  });

  it('does not let allowFailure admit a crashed upstream: its downstream does not run', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    const out = await onThreads(async () => {
      const dead = exitThread.submit(99);
      const downstream = echo.submit(allowFailure(dead));
      return { error: await failure(downstream), state: downstream.state, upstream: await failure(dead) };
    }, runner);
    expect(out.error).toMatchObject({ code: 'UPSTREAM_CANCELLED', upstreamTaskName: 'exit_thread', cause: out.upstream });
    expect(out.state).toMatchObject({ type: 'Cancelled', name: 'UpstreamCancelled' });
  });
});

describe('the pool', () => {
  it('starts on the first run and closes when the flow ends', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 2 });
    const during = await onThreads(async () => {
      await double.submit(1).result();
      return runner.threadCount;
    }, runner);
    expect(during).toBe(2);
    expect(runner.threadCount).toBe(0);
  });

  it('stays open until the last of several flows using it ends', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const long = onThreads(async () => {
      await double.submit(1).result();
      await held;
      return double.submit(2).result();
    }, runner);
    await until(() => runner.threadCount === 1, 'the pool started');
    expect(await onThreads(() => double.submit(3).result(), runner)).toBe(6);
    expect(runner.threadCount).toBe(1);
    release();
    expect(await long).toBe(4);
    expect(runner.threadCount).toBe(0);
  });

  it('outlives its flows with keepAlive, until destroy()', async () => {
    const runner = new WorkerThreadsTaskRunner({ maxThreads: 1, keepAlive: true });
    expect(await onThreads(() => double.submit(2).result(), runner)).toBe(4);
    expect(runner.threadCount).toBe(1);
    expect(await onThreads(() => double.submit(3).result(), runner)).toBe(6);
    await runner.destroy();
    expect(runner.threadCount).toBe(0);
  });
});

describe('findNotCloneable', () => {
  it('accepts data that structured clone copies', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const value of [1, 'x', null, undefined, 10n, [1, [2]], { a: { b: 1 } }, new Date(), /x/, new Map([[1, { a: 1 }]]), new Set([1]), new Float64Array(3), new SharedArrayBuffer(8), new Error('e'), cyclic, new Point(1, 2)]) {
      expect(findNotCloneable(value)).toBeUndefined();
    }
  });

  it('finds functions, symbols, Promises and weak collections, with their paths', () => {
    expect(findNotCloneable(() => 1)).toEqual({ path: '', what: 'a function', inside: undefined });
    expect(findNotCloneable({ a: [1, Symbol('s')] })).toEqual({ path: '.a[1]', what: 'a symbol', inside: undefined });
    expect(findNotCloneable(new Map([['k', Promise.resolve(1)]]))).toMatchObject({ path: '.get("k")', what: 'a Promise', inside: 'Map' });
    expect(findNotCloneable({ 'odd key': new WeakMap() })).toMatchObject({ path: '["odd key"]', what: 'a WeakMap' });
    expect(findNotCloneable(new Set([1, () => 2]))).toMatchObject({ path: '.values()[1]', what: 'a function' });
  });
});
