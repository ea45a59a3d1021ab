/**
 * Finding a task among the exports of its module, by name: what a worker thread does after it
 * imports the module, and what the main thread checks before it sends the first job. Imported by
 * the worker entry: no dependencies (the key below is the well-known symbol `task()` sets).
 *
 * @module
 * @internal
 */
import type { StandardSchemaV1 } from '../../core/codecs.js';
import { t, type IoTs } from './io-ts.js';

/** Why a worker could not find a task. */
export const NotFoundReasonC = t.keyof({ 'no-module': null, 'not-importable': null, 'not-exported': null, ambiguous: null, 'not-the-same': null });
export type NotFoundReason = IoTs.TypeOf<typeof NotFoundReasonC>;

/** `Symbol.for('sluice.task.spec')`: the definition a task function carries (see src/api/task.ts). */
export const TASK_SPEC = Symbol.for('sluice.task.spec');

/** A decoder/encoder, as the worker uses a task's io-ts codecs (duck-typed: no io-ts import needed). */
export interface CodecLike {
  is(value: unknown): boolean;
  encode(value: unknown): unknown;
  decode(value: unknown): { readonly _tag: 'Left'; readonly left: unknown } | { readonly _tag: 'Right'; readonly right: unknown };
}

/** What a worker needs of a task: its body and codecs. */
export interface TaskBody {
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
  readonly params: CodecLike | undefined;
  readonly returns: CodecLike | undefined;
  /** A Standard Schema for the arguments, in place of `params`: they are validated on arrival. */
  readonly paramsSchema?: StandardSchemaV1 | undefined;
  /** A Standard Schema for the value, in place of `returns`: the value goes back as it is, validated where it arrives. */
  readonly returnsSchema?: StandardSchemaV1 | undefined;
}

/** A task found, or why not. */
export type Lookup = { readonly ok: true; readonly body: TaskBody } | { readonly ok: false; readonly reason: NotFoundReason; readonly message: string };

/** The body and codecs of a sluice task function, or undefined when `value` is not one. */
export function taskBodyOf(value: unknown): TaskBody | undefined {
  if (typeof value !== 'function') return undefined;
  const spec = (value as unknown as Record<symbol, unknown>)[TASK_SPEC] as Partial<TaskBody> | undefined;
  if (typeof spec !== 'object' || spec === null || typeof spec.fn !== 'function' || typeof spec.name !== 'string') return undefined;
  return { name: spec.name, fn: spec.fn, params: spec.params ?? undefined, returns: spec.returns ?? undefined, paramsSchema: spec.paramsSchema ?? undefined, returnsSchema: spec.returnsSchema ?? undefined };
}

/** How to define a task so that a worker can find it: the advice every not-found message ends with. */
export function howToDefine(name: string): string {
  const binding = /^[A-Za-z_$][\w$]*$/.test(name) ? name : 'myTask';
  return `define the task at the top level of its module and export it: export const ${binding} = task({ name: ${JSON.stringify(name)}, module: import.meta.url }, fn)`;
}

/**
 * Finds the task `name` among a module's exports (the default export too). `same`, when given,
 * must accept the body found (the main thread checks it is the task that was submitted).
 */
export function findTask(namespace: Readonly<Record<string, unknown>>, name: string, moduleUrl: string, same?: (fn: TaskBody['fn']) => boolean): Lookup {
  const found: TaskBody[] = [];
  const names = new Set<string>();
  for (const key of Object.keys(namespace)) {
    const body = taskBodyOf(namespace[key]);
    if (body === undefined) continue;
    names.add(body.name);
    if (body.name === name && !found.some((other) => other.fn === body.fn)) found.push(body);
  }
  const first = found[0];
  if (first === undefined) {
    const exported = names.size === 0 ? 'it exports no tasks' : `the tasks it exports are ${[...names].map((n) => JSON.stringify(n)).join(', ')}`;
    return {
      ok: false,
      reason: 'not-exported',
      message: `task "${name}" is not exported by its module ${moduleUrl} (${exported}). A worker thread imports the module and finds the task among its exports by name; a task defined inside a function, or not exported, cannot be found: ${howToDefine(name)}`,
    };
  }
  if (found.length > 1) {
    return {
      ok: false,
      reason: 'ambiguous',
      message: `module ${moduleUrl} exports ${found.length} different tasks named "${name}"; a worker thread finds tasks by name: give each task its own name`,
    };
  }
  if (same !== undefined && !same(first.fn)) {
    return {
      ok: false,
      reason: 'not-the-same',
      message: `module ${moduleUrl} exports a task named "${name}", but not the one that was submitted (another definition with the same name, perhaps made inside a function); a worker thread would run the exported one. Give the tasks different names, or ${howToDefine(name)}`,
    };
  }
  return { ok: true, body: first };
}

/**
 * Why a module could not be imported, with a hint for TypeScript modules; `tsxInFlags` when the
 * thread's Node flags load tsx already (the program was started with tsx).
 */
export function notImportable(name: string, moduleUrl: string, error: unknown, where: 'a worker thread' | 'the main thread', tsxInFlags = false): string {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const ts = /\.[cm]?tsx?$/.test(new URL(moduleUrl, 'file:///').pathname);
  let hint = '';
  if (ts && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    hint = tsxInFlags
      ? " The module is TypeScript, and the program's tsx loader does not reach worker threads on this version of Node (only the main thread's imports go through it); sluice registers tsx in the threads itself, but could not find tsx's package from the loader's flags, the module, sluice or the working directory: install tsx in the project (`npm install --save-dev tsx`), pass `execArgv` to the runner, or build the module to JavaScript."
      : ' The module is TypeScript and the thread has no TypeScript loader: run the program with tsx (`tsx main.ts`, or `node --import tsx main.js`), install tsx where the module can find it, pass `execArgv` to the runner, or build the module to JavaScript.';
  }
  return `task "${name}": its module ${moduleUrl} cannot be imported in ${where}: ${detail}.${hint} A task that runs on worker threads must be defined at the top level of a module that can be imported on its own (give it \`module: import.meta.url\`).`;
}
