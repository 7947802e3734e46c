// pino root logger; modules take a child with their name so every line says where it came from.
import { pino, type Logger } from 'pino';
import { redactUrl, redactUrlsInText } from './redact-url.ts';

export type { Logger };

const asShown = (value: unknown): unknown => (typeof value === 'string' ? redactUrl(value) : value);
const textShown = (value: unknown): unknown => (typeof value === 'string' ? redactUrlsInText(value) : value);

/**
 * Errors as pino writes them, with URLs in the message and stack redacted, and without an HTTP
 * client's request settings (axios keeps basic-auth credentials in `config`).
 */
function errShown(err: Error): unknown {
  const out: Record<string, unknown> = { ...pino.stdSerializers.err(err) };
  for (const key of ['config', 'request', 'response', 'original']) delete out[key];
  for (const key of ['message', 'stack']) out[key] = textShown(out[key]);
  return out;
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({
    level,
    base: { app: 'vigil' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A URL that may carry credentials (PROMETHEUS_URL, a Docker endpoint…) is logged under one of
    // these keys; the sources log it redacted already, this keeps a slip from reaching the log.
    serializers: { url: asShown, endpoint: asShown, host: asShown, detail: textShown, reason: textShown, err: errShown },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  }, destination ?? process.stdout);
}
