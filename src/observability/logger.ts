import type { LogLevel } from '../config.js';

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export type LogContext = Record<string, unknown>;

export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
  child(name: string): Logger;
}

export type LogSink = (line: string) => void;

/**
 * JSON lines in the seed's format: timestamp, level, logger, message, then context fields.
 * Context never overwrites the four fixed fields, so a stray `message` key cannot forge a line.
 */
export function createLogger(options: {
  level: LogLevel;
  name?: string;
  sink?: LogSink;
  now?: () => Date;
  /** Applied to every line before it is written: no secret reaches the logs. */
  redact?: (text: string) => string;
}): Logger {
  const redact = options.redact ?? ((text: string) => text);
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const threshold = LEVEL_RANK[options.level];

  const make = (name: string): Logger => {
    const write = (level: LogLevel, message: string, context?: LogContext): void => {
      if (LEVEL_RANK[level] < threshold) return;
      const line: Record<string, unknown> = { timestamp: now().toISOString(), level, logger: name, message };
      for (const [key, value] of Object.entries(context ?? {})) {
        if (!(key in line)) line[key] = value;
      }
      sink(redact(JSON.stringify(line, errorReplacer)));
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

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
