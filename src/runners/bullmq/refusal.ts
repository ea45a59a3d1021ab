/**
 * Commands Redis answered with an error (a `NOPERM` of its ACL, an `OOM`, ...), as opposed to a
 * connection that is down: the runner and the worker degrade on them (outcomes only through
 * look-ups, cancels that never arrive), so each is said once, naming the key and Redis' words.
 *
 * @module
 * @internal
 */

/** What ioredis attaches to the error of a command Redis answered with an error. */
interface ReplyErrorLike {
  readonly name: string;
  readonly message: string;
  readonly command?: { readonly name?: unknown; readonly args?: unknown };
}

/**
 * A refused command: Redis answered, with an error. Connection errors (refused, reset, closed) are
 * not: they are the connection watchers' to report, and pass by as `undefined`.
 */
export interface Refusal {
  /** The command, as `XREAD` or `CLIENT SETNAME`, when ioredis says which. */
  readonly command: string | undefined;
  /** Redis' first word: `NOPERM`, `OOM`, `ERR`, ... */
  readonly kind: string;
  /** Redis' own words. */
  readonly text: string;
}

/** The refusal an error stands for, or `undefined` for an error that is not Redis answering. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const reply = error as ReplyErrorLike;
  // Its arguments are the job's data or a script's: only the name (and a CLIENT subcommand) is said.
  const name = typeof reply.command?.name === 'string' ? reply.command.name.toUpperCase() : undefined;
  const args = Array.isArray(reply.command?.args) ? (reply.command.args as unknown[]) : [];
  const sub = name === 'CLIENT' && typeof args[0] === 'string' ? ` ${args[0].toUpperCase()}` : '';
  // A script relays the error of the command it called, after words of its own.
  const denied = /NOPERM[^\n]*/.exec(reply.message)?.[0];
  const text = (denied ?? reply.message).trim();
  return { command: name === undefined ? undefined : `${name}${sub}`, kind: /^[A-Z]+/.exec(text)?.[0] ?? 'ERR', text };
}

/** The key pattern of an ACL (`~<pattern>`) that covers a key of a queue: its stream's, or the queue's own. */
function patternOf(key: string): string {
  const colon = key.lastIndexOf(':');
  return colon < 0 ? key : `${key.slice(0, colon)}:*`;
}

/**
 * One line for a refused command: what was refused on which key, Redis' words, what it costs,
 * and for a `NOPERM` what the user's ACL needs.
 */
export function describeRefusal(refusal: Refusal, key: string, consequence: string): string {
  const what = `Redis refused ${refusal.command ?? 'a command'} on key "${key}": ${refusal.text}`;
  const fix =
    refusal.kind === 'NOPERM'
      ? ` Give this connection's Redis user the keys ~${patternOf(key)} and the commands that sluice's documentation lists (docs/runners.md, "Running on many machines").`
      : '';
  return `${what}. ${consequence}.${fix}`;
}
