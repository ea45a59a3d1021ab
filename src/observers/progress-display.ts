/**
 * Progress bars on a terminal, drawn by cli-progress (one MultiBar per terminal, so a flow's bar
 * and a map's bar stack instead of fighting over a line). While a bar is shown, whatever else is
 * written to the terminal goes through here: the bars are cleared, the text is written to its own
 * stream, and the bars are redrawn under it, so task output never lands in the middle of a bar.
 *
 * @module
 * @internal
 */
import { createRequire } from 'node:module';
import type * as Readline from 'node:readline';
import type * as CliProgress from 'cli-progress';

/** The part of a `process.stdout`-like stream that progress output uses. @internal */
export interface OutputStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write: NodeJS.WriteStream['write'];
}

/** The streams a display draws on (stderr) and keeps clear of (stderr, and stdout when it is a terminal). @internal */
export interface ProgressStreams {
  readonly stderr: OutputStream;
  readonly stdout: OutputStream;
}

/** One line's text for a terminal `width` columns wide. @internal */
export type LineText = (width: number) => string;

/** A bar on a display. @internal */
export interface ShownBar {
  /** Takes the bar off; `finalLine`, if given, is printed in its place and stays. */
  close(finalLine?: LineText): void;
}

type RawWrite = (text: string) => void;

const requireCjs = createRequire(import.meta.url);
let cliProgressModule: typeof CliProgress | undefined;

/**
 * cli-progress (and readline, ~1 ms) are loaded on the first bar: most processes, and every
 * worker thread that imports sluice, never show one.
 */
function cliProgress(): typeof CliProgress {
  return (cliProgressModule ??= requireCjs('cli-progress') as typeof CliProgress);
}

function decode(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') {
    return typeof encoding === 'string' && !/^utf-?8$/i.test(encoding) ? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8') : chunk;
  }
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return String(chunk);
}

/** The bars of one terminal, and the interception of its output while any bar is shown. */
class BarDisplay {
  private multibar: CliProgress.MultiBar | undefined;
  private bars = 0;
  /** Whole lines written while bars were shown, waiting for the next redraw (which is at once). */
  private readonly pending: { write: RawWrite; text: string }[] = [];
  /** Each intercepted stream's unfinished last line: it is printed once its newline comes. */
  private readonly partial = new Map<OutputStream, { write: RawWrite; text: string }>();
  private readonly restores: (() => void)[] = [];
  private rawErr: RawWrite = () => undefined;

  constructor(private readonly streams: ProgressStreams) {}

  add(line: LineText): ShownBar {
    const multibar = (this.multibar ??= this.open());
    const bar = multibar.create(0, 0, undefined, { format: (_options, params) => line(params.maxWidth) });
    this.bars++;
    // Drawn at once, not a frame later, so the bar is there from the moment it is shown.
    multibar.update();
    let closed = false;
    return {
      close: (finalLine) => {
        if (closed) return;
        closed = true;
        this.close(multibar, bar, finalLine);
      },
    };
  }

