import { describe, expect, it } from 'vitest';
import { allowFailure, flow, isSluiceError, task, UpstreamFailedError, type TaskFuture } from '../../src/index.js';

const boom = new Error('boom');
const failing = task('failing', (): number => {
  throw boom;
});
const never = task('never', () => new Promise<number>(() => undefined));

describe('upstream failure', () => {
  it('should not run a task whose argument future failed, and name the upstream run and its error', async () => {
    let ran = false;
    const downstream = task('downstream', (x: number) => {
      ran = true;
      return x;
    });
    const upstream = failing.submit();
    const future = downstream.submit(upstream);
    const error = await future.result().catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(future.state).toMatchObject({ type: 'Failed', name: 'UpstreamFailed' });
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(error).toMatchObject({ code: 'UPSTREAM_FAILED', upstreamRunId: upstream.id, upstreamTaskName: 'failing', cause: boom });
    expect((error as Error).message).toContain(`upstream run "${upstream.name}"`);
    expect((error as Error).message).toContain('Error: boom');
  });

  it('should not run a task whose waitFor future failed', async () => {
    let ran = false;
    const downstream = task('downstream', () => {
      ran = true;
    });
    const future = downstream.waitFor([failing.submit()]).submit();
    await future.wait();
    expect(ran).toBe(false);
    expect(isSluiceError(await future.result().catch((e: unknown) => e), 'UPSTREAM_FAILED')).toBe(true);
  });

  it('should find futures inside array and plain-object arguments', async () => {
    const one = task('one', () => 1);
    const sum = task('sum', (xs: number[], o: { a: number }) => xs.reduce((a, b) => a + b, 0) + o.a);
    const a = one.submit();
    const future = sum.submit([a, 2, one.submit()], { a });
    expect(await future.result()).toBe(5);
    const failed = sum.submit([failing.submit()], { a: 1 });
    expect(isSluiceError(await failed.result().catch((e: unknown) => e), 'UPSTREAM_FAILED')).toBe(true);
  });

  describe('allowFailure', () => {
    const report = task('report', (x: number | Error) => (x instanceof Error ? `error: ${x.message}` : `value: ${x}`));

    it('should run anyway and receive the upstream error when the upstream failed', async () => {
      expect(await report(allowFailure(failing.submit()))).toBe('error: boom');
    });

    it('should receive the value when the upstream completed', async () => {
      expect(await report(allowFailure(task('ok', () => 7).submit()))).toBe('value: 7');
    });

    it('should admit an upstream that did not run because a run further up failed', async () => {
      const middle = task('middle', (x: number) => x).submit(failing.submit());
      expect(await report(allowFailure(middle))).toMatch(/^error: .*did not run/);
    });

    it('should not admit such a blocked upstream with includeBlocked: false', async () => {
      const middle = task('middle', (x: number) => x).submit(failing.submit());
      const future = report.submit(allowFailure(middle, { includeBlocked: false }));
      expect(await future.result().catch((e: unknown) => (e as { code: string }).code)).toBe('UPSTREAM_FAILED');
    });

    it('should admit a direct failure with includeBlocked: false', async () => {
      expect(await report(allowFailure(failing.submit(), { includeBlocked: false }))).toBe('error: boom');
    });

    it('should not admit a cancelled upstream', async () => {
      const upstream: TaskFuture<number> = never.submit();
      const future = report.submit(allowFailure(upstream));
      upstream.cancel();
      const error = await future.result().catch((e: unknown) => e);
      expect(future.state).toMatchObject({ type: 'Cancelled', name: 'UpstreamCancelled' });
      expect(isSluiceError(error, 'UPSTREAM_CANCELLED')).toBe(true);
    });

    it('should work in waitFor too', async () => {
      const after = task('after', () => 'ran');
      expect(await after.waitFor([allowFailure(failing.submit())])()).toBe('ran');
    });
  });

  it('should let a flow pass when a downstream allowed the failure', async () => {
    const run = flow('allowed', async () => {
      const f = failing.submit();
      return task('report', (x: number | Error) => x instanceof Error).submit(allowFailure(f)).result();
    });
    expect(await run()).toBe(true);
  });
});
