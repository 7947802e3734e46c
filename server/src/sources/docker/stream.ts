// Docker's /events body → parsed events, and the "seconds.nanos" cursor the API takes as `since`.
// timeNano exceeds 2^53, so it is lifted out of the text before JSON.parse can round it.
import { StringDecoder } from 'node:string_decoder';

const TIME_NANO = /"timeNano"\s*:\s*(\d{1,25})/g;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line of the stream → the event with `timeNano` as an exact decimal string; null when not JSON. */
export function parseEventLine(line: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  // Labels are strings, so an unquoted number after "timeNano": is the top-level field; the last one wins.
  const exact = [...line.matchAll(TIME_NANO)].at(-1)?.[1];
  if (exact !== undefined) parsed['timeNano'] = exact;
  return parsed;
}

/** An event's time as a cursor: "seconds.nanos" (what `since` accepts), exact. */
export function cursorOfEvent(event: Record<string, unknown>): string | undefined {
  const nano = event['timeNano'];
  if (typeof nano === 'string' && /^\d+$/.test(nano)) return nanosToCursor(BigInt(nano));
  const time = event['time'];
  if (typeof time === 'number' && Number.isInteger(time)) return `${time}.000000000`;
  return undefined;
}

export function nanosToCursor(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const rest = nanos % 1_000_000_000n;
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}

export function cursorToNanos(cursor: string): bigint | undefined {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(cursor);
  if (!m?.[1]) return undefined;
  return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** An RFC 3339 time with up to nanosecond digits (Docker's SystemTime, FinishedAt) → epoch nanoseconds. */
export function rfc3339ToNanos(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m?.[1] || !m[3]) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds) || seconds <= 0) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * Reads a /events response until it ends. Resolves (never rejects) with why it ended: a daemon that
 * goes away makes the response emit `aborted`, then `error('aborted')`, then `close` — never `end`.
 */
export function readEvents(stream: NodeJS.ReadableStream, onEvent: (event: Record<string, unknown>) => void): Promise<string> {
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let buffer = '';
    let reason = 'the daemon ended the event stream';
    const finish = () => resolve(reason);
    stream.on('data', (chunk: Buffer | string) => {
      buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const event = line === '' ? null : parseEventLine(line);
        if (event !== null) onEvent(event);
        newline = buffer.indexOf('\n');
      }
    });
    stream.on('error', (err: unknown) => {
      reason = `the event stream broke: ${err instanceof Error ? err.message : String(err)}`;
    });
    stream.once('end', finish);
    stream.once('close', finish);
  });
}
