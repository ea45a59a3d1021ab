// PLACEHOLDER (replaced by the stores branch)
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultStore } from './store.js';
export class FileResultStore implements ResultStore {
  readonly directory: string;
  constructor(options: { directory?: string } = {}) {
    this.directory = options.directory ?? process.env.SLUICE_RESULTS_DIR ?? join(process.cwd(), '.sluice', 'results');
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    try { return await readFile(join(this.directory, encodeURIComponent(key))); } catch { return undefined; }
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const tmp = join(this.directory, `.${encodeURIComponent(key)}.${process.pid}.${Math.random()}.tmp`);
    await writeFile(tmp, value);
    await rename(tmp, join(this.directory, encodeURIComponent(key)));
  }
  async delete(key: string): Promise<void> { await rm(join(this.directory, encodeURIComponent(key)), { force: true }); }
}
