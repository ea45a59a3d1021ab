/**
 * Keeps passwords out of error messages: a Redis URL's password becomes `***`, and an error's
 * message, stack, fields and causes lose the passwords they quote.
 *
 * @internal
 */
import { inspect } from 'node:util';

/** `url` with its password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.href;
  } catch {
    // Not a URL a parser accepts: keep only what follows the last '@', where a host would be.
    const at = url.lastIndexOf('@');
    return at < 0 ? url : `***@${url.slice(at + 1)}`;
  }
}

/** The password of a URL, in the forms it may be quoted in (as written, and decoded). */
export function urlSecrets(url: string): string[] {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    // Not a URL a parser accepts: the user info is between '//' and the last '@', and its
    // password after its first ':' (without one, take it all).
    const at = url.lastIndexOf('@');
    const start = url.indexOf('//') + 2;
    const userinfo = at < 0 ? '' : url.slice(start > 1 && start <= at ? start : 0, at);
    password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : userinfo;
  }
  return password === '' ? [] : [password, safeDecode(password)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape: the text as written is the only form it can be quoted in.
    return text;
  }
}

/** `text` without any of `secrets`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('***');
  return out;
}

function mentions(value: unknown, secrets: readonly string[]): boolean {
  if (value === null || (typeof value !== 'string' && typeof value !== 'object')) return false;
  // An object field (ioredis' `command: { name, args }`, whose args hold AUTH's password) is
  // looked at as inspect shows it, hidden fields too (node-postgres' pool hangs the client it lost
  // on its error, and the client keeps the password in a field hidden from a plain inspect).
  const text = typeof value === 'string' ? value : inspect(value, { depth: 4, showHidden: true });
  return secrets.some((secret) => secret !== '' && text.includes(secret));
}

/**
 * `cause`, or a copy of it without `secrets` when its message, stack, fields or causes quote one
 * (Node's URL errors carry the whole URL as `input`). The copy keeps the name, the message,
 * stack and string fields scrubbed, and the other fields that quote none.
 */
export function scrubCause(cause: unknown, secrets: readonly string[], depth = 0): unknown {
  if (secrets.length === 0 || depth > 8) return cause;
  if (!(cause instanceof Error)) return mentions(String(cause), secrets) ? scrub(String(cause), secrets) : cause;
  const inner = cause.cause === undefined ? undefined : scrubCause(cause.cause, secrets, depth + 1);
  const fields = Object.entries(cause as object as Record<string, unknown>).filter(([name]) => name !== 'cause');
  const quoted = mentions(cause.message, secrets) || mentions(cause.stack, secrets) || fields.some(([, value]) => mentions(value, secrets));
  if (!quoted && inner === cause.cause) return cause;
  const copy = new Error(scrub(cause.message, secrets), inner === undefined ? undefined : { cause: inner });
  copy.name = cause.name;
  copy.stack = cause.stack === undefined ? undefined : scrub(cause.stack, secrets);
  for (const [name, value] of fields) {
    if (typeof value === 'string') Object.assign(copy, { [name]: scrub(value, secrets) });
    else if (!mentions(value, secrets)) Object.assign(copy, { [name]: value });
  }
  return copy;
}

/**
 * The passwords that a cause (or a cause of it) holds as the arguments of the command it answers:
 * ioredis' errors carry that command (`command: { name, args }`), and the arguments of `AUTH`
 * (`[username,] password`) and `HELLO` (`3 AUTH username password`) end with the password.
 */
export function commandSecrets(cause: unknown, depth = 0): string[] {
  if (!(cause instanceof Error) || depth > 8) return [];
  const found = commandSecrets(cause.cause, depth + 1);
  const command = (cause as { command?: unknown }).command;
  if (typeof command !== 'object' || command === null) return found;
  const { name, args } = command as { name?: unknown; args?: unknown };
  if (typeof name !== 'string' || !Array.isArray(args)) return found;
  const words = args.map((arg: unknown) => (typeof arg === 'string' ? arg : Buffer.isBuffer(arg) ? arg.toString() : String(arg)));
  let password: string | undefined;
  if (name.toLowerCase() === 'auth') password = words.at(-1);
  if (name.toLowerCase() === 'hello') {
    const auth = words.findIndex((word) => word.toUpperCase() === 'AUTH');
    if (auth >= 0) password = words[auth + 2];
  }
  if (password !== undefined && password !== '') found.push(password);
  return found;
}

/** The text of a cause, for a message: its message if it is an Error. */
export function causeText(cause: unknown, secrets: readonly string[]): string {
  return scrub(cause instanceof Error ? cause.message : String(cause), secrets);
}
