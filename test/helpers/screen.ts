/**
 * A tiny terminal for tests: feeds it what a program wrote to a terminal (text, CR/LF, and the
 * cursor and erase sequences readline and cli-progress use) and reads back the screen's lines,
 * as a person would see them. Enough to tell a bar that garbled a line from one that did not.
 */
export class Screen {
  private readonly lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** Everything fed, as written. */
  raw = '';

  feed(text: string): void {
    this.raw += text;
    // eslint-disable-next-line no-control-regex
    const tokens = text.match(/\x1b\[[?]?[0-9;]*[A-Za-z]|\x1b[78]|[\s\S]/gu) ?? [];
    for (const token of tokens) this.apply(token);
  }

  /** The screen, one string per line, without trailing blanks; trailing empty lines dropped. */
  text(): string[] {
    const out = this.lines.map((line) => line.map((c) => c || ' ').join('').trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  private line(): string[] {
    while (this.lines.length <= this.row) this.lines.push([]);
    return this.lines[this.row] as string[];
  }

  private apply(token: string): void {
    if (token === '\n') {
      this.row++;
      this.col = 0; // the pty's onlcr, and what a test's fake stream means by a newline
      this.line();
      return;
    }
    if (token === '\r') {
      this.col = 0;
      return;
    }
    if (!token.startsWith('\x1b')) {
      const line = this.line();
      while (line.length < this.col) line.push(' ');
      line[this.col++] = token;
      return;
    }
    // eslint-disable-next-line no-control-regex
    const match = /^\x1b\[([?]?)([0-9;]*)([A-Za-z])$/u.exec(token);
    if (match === null || match[1] === '?') return; // cursor save/restore, modes: no effect on text
    const n = match[2] === '' ? undefined : Number(match[2]);
    switch (match[3]) {
      case 'A':
        this.row = Math.max(0, this.row - (n ?? 1));
        return;
      case 'B':
        this.row += n ?? 1;
        this.line();
        return;
      case 'C':
        this.col += n ?? 1;
        return;
      case 'D':
        this.col = Math.max(0, this.col - (n ?? 1));
        return;
      case 'G':
        this.col = (n ?? 1) - 1;
        return;
      case 'K': {
        const line = this.line();
        if ((n ?? 0) === 0) line.length = Math.min(line.length, this.col);
        else if (n === 1) for (let i = 0; i <= this.col && i < line.length; i++) line[i] = ' ';
        else line.length = 0;
        return;
      }
      case 'J':
        if ((n ?? 0) === 0) {
          const line = this.line();
          line.length = Math.min(line.length, this.col);
          this.lines.length = this.row + 1;
        }
        return;
      default:
        return; // colours and the like
    }
  }
}
