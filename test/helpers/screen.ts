import { Writable } from 'node:stream';

/**
 * A terminal stand-in for tests of what a user sees: a Writable that says it is a TTY and keeps a screen of
 * lines, applying the cursor and erase sequences Node's readline writes (cursorTo, moveCursor, clearLine,
 * clearScreenDown). Text overwrites the cells under the cursor, as on a real terminal.
 */
export class Screen extends Writable {
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows: string[] = [''];
  private row = 0;
  private col = 0;

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.apply(chunk.toString());
    done();
  }

  /** The screen's lines, trailing spaces and empty last lines removed. */
  lines(): string[] {
    const out = this.rows.map((r) => r.replace(/\s+$/, ''));
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  private apply(text: string): void {
    // eslint-disable-next-line no-control-regex
    const tokens = text.match(/\x1b\[[?]?[0-9;]*[A-Za-z]|\x1b[78]|\r|\n|[^\x1b\r\n]+/g) ?? [];
    for (const token of tokens) {
      if (token === '\n') this.moveTo(this.row + 1, 0);
      else if (token === '\r') this.col = 0;
      else if (token === '\x1b7' || token === '\x1b8' || token.startsWith('\x1b[?')) continue;
      else if (token.startsWith('\x1b[')) this.control(token);
      else this.print(token);
    }
  }

  private control(token: string): void {
    const n = Number(token.slice(2, -1) || '0');
    switch (token.at(-1)) {
      case 'G': return void (this.col = Math.max(0, n - 1));
      case 'A': return this.moveTo(Math.max(0, this.row - (n || 1)), this.col);
      case 'B': return this.moveTo(this.row + (n || 1), this.col);
      case 'C': return void (this.col += n || 1);
      case 'D': return void (this.col = Math.max(0, this.col - (n || 1)));
      case 'K':
        if (n === 2) this.rows[this.row] = '';
        else if (n === 0) this.rows[this.row] = this.rows[this.row].slice(0, this.col);
        else this.rows[this.row] = ' '.repeat(this.col) + this.rows[this.row].slice(this.col);
        return;
      case 'J':
        this.rows[this.row] = this.rows[this.row].slice(0, this.col);
        this.rows.length = this.row + 1;
        return;
      case 'm': return; // colours
      default: throw new Error(`Screen: unsupported sequence ${JSON.stringify(token)}`);
    }
  }

  private moveTo(row: number, col: number): void {
    while (this.rows.length <= row) this.rows.push('');
    this.row = row;
    this.col = col;
  }

  private print(text: string): void {
    const line = this.rows[this.row].padEnd(this.col);
    this.rows[this.row] = line.slice(0, this.col) + text + line.slice(this.col + text.length);
    this.col += text.length;
  }
}
