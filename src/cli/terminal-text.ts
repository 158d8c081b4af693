/**
 * Text about to be printed to a terminal, with every control character escaped: C0 controls (ESC starts
 * colour and cursor sequences), DEL, C1 controls, line/paragraph separators and bidirectional overrides
 * (which reorder what the reader sees). Column names, file names and values in error messages come from
 * user files, so a name like "a\x1b[2J" must not clear the screen. Tabs and newlines are escaped too
 * (`\t`, `\n`), so one message stays on one line; use {@link terminalLines} for multi-line output.
 * JSON output needs none of this: JSON.stringify escapes controls itself.
 */
export function terminalText(text: string): string {
  return text.replace(CONTROL, escape);
}

/** Multi-line output (a table, a summary) with each line escaped as by {@link terminalText}. */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(ch: string): string {
  if (Object.hasOwn(NAMED, ch)) return NAMED[ch];
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
