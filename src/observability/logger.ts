import pino, { type DestinationStream } from 'pino';
import type { LogLevel } from '../config.js';

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
const PINO_LEVEL: Record<LogLevel, 'debug' | 'info' | 'warn' | 'error'> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

const FIXED_FIELDS = new Set(['timestamp', 'level', 'logger', 'message']);

export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
  child(name: string): Logger;
}

/** Receives each line without its newline, synchronously (tests collect lines with it). */
export type LogSink = (line: string) => void;

/**
 * JSON lines in the documented log format: timestamp, level, logger, message, then context fields.
 * Context never overwrites the four fixed fields, so a stray `message` key cannot forge a line.
 *
 * Written by pino: by default to stdout through sonic-boom, asynchronously (a request never
 * waits for the disk or the pipe), flushed when the process exits. Pino puts its level and
 * time first and its child bindings before the line's own fields, so both are switched off
 * and the four fixed fields are written as the first fields of each line instead: log readers
 * rely on that order.
 */
/**
 * A log reader that stops reading (a stalled pipe, a paused terminal) must neither grow the
 * server's memory without bound nor keep it from exiting: past this much buffered output, lines
 * are dropped; and once `limitLogFlushAtExit` is called, the final flush gives up after its deadline
 * (pino flushes synchronously at exit, retrying a full pipe forever otherwise).
 */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;
let exitDeadline: number | null = null;

export function limitLogFlushAtExit(ms: number): void {
  exitDeadline = Date.now() + ms;
}

export function createLogger(options: {
  level: LogLevel;
  name?: string;
  sink?: LogSink;
  now?: () => Date;
  /** Applied to every line before it is written: no secret reaches the logs. */
  redact?: (text: string) => string;
}): Logger {
  const threshold = LEVEL_RANK[options.level];
  const now = options.now ?? (() => new Date());
  const redact = options.redact;
  const sink = options.sink;
  const destination: DestinationStream = sink
    ? { write: (line: string) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES, retryEAGAIN: () => exitDeadline === null || Date.now() < exitDeadline });
  const base = pino(
    {
      level: PINO_LEVEL[options.level],
      base: null,
      // Pino writes `{` + level + time + bindings + fields; level renders as nothing here, time
      // as the first field, and the line's own `level` comes first among the fields.
      formatters: { level: () => ({}) },
      timestamp: () => `"timestamp":"${now().toISOString()}"`,
      ...(redact ? { hooks: { streamWrite: redact } } : {}),
    },
    destination,
  );

  const make = (name: string): Logger => {
    const write = (level: LogLevel, message: string, context?: LogContext): void => {
      if (LEVEL_RANK[level] < threshold) return;
      const line: Record<string, unknown> = { level, logger: name, message };
      if (context !== undefined) {
        for (const key in context) {
          if (!FIXED_FIELDS.has(key) && Object.prototype.hasOwnProperty.call(context, key)) line[key] = withPlainErrors(context[key]);
        }
      }
      base[PINO_LEVEL[level]](line);
    };
    return {
      debug: (m, c) => write('DEBUG', m, c),
      info: (m, c) => write('INFO', m, c),
      warn: (m, c) => write('WARN', m, c),
      error: (m, c) => write('ERROR', m, c),
      child: (suffix) => make(`${name}.${suffix}`),
    };
  };
  return make(options.name ?? 'claude_code_server');
}

/**
 * Errors become `{name, message}` wherever they sit in a context value (a stack would leak
 * paths and bloat lines). Values without an Error inside are returned as they are, uncopied.
 */
function withPlainErrors(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) {
    const items = value.map(withPlainErrors);
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const plain = withPlainErrors(item);
    if (plain !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = plain;
  }
  return copy ?? value;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
