/**
 * The human form of one log event: the message, then its fields as `key=value`, on one line. A terminal
 * user reads a sentence; the JSON form (logger.ts) keeps every field for machines.
 */

/** Fields pino adds to every event, and the ones the line renders itself. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'err', 'error']);

/** `msg key=value …`, errors as `CODE: message`; the stack only when `withStack` (debug level). */
export function humanLine(event: Record<string, unknown>, withStack: boolean): string {
  const parts: string[] = [];
  if (typeof event.msg === 'string' && event.msg !== '') parts.push(event.msg);
  for (const [key, value] of Object.entries(event)) {
    if (!HIDDEN.has(key) && value !== undefined) parts.push(`${key}=${showField(value)}`);
  }
  const error = (event.err ?? event.error) as { message?: unknown; code?: unknown; stack?: unknown } | undefined;
  if (error !== undefined && error !== null) {
    const code = typeof error.code === 'string' ? `${error.code}: ` : '';
    parts.push(`(${code}${oneLine(String(error.message ?? error))})`);
    if (withStack && typeof error.stack === 'string') parts.push(`\n${error.stack}`);
  }
  return parts.join(' ');
}

function showField(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}
