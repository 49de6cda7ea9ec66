// winston logger whose only format redacts at the edge: the message and every metadata field
// (child metadata included) are redacted before any transport sees the line.
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from './types.js';
import { createRedactor, redact, type RedactOptions, type Redactor } from './redact.js';

/** winston's npm levels, most to least severe. */
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lowest level written. Default 'info'. */
  level?: LogLevel;
  /** `service` field on every line. Default 'stream-actors'. */
  service?: string;
  /** Where JSON lines go. Default: stderr, so CLIs keep stdout for tables and `--json`. */
  stream?: Writable;
  /** Drop everything (tests that do not look at logs). Default false. */
  silent?: boolean;
  /** Extra redaction rules (more secret keys, patterns). */
  redact?: RedactOptions;
}

/** Defaults of `LoggerOptions`. */
export const DEFAULT_LOGGER_OPTIONS = Object.freeze({
  level: 'info' as LogLevel,
  service: 'stream-actors',
  silent: false,
});

// triple-beam's symbols are registered globally, so Symbol.for finds the ones winston uses.
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toJsonLine(line: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ timestamp: line.timestamp, level: line.level, message: '[unserializable log line]' });
  }
}

/**
 * The edge format: drops lines below the level before doing any work, then builds a fresh info
 * (never mutating the caller's objects) from redacted copies of message and metadata.
 */
function redactingJsonFormat(redactor: Redactor, isEnabled: (level: string) => boolean): winston.Logform.Format {
  return winston.format((info) => {
    const record = info as unknown as Record<string | symbol, unknown>;
    const level = String(record[LEVEL] ?? info.level);
    if (!isEnabled(level)) return false;
    const { level: _level, message, timestamp: _timestamp, ...meta } = info as Record<string, unknown>;
    const copied = redactor.redact(meta);
    const { service, ...rest } = isRecord(copied) ? copied : { meta: copied };
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level: info.level,
      message: typeof message === 'string' ? redactor.redactString(message) : redactor.redact(message),
      ...(service === undefined ? {} : { service }),
      ...rest,
    };
    return Object.assign(line, { [LEVEL]: record[LEVEL] ?? info.level, [MESSAGE]: toJsonLine(line) }) as unknown as winston.Logform.TransformableInfo;
  })();
}

/** Creates a JSON-lines logger (timestamp, level, message, service, metadata) that redacts everything it writes. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const redactor = createRedactor(opts.redact);
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) });
  // Bound after creation: the format asks the live logger, so a later `logger.level = ...` applies.
  let isEnabled: (level: string) => boolean = () => true;
  const logger = winston.createLogger({
    level: opts.level ?? DEFAULT_LOGGER_OPTIONS.level,
    levels: winston.config.npm.levels,
    silent: opts.silent ?? DEFAULT_LOGGER_OPTIONS.silent,
    defaultMeta: { service: opts.service ?? DEFAULT_LOGGER_OPTIONS.service },
    format: redactingJsonFormat(redactor, (level) => isEnabled(level)),
    transports: [transport],
    exitOnError: false,
  });
  isEnabled = (level) => logger.isLevelEnabled(level);
  return logger;
}

/**
 * `value` as text for a log line: redacted first, then cut to at most `maxChars` characters
 * (ending in '…' when cut). Redacting before cutting means a cut never leaves half a secret.
 */
export function truncateForLog(value: unknown, maxChars: number): string {
  const limit = Math.max(0, Math.floor(Number.isFinite(maxChars) ? maxChars : 0));
  // Each string is bounded by the limit too, so a huge value costs no more than its visible part.
  const redacted = redact(value, { maxStringLength: Math.max(limit, 1) });
  let text: string;
  if (typeof redacted === 'string') {
    text = redacted;
  } else {
    try {
      text = JSON.stringify(redacted, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(redacted);
    } catch {
      text = String(redacted);
    }
  }
  if (text.length <= limit) return text;
  return limit === 0 ? '' : `${text.slice(0, limit - 1)}…`;
}
