/**
 * The stores' dependencies load on first use: `import 'sluice'` loads neither ioredis nor
 * proper-lockfile (which installs exit and signal handlers) nor redis-semaphore.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { root } from '../helpers/redis.js';

it('loads ioredis, proper-lockfile and redis-semaphore only when a store first needs them', async () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'sluice-lazy-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/store-lazy-load.ts', directory], { cwd: root, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ atImport: [], beforeLocksAndRedis: [], atEnd: ['ioredis', 'proper-lockfile', 'redis-semaphore'] });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
