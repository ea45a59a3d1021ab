import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE_REDIS, hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `count` flow processes, lets them go together, and resolves with what each printed. */
async function runTogether(count: number, kind: 'file' | 'redis', where: string, dir: string): Promise<{ outputs: string[]; bodies: number }> {
  const log = join(dir, `bodies-${kind}.log`);
  const go = join(dir, `go-${kind}`);
  writeFileSync(log, '');
  const runs = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/single-flight-flow.ts', kind, where, log, go], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    return new Promise<string>((resolve) => child.on('close', () => resolve(out)));
  });
  // Each process has loaded sluice and waits for the go file: the runs then start together.
  await sleep(3000);
  writeFileSync(go, '');
  const outputs = await Promise.all(runs);
  return { outputs, bodies: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length };
}

describe("single flight across processes ('serializable')", () => {
  let dir = '';
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-single-flight-'));
    if (hasRedis) redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run the body once for three flow processes that share a folder', { timeout: 60_000 }, async () => {
    const { outputs, bodies } = await runTogether(3, 'file', join(dir, 'results'), dir);
    expect(outputs.map((o) => o.trim())).toEqual(['42', '42', '42']);
    expect(bodies).toBe(1);
  });

  it.skipIf(!hasRedis)('should run the body once for three flow processes that share a Redis', { timeout: 60_000 }, async () => {
    const { outputs, bodies } = await runTogether(3, 'redis', (redis as RedisServer).url, dir);
    expect(outputs.map((o) => o.trim())).toEqual(['42', '42', '42']);
    expect(bodies).toBe(1);
  });
});

if (!hasRedis) {
  describe.skip(`single flight on Redis (skipped: ${ENABLE_REDIS})`, () => {
    it('needs redis-server', () => undefined);
  });
}
