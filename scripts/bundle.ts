/**
 * Bundles the package's JavaScript: one file per entry point (the four exports, the CLI and the
 * worker-thread entry) and shared chunks, from src/ with esbuild. `tsc` still writes the type
 * declarations (tsconfig.build.json emits only those).
 *
 * Why: Node 20 pays about half a millisecond per ES module it loads, and sluice is ~45 small
 * modules. Every worker thread of a `WorkerThreadsTaskRunner` imports sluice (the task's module
 * does) before its first job, so the pool starts measurably later; `import 'sluice'` is slower
 * too. Chunks are shared between the entries, so `sluice` and `sluice/testing` (and a thread's
 * worker entry and its task module) still see one engine.
 *
 *   tsx scripts/bundle.ts [outdir]      # default: dist
 *
 * Not part of the package.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The entry points, by their path under src/ (the output keeps it, with .js). */
export const ENTRIES = ['index.ts', 'testing/index.ts', 'bullmq.ts', 'timeline.ts', 'cli.ts', 'runners/worker-threads/worker.ts'] as const;

/** Where the worker-thread entry lands, relative to the output folder. */
const WORKER_ENTRY = 'runners/worker-threads/worker.js';

/**
 * Bundles src/ into `outdir` (absolute). The runner finds its worker entry as `./worker.js` beside
 * its own file; in a bundle its code sits in another folder, so that one reference is rewritten
 * to the entry's path from there.
 */
export async function bundle(outdir: string, options: { readonly sourcemap?: boolean } = {}): Promise<string[]> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES.map((entry) => path.join('src', entry)),
    outbase: 'src',
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: options.sourcemap === false ? false : 'linked',
    write: false,
    logLevel: 'warning',
  });
  const marker = /(["'])\.\/worker\.js\1(?=, import\.meta\.url\))/g;
  let rewritten = 0;
  const written: string[] = [];
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith('.js') && marker.test(text)) {
      const relative = path.relative(path.dirname(file.path), path.join(outdir, WORKER_ENTRY)).split(path.sep).join('/');
      text = text.replace(marker, JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`));
      rewritten++;
    }
    marker.lastIndex = 0;
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
    written.push(path.relative(outdir, file.path));
  }
  // Exactly one place names the worker entry; anything else means the runner changed shape.
  if (rewritten !== 1) throw new Error(`bundle: expected one reference to ./worker.js beside import.meta.url, found ${rewritten}`);
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = path.resolve(ROOT, process.argv[2] ?? 'dist');
  const files = await bundle(outdir);
  console.log(`bundled ${files.filter((f) => f.endsWith('.js')).length} files into ${path.relative(ROOT, outdir) || '.'}`);
}
