/**
 * TypeScript in worker threads, found with tsx.
 *
 * A worker thread inherits the process's `execArgv`, but on Node 20 tsx's `--import tsx` does
 * not register its ESM hooks in worker threads (only its CommonJS hook), and vitest's module
 * runner does not reach threads at all. So:
 *
 * - the worker entry, when sluice runs from its own sources (`worker.ts`), is loaded through
 *   tsx's CommonJS hook (`--require tsx/cjs`, added when the process's flags have no tsx);
 * - a TypeScript task module that the thread cannot import is imported again after the worker
 *   registers tsx's ESM hooks itself (`tsx/esm/api`), found from the tsx files the process's
 *   flags load (the `tsx` command's own, under `npx tsx` perhaps nowhere else), from the task's
 *   module, from sluice or from the working directory, and handed to the threads in `workerData`.
 *
 * @module
 * @internal
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Whether a module URL or path names a TypeScript file. */
export function isTypeScript(url: string): boolean {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // a path, not a URL
  }
  return /\.[cm]?tsx?$/.test(path);
}

/** Whether these flags load tsx already (so its CommonJS hook reaches the threads). */
export function hasTsx(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /(^|[/\\=])tsx([/\\]|$)/.test(arg));
}

/**
 * The files of tsx that these flags load (`--import file:///…/tsx/dist/loader.mjs`, as the `tsx`
 * command starts node), as bases to find tsx's package from: a program run with `npx tsx` loads a
 * tsx that neither its modules nor sluice can resolve.
 */
export function tsxFilesIn(execArgv: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of execArgv) {
    const value = arg.startsWith('--') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (!hasTsx([value])) continue;
    try {
      if (value.startsWith('file:')) files.push(fileURLToPath(value));
      else if (path.isAbsolute(value) || value.startsWith('.')) files.push(path.resolve(value));
    } catch {
      // not a file URL after all
    }
  }
  return files;
}

/** The path of `specifier` as resolved from the first base that reaches it. */
export function resolveFrom(specifier: string, bases: readonly (string | undefined)[]): string | undefined {
  for (const base of bases) {
    if (base === undefined) continue;
    try {
      return createRequire(base).resolve(specifier);
    } catch {
      // not reachable from there
    }
  }
  return undefined;
}

/**
 * The file URL of tsx's ESM API (`tsx/esm/api` under the `import` condition; `require.resolve`
 * would give its CommonJS build, which cannot register ESM hooks), read from tsx's exports map.
 */
export function findTsxEsmApi(bases: readonly (string | undefined)[]): string | undefined {
  const manifest = resolveFrom('tsx/package.json', bases);
  if (manifest === undefined) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> };
    let target: unknown = pkg.exports?.['./esm/api'];
    for (const key of ['import', 'default']) {
      if (typeof target === 'object' && target !== null && key in target) target = (target as Record<string, unknown>)[key];
    }
    if (typeof target !== 'string') return undefined;
    return pathToFileURL(path.join(path.dirname(manifest), target)).href;
  } catch {
    return undefined;
  }
}

/** What the pool's threads start with: their `execArgv` (undefined to inherit) and `workerData`. */
export interface ThreadSetup {
  readonly execArgv: string[] | undefined;
  readonly workerData: WorkerData;
}

/** What each thread is told when it starts. */
export interface WorkerData {
  /** tsx's ESM API, registered by a thread that fails to import a TypeScript module. */
  readonly tsxApi: string | undefined;
}

/** How to start the threads; `entryIsTypeScript` when the worker entry is `worker.ts`. */
export function threadSetup(entryIsTypeScript: boolean, extra: readonly string[], bases: readonly (string | undefined)[]): ThreadSetup {
  const inherited = process.execArgv;
  const needsHook = entryIsTypeScript && !hasTsx([...inherited, ...extra]);
  const cjsHook = needsHook ? resolveFrom('tsx/cjs', bases) : undefined;
  const execArgv = cjsHook === undefined && extra.length === 0 ? undefined : [...inherited, ...(cjsHook === undefined ? [] : ['--require', cjsHook]), ...extra];
  // The tsx the program was started with first: the threads then load TypeScript as it does.
  return { execArgv, workerData: { tsxApi: findTsxEsmApi([...tsxFilesIn([...inherited, ...extra]), ...bases]) } };
}

let tsxRegistered: Promise<void> | undefined;

/**
 * Registers tsx's ESM hooks (from `api`, its `tsx/esm/api` URL) in this thread or process, once:
 * shared by the worker-thread entry and `sluice worker`.
 */
export function registerTsx(api: string): Promise<void> {
  return (tsxRegistered ??= import(api).then((tsx: { register?: () => unknown }) => {
    if (typeof tsx.register !== 'function') throw new Error(`${api} has no register()`);
    tsx.register();
  }));
}
