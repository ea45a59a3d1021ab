/**
 * The entry of a worker thread of {@link WorkerThreadsTaskRunner} (piscina calls the default
 * export once per job). It imports the task's module, finds the task by name among its exports,
 * runs the body with the arguments and sends back the value or what was thrown.
 *
 * Its import graph is kept small on purpose (DESIGN §8, "Worker threads start-up"): io-ts for the
 * wire messages and three small files, not the engine and not RxJS. The task's own module
 * imports what it imports.
 *
 * It never throws: whatever happens becomes a response the main thread decodes.
 *
 * @module
 * @internal
 */
import { workerData } from 'node:worker_threads';
import { findNotCloneable } from '../remote/clone-check.js';
import { hasTsx, isTypeScript, registerTsx, type WorkerData } from '../remote/loader.js';
import { findTask, notImportable, type Lookup, type TaskBody } from '../remote/lookup.js';
import type { RemoteRunInfo } from '../remote/remote-run.js';
import { settleBody } from '../remote/body.js';
import { runAsRemote } from '../remote/run-info.js';
import { serializeThrown as serializeThrown_, type WireThrown } from '../remote/thrown.js';
import { flowInImportMessage, importTaskModule } from '../remote/task-module-import.js';
import { PROTOCOL_VERSION, RequestC, type Failure, type Response } from './protocol.js';
import { describeWireErrors } from '../remote/wire-errors.js';
import { decodeArgs, encodeValue } from '../remote/codec-worker.js';

/** One lookup per module and task name in this thread. */
const lookups = new Map<string, Promise<Lookup>>();

/** A module as this thread imported it: its exports, or why not. */
type Imported = { readonly ok: true; readonly namespace: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly failure: (name: string) => string };

/** One import per module in this thread. */
const imports = new Map<string, Promise<Imported>>();

/**
 * Imports a task module. A TypeScript module this thread has no loader for is imported again
 * after tsx's hooks are registered (under another URL: Node keeps the failed import).
 */
async function importModule(moduleUrl: string): Promise<Readonly<Record<string, unknown>>> {
  try {
    return (await import(moduleUrl)) as Readonly<Record<string, unknown>>;
  } catch (error) {
    const api = (workerData as Partial<WorkerData> | null)?.tsxApi;
    if ((error as { code?: unknown } | null)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || typeof api !== 'string' || !isTypeScript(moduleUrl)) throw error;
    await registerTsx(api);
    const again = new URL(moduleUrl);
    again.searchParams.set('sluice-tsx', '1');
    return (await import(again.href)) as Readonly<Record<string, unknown>>;
  }
}

/**
 * Imports a task module once, marked as a worker's import: a flow the module starts meanwhile
 * fails at once (it would run again in this thread, with a pool of its own), and so does every
 * lookup in the module, whether or not the module let that failure end its import.
 */
function importOnce(moduleUrl: string): Promise<Imported> {
  let imported = imports.get(moduleUrl);
  if (imported === undefined) {
    const { mark, loaded } = importTaskModule('worker-thread', moduleUrl, () => importModule(moduleUrl));
    const startedFlow = (): Imported | undefined => {
      const flowName = mark.flows[0];
      if (flowName === undefined) return undefined;
      const why = flowInImportMessage(flowName, 'worker-thread', moduleUrl);
      return { ok: false, failure: (name) => `task "${name}": its module ${moduleUrl} cannot be imported in a worker thread: ${why}` };
    };
    imported = loaded.then(
      (namespace): Imported => startedFlow() ?? { ok: true, namespace },
      (error: unknown): Imported => startedFlow() ?? { ok: false, failure: (name) => notImportable(name, moduleUrl, error, 'a worker thread', hasTsx(process.execArgv)) },
    );
    imports.set(moduleUrl, imported);
  }
  return imported;
}

function lookup(moduleUrl: string, name: string): Promise<Lookup> {
  const key = `${moduleUrl}\0${name}`;
  let found = lookups.get(key);
  if (found === undefined) {
    found = importOnce(moduleUrl).then((imported) =>
      imported.ok ? findTask(imported.namespace, name, moduleUrl) : { ok: false, reason: 'not-importable', message: imported.failure(name) },
    );
    lookups.set(key, found);
  }
  return found;
}

/** What was thrown, as data that crosses back by structured clone. */
export function serializeThrown(thrown: unknown): WireThrown {
  return serializeThrown_(thrown, (value) => findNotCloneable(value) === undefined);
}

function failed(failure: Failure): Response {
  return { v: PROTOCOL_VERSION, ok: false, failure };
}

async function runBody(body: TaskBody, args: unknown[], encoded: boolean, run: RemoteRunInfo | undefined): Promise<Response> {
  const decoded = decodeArgs(body.params, args, encoded, body.paramsSchema);
  if (!decoded.ok) return failed({ kind: 'invalid-params', problems: decoded.problems });
  const values = decoded.args;
  let value: unknown;
  try {
    // A cancelled run's thread is terminated: its signal never needs to fire here.
    value = await new Promise((resolve, reject) => {
      settleBody(runAsRemote(run, () => body.fn(...values)), body.name, resolve, reject);
    });
  } catch (error) {
    return failed({ kind: 'threw', thrown: serializeThrown(error) });
  }
  // Encoded so that what structured clone would change (a class instance, say) survives.
  const encodedValue = encodeValue(body.returns, value);
  if (encodedValue !== undefined) return { v: PROTOCOL_VERSION, ok: true, value: encodedValue.value, encoded: true };
  const problem = findNotCloneable(value);
  if (problem !== undefined) return failed({ kind: 'not-cloneable', path: problem.path, what: problem.what });
  return { v: PROTOCOL_VERSION, ok: true, value, encoded: false };
}

/**
 * Runs one job. Takes the raw message (decoded here) and resolves to a response; never rejects.
 */
export default async function runJob(message: unknown): Promise<Response> {
  try {
    const request = RequestC.decode(message);
    if (request._tag === 'Left') {
      return failed({ kind: 'protocol', message: `a worker thread got a message it cannot read: ${describeWireErrors(request.left)}` });
    }
    const { module: moduleUrl, name, args, encoded, run } = request.right;
    const found = await lookup(moduleUrl, name);
    if (!found.ok) return failed({ kind: 'not-found', reason: found.reason, message: found.message });
    const response = await runBody(found.body, args, encoded, run);
    return response;
  } catch (error) {
    // A codec that throws, an Observable body (not supported here), anything else unexpected.
    return failed({ kind: 'threw', thrown: serializeThrown(error) });
  }
}
