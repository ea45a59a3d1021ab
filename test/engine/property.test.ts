import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowFailure,
  ConcurrentTaskRunner,
  flow,
  getRunContext,
  isTerminal,
  task,
  wait,
  type StateName,
  type TaskFuture,
} from '../../src/index.js';

/** One node of a random task graph; deps point at earlier nodes. */
interface NodeSpec {
  readonly kind: 'submit' | 'map' | 'direct';
  readonly argDeps: readonly { readonly on: number; readonly allow: boolean }[];
  readonly waitDeps: readonly { readonly on: number; readonly allow: boolean }[];
  /** The first `failTimes` attempts throw. */
  readonly failTimes: number;
  readonly retries: number;
  readonly cancel: boolean;
}

type Outcome = { readonly name: StateName; readonly value?: number };

const nodeArb = (index: number): fc.Arbitrary<NodeSpec> => {
  const dep = fc.record({ on: fc.nat({ max: Math.max(0, index - 1) }), allow: fc.boolean() });
  return fc.record({
    kind: fc.constantFrom<NodeSpec['kind']>('submit', 'submit', 'map', 'direct'),
    argDeps: index === 0 ? fc.constant([]) : fc.array(dep, { maxLength: 2 }),
    waitDeps: index === 0 ? fc.constant([]) : fc.array(dep, { maxLength: 2 }),
    failTimes: fc.constantFrom(0, 0, 1, 2, 5),
    retries: fc.constantFrom(0, 1, 2),
    cancel: fc.constantFrom(false, false, false, true),
  });
};

const graphArb = fc
  .integer({ min: 1, max: 7 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))))
  .map((nodes) =>
    // Only futures can be depended on: point deps at direct-call nodes to the nearest earlier future.
    nodes.map((node, i) => {
      const fix = (d: { on: number; allow: boolean }) => ({ ...d, on: nearestFuture(nodes, Math.min(d.on, i - 1)) });
      const keep = (d: { on: number }) => d.on >= 0;
      return { ...node, argDeps: node.argDeps.map(fix).filter(keep), waitDeps: node.waitDeps.map(fix).filter(keep) };
    }),
  );

function nearestFuture(nodes: readonly NodeSpec[], from: number): number {
  for (let j = from; j >= 0; j--) if (nodes[j]?.kind !== 'direct') return j;
  return -1;
}

const FAILED: ReadonlySet<StateName> = new Set(['Failed', 'TimedOut', 'UpstreamFailed']);

/** The outcome an upstream would force on its downstream, or undefined when it admits it. */
function blockedBy(deps: readonly { on: number; allow: boolean }[], out: readonly Outcome[]): Outcome | undefined {
  for (const d of deps) {
    const up = out[d.on] as Outcome;
    if (up.name === 'Completed' || (d.allow && FAILED.has(up.name))) continue;
    return { name: FAILED.has(up.name) ? 'UpstreamFailed' : 'UpstreamCancelled' };
  }
  return undefined;
}

/**
 * What a plain sequential evaluation of the graph gives, node by node. Runs start after the
 * caller's synchronous code, so a `cancel()` right after `submit` always wins, even over an
 * upstream that had already failed.
 */
function reference(nodes: readonly NodeSpec[]): Outcome[] {
  const out: Outcome[] = [];
  for (const node of nodes) {
    if (node.cancel && node.kind === 'submit') {
      out.push({ name: 'Cancelled' });
      continue;
    }
    const blocked = blockedBy(node.argDeps, out) ?? blockedBy(node.waitDeps, out);
    if (blocked !== undefined) {
      out.push(blocked);
      continue;
    }
    const sum = node.argDeps.reduce((a, d) => a + ((out[d.on] as Outcome).value ?? 0), 0);
    out.push(node.failTimes > node.retries ? { name: 'Failed' } : { name: 'Completed', value: 1 + sum });
  }
  return out;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('random task graphs (property)', () => {
  it('should end every run terminal, never run a blocked downstream, and match a sequential evaluation', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb, fc.integer({ min: 1, max: 3 }), async (nodes, maxConcurrency) => {
        const expected = reference(nodes);
        const bodyRanWhenBlocked: number[] = [];
        const futures: (TaskFuture<number> | undefined)[] = [];
        const directOutcomes: (Outcome | undefined)[] = [];
        const tasks = nodes.map((node, i) =>
          task({ name: `n${i}`, retries: node.retries }, async (...args: unknown[]) => {
            if (expected[i]?.name === 'UpstreamFailed' || expected[i]?.name === 'UpstreamCancelled') bodyRanWhenBlocked.push(i);
            const { attempt } = getRunContext();
            await tick();
            if (attempt <= node.failTimes) throw new Error(`n${i} attempt ${attempt}`);
            const deps = node.kind === 'map' ? args.slice(1) : args;
            return 1 + deps.reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
          }),
        );
        await flow({ name: 'graph', taskRunner: new ConcurrentTaskRunner({ maxConcurrency }) }, async () => {
          const directs: Promise<void>[] = [];
          const others: TaskFuture<number>[] = [];
          nodes.forEach((node, i) => {
            const t = tasks[i] as (typeof tasks)[number];
            const dep = (d: { on: number; allow: boolean }) => {
              const f = futures[d.on] as TaskFuture<number>;
              return d.allow ? allowFailure(f) : f;
            };
            const gated = node.waitDeps.length > 0 ? t.waitFor(node.waitDeps.map(dep)) : t;
            const args = node.argDeps.map(dep);
            if (node.kind === 'submit') {
              const f = gated.submit(...args);
              if (node.cancel) f.cancel();
              futures[i] = f;
            } else if (node.kind === 'map') {
              const list = gated.map([0, 0], ...args.map((a) => [a, a]));
              others.push(...list);
              futures[i] = list[0];
            } else {
              directs.push(
                gated(...args).then(
                  (value) => {
                    directOutcomes[i] = { name: 'Completed', value };
                  },
                  (error: unknown) => {
                    const code = (error as { code?: string }).code;
                    const name: StateName = code === 'UPSTREAM_FAILED' ? 'UpstreamFailed' : code === 'UPSTREAM_CANCELLED' ? 'UpstreamCancelled' : 'Failed';
                    directOutcomes[i] = { name };
                  },
                ),
              );
            }
          });
          await wait([...futures.filter((f): f is TaskFuture<number> => f !== undefined), ...others]);
          await Promise.all(directs);
          // Look at every outcome, so failures count as seen.
          for (const f of [...futures, ...others]) void f?.state;
        })();
        const actual = nodes.map((_, i): Outcome => {
          const f = futures[i];
          if (f === undefined) return directOutcomes[i] as Outcome;
          const state = f.state;
          expect(isTerminal(state)).toBe(true);
          return state.type === 'Completed' ? { name: 'Completed', value: state.value } : { name: state.name };
        });
        expect(bodyRanWhenBlocked).toEqual([]);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
