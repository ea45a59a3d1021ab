/**
 * The CPU a PostgreSQL server spends, from /proc (Linux): PostgreSQL has no counter of its own
 * like Redis' `INFO cpu`, and its work is spread over processes (a backend per connection, the
 * background writers), all children of the postmaster.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_S = 100;

/** A process's /proc stat fields after its name, or undefined when it is gone. */
function stat(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces: the fields start after its last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU time, ms, spent so far by the postmaster `pid`, its live children (backends,
 * background processes) and the children it has reaped (a backend whose connection closed): the
 * difference of two readings is the server's CPU in between. undefined without /proc or that process.
 */
export function postgresCpuMs(pid: number): number | undefined {
  // Fields from the third (state): ppid is 4th, utime 14th, stime 15th, cutime 16th, cstime 17th.
  const own = stat(String(pid));
  if (own === undefined) return undefined;
  const ticks = (fields: readonly string[], from: number, to: number): number => {
    let sum = 0;
    for (let i = from; i <= to; i++) sum += Number(fields[i - 3]);
    return sum;
  };
  let total = ticks(own, 14, 17);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(entry);
    if (fields !== undefined && Number(fields[1]) === pid) total += ticks(fields, 14, 15);
  }
  return (total * 1000) / TICKS_PER_S;
}
