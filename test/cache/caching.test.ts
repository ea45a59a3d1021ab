import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cachePolicies,
  ConcurrentTaskRunner,
  flow,
  quote,
  resultSerializers,
  task,
  type FlowEvent,
  type ResultStore,
  type TaskFuture,
} from '../../src/index.js';
import { FileResultStore } from '../../src/cache/file-store.js';
import { RedisResultStore } from '../../src/cache/redis-store.js';
import { mapStore } from '../helpers/map-store.js';


/** The final state name of each run, from a flow's events. */
async function finalStates<R>(run: () => { readonly events$: import('rxjs').Observable<FlowEvent>; result(): Promise<R> }): Promise<{ value: R; states: string[]; warnings: string[] }> {
  const handle = run();
  const states: string[] = [];
  const warnings: string[] = [];
  handle.events$.subscribe((e) => {
    if (e.type === 'run-state' && e.state.type !== 'Pending' && e.state.type !== 'Running' && e.state.type !== 'Scheduled') states.push(e.state.name);
    if (e.type === 'run-warning') warnings.push(`${e.code}: ${e.message}`);
  });
  const value = await handle.result();
  return { value, states, warnings };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('task caching', () => {
  it('should run no body the second time: every run ends Completed, named Cached, with the same values', async () => {
    const store = mapStore();
    let calls = 0;
    const square = task({ name: 'square', cachePolicy: cachePolicies.inputs.plus(cachePolicies.taskSource), resultStorage: store }, (x: number) => {
      calls++;
      return x * x;
    });
    const squares = flow({ name: 'squares', progress: false }, () => square.map([1, 2, 3]).result());
    const first = await finalStates(() => squares.start());
    expect(first).toEqual({ value: [1, 4, 9], states: ['Completed', 'Completed', 'Completed'], warnings: [] });
    const second = await finalStates(() => squares.start());
    expect(second).toEqual({ value: [1, 4, 9], states: ['Cached', 'Cached', 'Cached'], warnings: [] });
    expect(calls).toBe(3);
  });

  it('should give a downstream the cached value exactly as if the body had run', async () => {
    const store = mapStore();
    let loads = 0;
    const load = task({ name: 'load', cachePolicy: cachePolicies.inputs, resultStorage: store }, (id: number) => {
      loads++;
      return { id, rows: [id, id + 1] };
    });
    const total = task('total', (data: { rows: number[] }) => data.rows.reduce((a, b) => a + b, 0));
    const pipeline = flow({ name: 'pipeline', progress: false }, () => total.submit(load.submit(5)).result());
    expect(await pipeline()).toBe(11);
    expect(await pipeline()).toBe(11);
    expect(loads).toBe(1);
  });

  it('should leave an argument out of the inputs key by position, by parameter name and by a path', async () => {
    const store = mapStore();
    let calls = 0;
    const fit = task(
      { name: 'fit', cachePolicy: cachePolicies.inputs.minus('verbose', 'config.seed', [2, 'note']), resultStorage: store },
      (rows: number, verbose: boolean, config: { lr: number; seed: number; note?: string }) => {
        calls++;
        return rows * config.lr;
      },
    );
    expect(await fit(10, true, { lr: 2, seed: 1, note: 'a' })).toBe(20);
    expect(await fit(10, false, { lr: 2, seed: 99, note: 'b' })).toBe(20); // hit: only left-out parts differ
    expect(calls).toBe(1);
    expect(await fit(10, false, { lr: 3, seed: 99 })).toBe(30); // lr is in the key
    expect(calls).toBe(2);
    const byPosition = task({ name: 'pos', cachePolicy: cachePolicies.inputs.minus(1), resultStorage: store }, (x: number, _debug: unknown) => {
      calls++;
      return x;
    });
    await byPosition(1, 'a');
    await byPosition(1, 'b');
    expect(calls).toBe(3);
  });

  it('should tell a policy that leaves out a parameter the task does not have', async () => {
    const typo = task({ name: 'typo', cachePolicy: cachePolicies.inputs.minus('verbos'), resultStorage: mapStore() }, (rows: number, verbose: boolean) => (verbose ? rows : 0));
    await expect(typo(1, true)).rejects.toMatchObject({
      name: 'CacheKeyError',
      code: 'CACHE_KEY_FAILED',
    });
    await expect(typo(1, true)).rejects.toThrow(/task "typo".*`verbos`.*no parameter named "verbos".*rows, verbose/);
  });

  it('should start a new cache when the body changes (taskSource), and key on nothing else', async () => {
    const store = mapStore();
    const v1 = task({ name: 'calc', cachePolicy: cachePolicies.taskSource, resultStorage: store }, (x: number) => x + 1);
    const v2 = task({ name: 'calc', cachePolicy: cachePolicies.taskSource, resultStorage: store }, (x: number) => x + 2);
    expect(await v1(1)).toBe(2);
    expect(await v1(100)).toBe(2); // the source is the key: the arguments are not
    expect(await v2(1)).toBe(3); // an edited body misses
  });

  it('should keep two tasks with the same arguments apart', async () => {
    const store = mapStore();
    const double = task({ name: 'double', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => x * 2);
    const triple = task({ name: 'triple', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => x * 3);
    expect(await double(2)).toBe(4);
    expect(await triple(2)).toBe(6);
  });

  it('should reuse a record within one flow run only, with runId', async () => {
    const store = mapStore();
    let calls = 0;
    const step = task({ name: 'step', cachePolicy: cachePolicies.inputs.plus(cachePolicies.runId), resultStorage: store }, (x: number) => {
      calls++;
      return x;
    });
    const twice = flow({ name: 'twice', progress: false }, async () => {
      await step(1);
      await step(1);
    });
    await twice();
    expect(calls).toBe(1);
    await twice();
    expect(calls).toBe(2);
  });

  it("should key on the flow's parameters with flowParameters", async () => {
    const store = mapStore();
    let calls = 0;
    const step = task({ name: 'step', cachePolicy: cachePolicies.flowParameters, resultStorage: store }, (x: number) => {
      calls++;
      return x;
    });
    const daily = flow({ name: 'daily', progress: false }, (day: string) => step(day.length));
    await daily('monday');
    await daily('monday');
    expect(calls).toBe(1);
    await daily('friday');
    expect(calls).toBe(2);
  });

  it('should use a cacheKeyFn, and not cache a run whose key is undefined', async () => {
    const store = mapStore();
    let calls = 0;
    const user = task(
      {
        name: 'user',
        cacheKeyFn: (context, args) => (args[0] === 'nobody' ? undefined : `${context.taskName}:${String(args[0])}`),
        resultStorage: store,
      },
      (id: string) => {
        calls++;
        return id.toUpperCase();
      },
    );
    await user('ann');
    await user('ann');
    await user('nobody');
    await user('nobody');
    expect(calls).toBe(3);
    expect([...store.records.keys()]).toEqual(['user:ann']);
  });

  it('should fail a run whose argument cannot be hashed, naming the task, the argument and the way out, without retrying', async () => {
    let calls = 0;
    const fetchPage = task({ name: 'fetch_page', retries: 2, cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, (url: string, client: { get: (u: string) => string }) => {
      calls++;
      return client.get(url);
    });
    const error = await fetchPage('a', { get: (u) => u }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CacheKeyError', code: 'CACHE_KEY_FAILED', taskName: 'fetch_page', argument: 1 });
    expect((error as Error).message).toMatch(/task "fetch_page".*argument 1 \(`client`\)\.get is a function.*cachePolicies\.inputs\.minus\('client\.get'\).*cacheKeyFn/);
    expect(calls).toBe(0);
    class HttpClient {
      get(u: string): string {
        return u;
      }
    }
    await expect(fetchPage('a', new HttpClient())).rejects.toThrow(/argument 1 \(`client`\) is an instance of class HttpClient/);
    const cyclic: { name: string; self?: unknown } = { name: 'node' };
    cyclic.self = cyclic;
    const walk = task({ name: 'walk', cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, (node: { name: string }) => node.name);
    await expect(walk(cyclic)).rejects.toThrow(/argument 0 \(`node`\)\.self is a circular reference/);
    // The way out works: leave it out of the key.
    expect(await fetchPage.with({ cachePolicy: cachePolicies.inputs.minus('client') })('a', new HttpClient())).toBe('a');
  });

  it("should hash a future's value at any depth, and say so of a future the engine left unresolved", async () => {
    const store = mapStore();
    let calls = 0;
    const source = task('source', (x: number) => x);
    const sum = task({ name: 'sum', cachePolicy: cachePolicies.inputs, resultStorage: store }, (v: { a: number }) => {
      calls++;
      return v.a;
    });
    const nested = task({ name: 'nested', cachePolicy: cachePolicies.inputs, resultStorage: store }, (v: { deep: { a: unknown } }) => v.deep.a);
    await flow({ name: 'f', progress: false }, async () => {
      await sum({ a: source.submit(1) }); // inside a plain object: resolved, then hashed
      await sum({ a: 1 }); // the same value: a hit
      expect(await nested({ deep: { a: source.submit(2) } })).toBe(2); // two levels down: resolved too
      await expect(nested({ deep: quote({ a: source.submit(2) }) })).rejects.toThrow(/argument 0 \(`v`\)\.deep\.a is a task future left unresolved/);
    })();
    expect(calls).toBe(1);
  });

  it("should hash a task's params codec's encoded form", async () => {
    const store = mapStore();
    let calls = 0;
    // Dates are encoded as their ISO text: two Date objects of one instant give one key.
    const DateFromISO = new t.Type<Date, string, unknown>(
      'DateFromISO',
      (u): u is Date => u instanceof Date,
      (u, c) => (u instanceof Date ? t.success(u) : t.failure(u, c)),
      (d) => d.toISOString(),
    );
    const day = task({ name: 'day', params: t.tuple([DateFromISO]), cachePolicy: cachePolicies.inputs, resultStorage: store }, (d: Date) => {
      calls++;
      return d.getUTCDate();
    });
    await day(new Date('2026-12-06T00:00:00Z'));
    await day(new Date('2026-12-06T00:00:00Z'));
    expect(calls).toBe(1);
  });

  it('should compute again and overwrite the record with refreshCache', async () => {
    const store = mapStore();
    let calls = 0;
    const now = task({ name: 'now', cachePolicy: cachePolicies.inputs, resultStorage: store }, (_x: number) => ++calls);
    expect(await now(1)).toBe(1);
    expect(await now(1)).toBe(1);
    expect(await now.with({ refreshCache: true })(1)).toBe(2);
    expect(await now(1)).toBe(2); // the refreshed record
  });

  it('should serialize through the returns codec with JSON, so a Date survives', async () => {
    const DateFromISO = new t.Type<Date, string, unknown>(
      'DateFromISO',
      (u): u is Date => u instanceof Date,
      (u, c) => (typeof u === 'string' && !Number.isNaN(Date.parse(u)) ? t.success(new Date(u)) : u instanceof Date ? t.success(u) : t.failure(u, c)),
      (d) => d.toISOString(),
    );
    const store = mapStore();
    const when = task({ name: 'when', returns: DateFromISO, cachePolicy: cachePolicies.inputs, resultStorage: store }, (ms: number) => new Date(ms));
    await when(0);
    const cached = await when(0);
    expect(cached).toBeInstanceOf(Date);
    expect(cached.getTime()).toBe(0);
  });

  it('should keep Maps, Sets and bigints with the v8 serializer, and use a custom one', async () => {
    const store = mapStore();
    const build = task({ name: 'build', cachePolicy: cachePolicies.inputs, resultStorage: store, resultSerializer: resultSerializers.v8 }, (n: number) => ({
      m: new Map([[n, new Set([1n])]]),
    }));
    await build(1);
    expect(await build(1)).toEqual({ m: new Map([[1, new Set([1n])]]) });
    const upper = {
      name: 'upper-text',
      serialize: (value: unknown) => new TextEncoder().encode(String(value).toUpperCase()),
      deserialize: (bytes: Uint8Array) => new TextDecoder().decode(bytes),
    };
    const word = task({ name: 'word', cachePolicy: cachePolicies.inputs, resultStorage: store, resultSerializer: upper }, (w: string) => w);
    expect(await word('hi')).toBe('hi');
    expect(await word('hi')).toBe('HI'); // read back through the custom serializer
  });
});

describe('task caching: bad records and faults', () => {
  it('should read a corrupt or truncated record as a miss with a warning, and never as a value', async () => {
    const store = mapStore();
    let calls = 0;
    const value = task({ name: 'value', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => {
      calls++;
      return x * 10;
    });
    const once = flow({ name: 'once', progress: false, logger: quiet }, () => value(7));
    await once();
    const [key, bytes] = [...store.records][0] as [string, Uint8Array];
    store.records.set(key, bytes.subarray(0, bytes.length - 1)); // cut short
    const cut = await finalStates(() => once.start());
    expect(cut.value).toBe(70);
    expect(cut.states).toEqual(['Completed']);
    expect(cut.warnings).toEqual([expect.stringMatching(/^CACHE_RECORD_UNREADABLE: .*cut short/)]);
    const good = store.records.get(key) as Uint8Array;
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 1] = 0x39; // '70' becomes '79': the checksum no longer matches
    store.records.set(key, flipped);
    const altered = await finalStates(() => once.start());
    expect(altered.value).toBe(70);
    expect(altered.warnings).toEqual([expect.stringMatching(/checksum/)]);
    store.records.set(key, new TextEncoder().encode('{"not":"a record"}'));
    expect((await finalStates(() => once.start())).warnings).toEqual([expect.stringMatching(/not a sluice result record/)]);
    expect(calls).toBe(4);
  });

  it('should read a record written by another serializer as a miss with a warning', async () => {
    const store = mapStore();
    const base = task({ name: 'shared', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => x);
    await base(1);
    const other = base.with({ resultSerializer: resultSerializers.v8 });
    const read = await finalStates(() => flow({ name: 'f', progress: false, logger: quiet }, () => other(1)).start());
    expect(read.states).toEqual(['Completed']);
    expect(read.warnings).toEqual([expect.stringMatching(/written by the "json" serializer, and this task reads "v8"/)]);
  });

  it('should complete a run whose value cannot be serialized, with a warning that says why', async () => {
    const store = mapStore();
    const big = task({ name: 'big', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => BigInt(x));
    const out = await finalStates(() => flow({ name: 'f', progress: false, logger: quiet }, () => big(1)).start());
    expect(out.value).toBe(1n);
    expect(out.states).toEqual(['Completed']);
    expect(out.warnings).toEqual([expect.stringMatching(/^CACHE_RESULT_NOT_STORED: .*"json" serializer could not write it.*BigInt/)]);
    expect(store.records.size).toBe(0);
  });

  it('should run the body when the store cannot be reached, and complete when it refuses a write', async () => {
    const down: ResultStore = {
      get: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
      set: () => Promise.reject(new Error('ENOSPC: no space left on device')),
      delete: () => Promise.reject(new Error('down')),
    };
    const work = task({ name: 'work', cachePolicy: cachePolicies.inputs, resultStorage: down }, (x: number) => x + 1);
    const out = await finalStates(() => flow({ name: 'f', progress: false, logger: quiet }, () => work(1)).start());
    expect(out.value).toBe(2);
    expect(out.warnings).toEqual([
      expect.stringMatching(/^CACHE_STORE_UNAVAILABLE: .*ECONNREFUSED/),
      expect.stringMatching(/^CACHE_RESULT_NOT_STORED: .*ENOSPC/),
    ]);
  });

  it('should compute and complete, with warnings and within the command time-out, when its Redis store is down', async () => {
    const down = new RedisResultStore({ connection: 'redis://:hunter2@127.0.0.1:1', commandTimeout: 300 });
    try {
      const work = task({ name: 'work', cachePolicy: cachePolicies.inputs, resultStorage: down }, (x: number) => x + 1);
      const started = Date.now();
      const out = await finalStates(() => flow({ name: 'f', progress: false, logger: quiet }, () => work(1)).start());
      expect(out.value).toBe(2);
      expect(out.warnings).toEqual([expect.stringMatching(/^CACHE_STORE_UNAVAILABLE: /), expect.stringMatching(/^CACHE_RESULT_NOT_STORED: /)]);
      expect(out.warnings.join('\n')).not.toContain('hunter2');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await down.close();
    }
  });

  it('should log a warning through the flow logger', async () => {
    const lines: string[] = [];
    const logger = { ...quiet, warn: (first: unknown, ...rest: unknown[]) => lines.push([first, ...rest].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')) };
    const big = task({ name: 'big', cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, () => 1n);
    await flow({ name: 'f', progress: false, logger }, () => big())();
    expect(lines.join('\n')).toMatch(/CACHE_RESULT_NOT_STORED/);
  });
  it('should store the value before the run turns Completed, with a store that answers later', async () => {
    const records = new Map<string, Uint8Array>();
    const slow: ResultStore = {
      get: (key) => records.get(key),
      set: async (key, value) => {
        await new Promise((r) => setTimeout(r, 20));
        records.set(key, value);
      },
      delete: (key) => {
        records.delete(key);
      },
    };
    const work = task({ name: 'work', cachePolicy: cachePolicies.inputs, resultStorage: slow }, (x: number) => x);
    const seen: string[] = [];
    await flow({ name: 'f', progress: false }, async () => {
      const run = work.submit(1);
      run.state$.subscribe((state) => seen.push(`${state.name} with ${records.size} record(s)`));
      await run.wait();
    })();
    expect(seen).toEqual(['Pending with 0 record(s)', 'Running with 0 record(s)', 'Completed with 1 record(s)']);
  });
});

describe('task caching: slots and single flight', () => {
  it('should complete a hit without a runner slot', async () => {
    const store = mapStore();
    const cached = task({ name: 'cached', cachePolicy: cachePolicies.inputs, resultStorage: store }, (x: number) => x);
    await cached(1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hold = task('hold', () => gate);
    const order: string[] = [];
    const busy = flow({ name: 'busy', progress: false, taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 1 }) }, async () => {
      const held = hold.submit();
      await new Promise((r) => setTimeout(r, 10)); // hold has the one slot now
      const hit = cached.submit(1);
      await hit.wait();
      order.push(`hit ${hit.state.name} while hold is ${held.state.name}`);
      release();
      await held.wait();
    });
    await busy();
    expect(order).toEqual(['hit Cached while hold is Running']);
  });

  it("should compute once for two runs with one key under 'serializable', and twice under 'read-committed'", async () => {
    let inFlight = 0;
    let calls = 0;
    const body = async (x: number): Promise<number> => {
      calls++;
      inFlight++;
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return x;
    };
    const serial = task({ name: 'serial', cachePolicy: cachePolicies.inputs, resultStorage: mapStore(), cacheIsolation: 'serializable' }, body);
    const both = await flow({ name: 'f', progress: false }, () => serial.map([1, 1, 1]).result())();
    expect(both).toEqual([1, 1, 1]);
    expect(calls).toBe(1);
    calls = 0;
    const loose = task({ name: 'loose', cachePolicy: cachePolicies.inputs, resultStorage: mapStore() }, body);
    await flow({ name: 'f', progress: false }, () => loose.map([1, 1]).result())();
    expect(calls).toBe(2);
    expect(inFlight).toBe(0);
  });

  it('should let the next run with the key go when the holder fails', async () => {
    let calls = 0;
    const flaky = task({ name: 'flaky', cachePolicy: cachePolicies.inputs, resultStorage: mapStore(), cacheIsolation: 'serializable' }, async (x: number) => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (calls === 1) throw new Error('first fails');
      return x;
    });
    const results = await flow({ name: 'f', progress: false }, async () => {
      const runs = flaky.map([1, 1, 1]);
      await runs.wait();
      return runs.map((r: TaskFuture<number>) => r.state.name);
    })();
    expect(results).toEqual(['Failed', 'Completed', 'Cached']);
    expect(calls).toBe(2);
  });
});

describe('task caching: the default store and flow options', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cache-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("should give a flow's tasks its cachePolicy and resultStorage, a task's own winning", async () => {
    const store = new FileResultStore({ directory: dir });
    let calls = 0;
    const a = task('a', (x: number) => {
      calls++;
      return x;
    });
    const never = task({ name: 'never', cachePolicy: cachePolicies.none }, (x: number) => {
      calls++;
      return x;
    });
    const resumable = flow({ name: 'resumable', progress: false, cachePolicy: cachePolicies.inputs.plus(cachePolicies.taskSource), resultStorage: store }, async () => [
      await a(1),
      await never(2),
    ]);
    await resumable();
    await resumable();
    expect(calls).toBe(3); // a once, never twice
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toHaveLength(1);
  });

  it('should refuse bad caching options with a clear error', () => {
    const fn = (x: number) => x;
    expect(() => task({ name: 'bad', cachePolicy: 'inputs' as never }, fn)).toThrow(expect.objectContaining({ code: 'INVALID_TASK_OPTIONS' }));
    expect(() => task({ name: 'bad', cachePolicy: 'inputs' as never }, fn)).toThrow(/task "bad".*`cachePolicy` must be a cache policy \(from cachePolicies\)/);
    expect(() => task({ name: 'bad', cacheExpiration: -1 }, fn)).toThrow(/`cacheExpiration` must be a positive number of ms, got -1/);
    expect(() => task({ name: 'bad', resultStorage: {} as never }, fn)).toThrow(/`resultStorage` must be a result store, with get, set and delete/);
    expect(() => task({ name: 'bad', cacheIsolation: 'snapshot' as never }, fn)).toThrow(/`cacheIsolation` must be 'read-committed' or 'serializable', got snapshot/);
    expect(() => flow({ name: 'f', refreshCache: 'yes' as never }, fn)).toThrow(/flow "f": `refreshCache` must be true or false/);
    expect(() => cachePolicies.taskSource.minus('x')).toThrow(/has no `inputs` to leave arguments out of/);
  });
});
