/**
 * Text from elsewhere (a task's name, a job's name, an error's message) made safe to print on one
 * line: a line break or a terminal escape in it would forge log lines or recolour the terminal
 * (log injection). Control characters are escaped as JSON escapes them.
 *
 * @module
 * @internal
 */

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with its control characters escaped (`\n`, `\u001b`), for one log line. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
