import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Credentials are never logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'glance-ts' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers["x-auth-token"]', 'req.headers.authorization', 'headers["x-auth-token"]', 'headers.authorization'], remove: true },
  });
}
