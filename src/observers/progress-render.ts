/**
 * A progress snapshot as one line of text, e.g.
 * `evaluate ████████░░░░ 120/300 done · 3 failed · 16 running · 41/s · ETA 4s`. Pure: no terminal
 * here (cli-progress draws the line), so the text is tested on its own.
 *
 * @module
 * @internal
 */
import type { ProgressSnapshot } from './progress-model.js';

const FILLED = '█';
const EMPTY = '░';
/** A wider bar tells nothing more and leaves less room for the counts. */
const MAX_BAR = 24;
/** Narrower than this, a bar is noise: the line goes without it. */
const MIN_BAR = 6;

/** A duration as `4s`, `2m05s` or `1h02m`. @internal */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Runs per second as `0.5/s`, `41/s` or `12.3k/s`. @internal */
export function formatRate(perSecond: number): string {
  if (perSecond < 10) return `${perSecond.toFixed(1)}/s`;
  if (perSecond < 1000) return `${Math.round(perSecond)}/s`;
  return `${(perSecond / 1000).toFixed(1)}k/s`;
}

/** The counts, rate and ETA (or, once finished, how long it took). */
function stats(s: ProgressSnapshot): string {
  const parts = [`${s.done}/${s.total} done`, `${s.failed} failed`];
  if (s.cancelled > 0) parts.push(`${s.cancelled} cancelled`);
  if (!s.finished) parts.push(`${s.running} running`);
  if (s.rate !== undefined) parts.push(formatRate(s.rate));
  if (s.finished) parts.push(`took ${formatDuration(s.elapsed)}`);
  else if (s.eta !== undefined) parts.push(`ETA ${formatDuration(s.eta)}`);
  return parts.join(' · ');
}

function bar(s: ProgressSnapshot, size: number): string {
  // Cancelled runs did no work: a cancelled flow's bar shows how far it got, not a full bar.
  const fraction = s.total > 0 ? Math.min(1, (s.done + s.failed) / s.total) : 0;
  // Floor: the bar is full only when every run has run.
  const filled = Math.floor(fraction * size);
  return FILLED.repeat(filled) + EMPTY.repeat(size - filled);
}

/**
 * The line for `s`, at most `width - 1` characters (the last column is left free, so a terminal
 * never wraps the line). `withBar: false` gives the plain line written when stderr is not a
 * terminal.
 *
 * @internal
 */
export function renderProgressLine(s: ProgressSnapshot, width: number, withBar = true): string {
  const max = Math.max(1, width - 1);
  const text = stats(s);
  const room = max - s.label.length - text.length - 2;
  const line = withBar && room >= MIN_BAR ? `${s.label} ${bar(s, Math.min(MAX_BAR, room))} ${text}` : `${s.label} ${text}`;
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