  private open(): CliProgress.MultiBar {
    const { stderr, stdout } = this.streams;
    const rawErr = this.intercept(stderr);
    this.rawErr = rawErr;
    // stdout is only in the way when it is on a terminal too; a pipe or a file is left alone.
    if (stdout.isTTY === true && stdout !== stderr) this.intercept(stdout);
    // cli-progress writes through the real stderr `write`, not the intercepted one.
    const out = {
      isTTY: true,
      get columns(): number | undefined {
        return stderr.columns;
      },
      write: (text: string): boolean => {
        rawErr(text);
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const multibar = new (cliProgress().MultiBar)({
      stream: out,
      fps: 10,
      // Bars are redrawn even when unchanged: text printed above them moves them down a line.
      forceRedraw: true,
      // Long task output wraps as usual (cli-progress would otherwise turn wrapping off); the
      // bar's own line is fitted to the width.
      linewrap: true,
      clearOnComplete: true,
      hideCursor: false,
      gracefulExit: false,
    });
    // Called with the cursor at the start of the first bar line: the waiting text takes the
    // bars' place, and the bars are drawn again below it.
    // A process that ends with a bar shown (its flow never settled) leaves the bar's line as it
    // is, and the shell's prompt below it.
    const onExit = (): void => {
      rawErr('\n');
    };
    process.once('exit', onExit);
    this.restores.push(() => process.removeListener('exit', onExit));
    // Ctrl-C ends the process without 'exit' handlers, unless the program listens for SIGINT
    // itself. When nobody else does, the bar gives its line back first (so the shell's prompt
    // starts on a line of its own), then the signal is raised again and ends the process as usual.
    const onSigint = (): void => {
      if (process.listenerCount('SIGINT') > 1) return;
      process.removeListener('SIGINT', onSigint);
      process.removeListener('exit', onExit);
      rawErr('\n');
      process.kill(process.pid, 'SIGINT');
    };
    process.on('SIGINT', onSigint);
    this.restores.push(() => process.removeListener('SIGINT', onSigint));
    const { clearScreenDown } = requireCjs('node:readline') as typeof Readline;
    // A bar must not keep the process alive: cli-progress re-arms its redraw timer (a plain
    // setTimeout, its `timer` field) on every update, and it is let go of each time.
    multibar.on('update-post', () => {
      (multibar as unknown as { timer?: { unref?: () => void } | null }).timer?.unref?.();
    });
    multibar.on('redraw-pre', () => {
      if (this.pending.length === 0) return;
      clearScreenDown(out);
      for (const { write, text } of this.pending.splice(0)) write(text);
    });
    return multibar;
  }

  /** Routes `stream`'s writes through the display; returns the real write. */
  private intercept(stream: OutputStream): RawWrite {
    const own = Object.prototype.hasOwnProperty.call(stream, 'write');
    const original = stream.write;
    const raw: RawWrite = (text) => {
      original.call(stream, text);
    };
    const patched = ((chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      this.take(stream, raw, decode(chunk, encodingOrCallback));
      if (typeof done === 'function') process.nextTick(done);
      return true;
    }) as OutputStream['write'];
    stream.write = patched;
    this.restores.push(() => {
      // Someone who wrapped `write` after us keeps their wrapper (ours then passes text through).
      if (stream.write !== patched) return;
      if (own) stream.write = original;
      else delete (stream as { write?: unknown }).write;
    });
    return raw;
  }

  /** Text written while bars are shown: whole lines are printed above the bars at once. */
  private take(stream: OutputStream, raw: RawWrite, text: string): void {
    const multibar = this.multibar;
    if (multibar === undefined) {
      raw(text);
      return;
    }
    const held = (this.partial.get(stream)?.text ?? '') + text;
    const end = held.lastIndexOf('\n');
    if (end < 0) {
      this.partial.set(stream, { write: raw, text: held });
      return;
    }
    this.partial.delete(stream);
    if (end < held.length - 1) this.partial.set(stream, { write: raw, text: held.slice(end + 1) });
    this.pending.push({ write: raw, text: held.slice(0, end + 1) });
    multibar.update();
  }

  private close(multibar: CliProgress.MultiBar, bar: CliProgress.SingleBar, finalLine: LineText | undefined): void {
    if (finalLine !== undefined) this.pending.push({ write: this.rawErr, text: `${finalLine(this.streams.stderr.columns || 80)}\n` });
    // Redraws without the bar: the final line is printed where the bars were, above the others.
    multibar.remove(bar);
    if (--this.bars > 0) return;
    multibar.stop();
    this.multibar = undefined;
    for (const restore of this.restores.splice(0)) restore();
    // A last line that never got its newline is printed as it is, now that nothing redraws.
    for (const { write, text } of this.partial.values()) write(text);
    this.partial.clear();
  }
}

const displays = new WeakMap<OutputStream, BarDisplay>();

/** The display of the terminal behind `streams.stderr` (one per stream, shared by every bar on it). @internal */
export function displayFor(streams: ProgressStreams): BarDisplay {
  let display = displays.get(streams.stderr);
  if (display === undefined) {
    display = new BarDisplay(streams);
    displays.set(streams.stderr, display);
  }
  return display;
}
