/**
 * The run logger (`getRunContext().logger`, Prefect's `get_run_logger()`): lines tagged with the
 * flow's and the run's names, to the console by default or to a logger of the user's (pino, or
 * anything with pino's methods).
 *
 * @module
 */

/**
 * A log method as pino has it: a message, or an object of fields then a message.
 *
 * @example
 * ```ts
 * import { getRunContext, type LogFn } from 'sluice';
 * const info: LogFn = getRunContext().logger.info;
 * info({ rows: 120 }, 'loaded');
 * ```
 */
export interface LogFn {
  (message: string, ...args: unknown[]): void;
  (fields: object, message?: string, ...args: unknown[]): void;
}

/**
 * A logger sluice can write to: pino's interface (a pino logger fits as it is). `child`, when
 * present, is used to bind the run's fields once per run.
 *
 * @example
 * ```ts
 * import { flow, type Logger } from 'sluice';
 * const lines: string[] = [];
 * const logger: Logger = { info: (...a: unknown[]) => void lines.push(JSON.stringify(a)), warn: console.warn, error: console.error, debug: () => undefined };
 * const etl = flow({ name: 'etl', logger }, async () => 1);
 * ```
 */
export interface Logger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
  /** A logger that adds `bindings` to every line (pino's `child`). */
  child?(bindings: Readonly<Record<string, unknown>>): Logger;
}

/**
 * The fields a run's logger binds to every line (its `child(fields)`, or merged into each line).
 *
 * @example
 * ```ts
 * import type { RunLogFields } from 'sluice';
 * const tag = (f: RunLogFields): string => `${f.flowName}/${f.runName}#${f.attempt}`;
 * ```
 */
export interface RunLogFields {
  readonly flowName: string;
  readonly flowRunId: string;
  readonly taskName: string;
  readonly runName: string;
  readonly runId: string;
  readonly attempt: number;
}

/** The fields of a flow function's own lines (its prints, with `logPrints`). @internal */
export interface FlowLogFields {
  readonly flowName: string;
  readonly flowRunId: string;
}

type Level = 'info' | 'warn' | 'error' | 'debug';

function clock(): string {
  const now = new Date();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}

function formatArgs(first: unknown, rest: readonly unknown[]): string {
  if (typeof first === 'string') return rest.length === 0 ? first : `${first} ${rest.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`;
  const [message, ...more] = rest;
  const fields = (() => {
    try {
      return JSON.stringify(first);
    } catch {
      return String(first);
    }
  })();
  return [typeof message === 'string' ? message : undefined, fields, ...more.map((arg) => String(arg))].filter((part) => part !== undefined).join(' ');
}

/** A console logger for one run, `12:00:01.123 INFO  [flow / run] message`, or a flow's own, `[flow]`. */
function consoleLogger(fields: RunLogFields | FlowLogFields): Logger {
  const tag = 'runName' in fields ? `[${fields.flowName} / ${fields.runName}]` : `[${fields.flowName}]`;
  const at =
    (level: Level): LogFn =>
    (first: unknown, ...rest: unknown[]) => {
      const line = `${clock()} ${level.toUpperCase().padEnd(5)} ${tag} ${formatArgs(first, rest)}`;
      // console.info/debug go to stdout, warn/error to stderr, as the console's methods do.
      console[level](line);
    };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** The logger of one run (or of a flow's function): the flow's logger with the fields bound, or the console's. @internal */
export function runLogger(base: Logger | undefined, fields: RunLogFields | FlowLogFields): Logger {
  if (base === undefined) return consoleLogger(fields);
  if (typeof base.child === 'function') return base.child({ ...fields });
  const at =
    (level: Level): LogFn =>
    (first: unknown, ...rest: unknown[]) => {
      if (typeof first === 'string') base[level]({ ...fields }, first, ...rest);
      else base[level]({ ...fields, ...(first as object) }, ...(rest as [string?, ...unknown[]]));
    };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** Checks a user's logger: the four methods must be functions. @internal */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['info', 'warn', 'error', 'debug'].every((method) => typeof candidate[method] === 'function');
}
