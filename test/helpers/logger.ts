import type { Logger } from '../../src/runtime/logger.js';

/** A log record captured by {@link captureLogger}. */
export interface Captured {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg?: string;
  fields: Record<string, unknown>;
}

/** A Logger that records every call (bindings merged into fields), for asserting on logs. */
export function captureLogger(records: Captured[] = [], bindings: Record<string, unknown> = {}): Logger & { records: Captured[] } {
  const at = (level: Captured['level']) => (obj: object, msg?: string) => records.push({ level, msg, fields: { ...bindings, ...obj } });
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(records, { ...bindings, ...more }),
  };
}
