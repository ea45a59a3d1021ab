/**
 * FileResultStore, on a real temporary folder with real processes: atomic writes under SIGKILL,
 * concurrent writers, file names for any key, and a lock that several processes contend for.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultResultsDirectory, FileResultStore, isSluiceError, ResultStoreError } from '../../src/index.js';
import { contend, holdersInTurn, payload, whichPayload } from '../fixtures/store-work.js';
import { killAll, startStoreProcess, startTogether, type StoreProcess } from '../helpers/store-process.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));

describe('FileResultStore', () => {
  let directory: string;
  let processes: StoreProcess[] = [];

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'sluice-file-store-'));
  });

  afterEach(async () => {
    await killAll(processes);
    processes = [];
    rmSync(directory, { recursive: true, force: true });
  });

  it('defaults to $SLUICE_RESULTS_DIR, else .sluice/results in the working directory', () => {
    const saved = process.env.SLUICE_RESULTS_DIR;
    try {
      delete process.env.SLUICE_RESULTS_DIR;
      expect(defaultResultsDirectory()).toBe(path.join(process.cwd(), '.sluice', 'results'));
      expect(new FileResultStore().directory).toBe(path.join(process.cwd(), '.sluice', 'results'));
      process.env.SLUICE_RESULTS_DIR = directory;
      expect(new FileResultStore().directory).toBe(directory);
      process.env.SLUICE_RESULTS_DIR = 'relative/results';
      expect(defaultResultsDirectory()).toBe(path.resolve('relative/results'));
    } finally {
      if (saved === undefined) delete process.env.SLUICE_RESULTS_DIR;
      else process.env.SLUICE_RESULTS_DIR = saved;
    }
  });

  it('makes its folder on the first write, reads back, overwrites, deletes, and reads a missing key as undefined', async () => {
    const store = new FileResultStore({ directory: path.join(directory, 'nested', 'results') });
    expect(await store.get('k')).toBeUndefined();
    await store.delete('k');
    await store.set('k', bytes('one'), {});
    expect(text(await store.get('k'))).toBe('one');
    await store.set('k', bytes('two, longer'), { ttl: 60_000 });
    expect(text(await store.get('k'))).toBe('two, longer');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    expect(readdirSync(store.directory)).toEqual([]);
  });

  it('keeps every key apart in a file of its own inside the folder, whatever characters it has', async () => {
    const store = new FileResultStore({ directory });
    const keys = ['plain-key_1', 'a/b:c', '../../escape', '/etc/passwd', 'A', 'a', 'Upper', 'upper', 'con', 'x.lock', 'x', 'sp ace', 'ü日本', '', 'nul\u0000byte', 'k'.repeat(1000)];
    for (const [i, key] of keys.entries()) await store.set(key, bytes(`record ${i}`), {});
    for (const [i, key] of keys.entries()) expect(text(await store.get(key))).toBe(`record ${i}`);
    const names = readdirSync(directory);
    expect(names).toHaveLength(keys.length);
    for (const name of names) expect(statSync(path.join(directory, name)).isFile()).toBe(true);
    expect(names).toContain('plain-key_1');
    expect(path.basename(store.recordPath('a/b:c'))).toMatch(/^sha256\.[0-9a-f]{64}$/);
    expect(path.dirname(store.recordPath('../../escape'))).toBe(directory);
    // A key's lock file never lands on another key's record ('x' locks at x.lock; 'x.lock' is hashed).
    const lock = await store.lock('x', { lease: 2000 });
    await lock.release();
    for (const [i, key] of keys.entries()) expect(text(await store.get(key))).toBe(`record ${i}`);
  });

  it('fails a read it cannot do with a typed error naming the store, the operation and the key', async () => {
    const store = new FileResultStore({ directory });
    // A folder where the record should be: the read fails, and it is not a miss.
    await store.set('k', bytes('x'), {});
    rmSync(store.recordPath('k'));
    mkdirSync(store.recordPath('k'));
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultStoreError);
    expect(isSluiceError(error, 'RESULT_STORE_UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({ operation: 'get', key: 'k', store: `FileResultStore(${directory})` });
    expect((error as Error).message).toMatch(new RegExp(`^FileResultStore\\(${directory}\\): get of key "k" failed: EISDIR`));
  });

  it('fails a write where no folder can be made with a typed error, leaving nothing behind', async () => {
    // A file where the folder should be: mkdir fails for root too (ENOTDIR), unlike a chmod.
    const blocker = path.join(directory, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const store = new FileResultStore({ directory: path.join(blocker, 'results') });
    const error = await store.set('k', bytes('x'), {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESULT_STORE_UNAVAILABLE', operation: 'set', key: 'k' });
    expect((error as Error).message).toMatch(/ENOTDIR|EEXIST/);
    expect(readdirSync(directory)).toEqual(['not-a-folder']);
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('leaves the old record whole, or none, when a writer is killed with SIGKILL mid-write', async () => {
    const store = new FileResultStore({ directory });
    const old = payload(1, 0, 64 * 1024);
    await store.set('report', old, {});
    const size = 4 << 20;
    processes = await startTogether(['report', 'fresh'].map((key) => ({ store: { kind: 'file', directory }, mode: 'write-paused', key, size })));
    await Promise.all(processes.map((p) => p.printed('mid-write')));
    for (const p of processes) p.child.kill('SIGKILL');
    expect(await Promise.all(processes.map((p) => p.exited))).toEqual(['SIGKILL', 'SIGKILL']);
    // Each was killed mid-write: its temporary file holds a part of its record.
    const temps = readdirSync(directory).filter((name) => name.endsWith('.tmp'));
    expect(temps).toHaveLength(2);
    for (const temp of temps) {
      const partial = statSync(path.join(directory, temp)).size;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(size);
    }
    const fresh = new FileResultStore({ directory });
    const read = await fresh.get('report');
    expect(read && Buffer.from(read).equals(old)).toBe(true);
    expect(await fresh.get('fresh')).toBeUndefined();
  });

  it('sweeps temporary files over an hour old on a later write, and nothing else', async () => {
    const store = new FileResultStore({ directory });
    const stray = path.join(directory, `k.4242.${'ab'.repeat(6)}.tmp`);
    const young = path.join(directory, `k.4243.${'cd'.repeat(6)}.tmp`);
    const foreign = path.join(directory, 'notes.tmp');
    for (const file of [stray, young, foreign]) writeFileSync(file, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stray, twoHoursAgo, twoHoursAgo);
    utimesSync(foreign, twoHoursAgo, twoHoursAgo);
    await store.set('k', bytes('v'), {});
    expect(readdirSync(directory).sort()).toEqual(['k', path.basename(young), 'notes.tmp'].sort());
  });

  it('leaves one whole record of one writer when several processes write the same key at once, and readers never see a part', async () => {
    const size = 1 << 20;
    const writers = [1, 2, 3];
    processes = await startTogether(writers.map((writer) => ({ store: { kind: 'file', directory }, mode: 'hammer', key: 'shared', writer, times: 15, size })));
    const store = new FileResultStore({ directory });
    let reads = 0;
    let running = true;
    const finished = Promise.all(processes.map((p) => p.printed('done'))).finally(() => (running = false));
    while (running) {
      const read = await store.get('shared');
      if (read !== undefined) {
        expect(whichPayload(read), `read ${reads} is a whole record`).toBeDefined();
        reads++;
      }
    }
    await finished;
    expect(reads).toBeGreaterThan(0);
    const final = readFileSync(store.recordPath('shared'));
    expect(whichPayload(final)).toMatchObject({ iteration: 14 });
    expect(readdirSync(directory)).toEqual(['shared']);
  });

  it('lets one holder at a time have a key, across processes', async () => {
    const log = path.join(directory, 'holders.log');
    const work = { key: 'k', rounds: 4, hold: 15, lease: 2000, log };
    processes = await startTogether([1, 2].map((who) => ({ store: { kind: 'file', directory }, mode: 'contend', who, ...work })));
    // This process contends too, with its own store.
    await contend(new FileResultStore({ directory }), { who: 3, ...work });
    await Promise.all(processes.map((p) => p.printed('done')));
    expect(holdersInTurn(readFileSync(log, 'utf8'))).toEqual({ turns: 3 * 4, overlaps: 0 });
  });

  it('keeps a live holder\'s lock past its lease, gives up waiting on abort, and frees it within the lease once the holder is SIGKILLed', async () => {
    // proper-lockfile keeps a lock for at least 2000 ms, whatever the lease asked for.
    const lease = 500;
    const effective = 2000;
    const holder = startStoreProcess({ store: { kind: 'file', directory }, mode: 'hold', key: 'k', lease });
    processes.push(holder);
    await holder.printed('ready');
    holder.go();
    await holder.printed('held');
    const store = new FileResultStore({ directory });
    const waited = await store.lock('k', { lease, signal: AbortSignal.timeout(effective + 700) }).catch((e: unknown) => e);
    expect(waited).toMatchObject({ name: 'TimeoutError' });
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killed = performance.now();
    const lock = await store.lock('k', { lease });
    expect(performance.now() - killed).toBeLessThan(effective + 1000);
    await lock.release();
    await lock.release();
  }, 20_000);
});
