// What a receiver's answer means for a page: delivered, worth trying again (and when), or not
// (a 404 Slack URL will not heal by retrying). Error texts name the status and a short excerpt of
// the answer, never the channel's secrets: they end up on timelines, banners and logs.
import { MASKED } from '../../contract/index.ts';
import { redactUrlsInText } from '../../redact-url.ts';
import { OutboundFailed, OutboundRefused, type OutboundResponse } from '../http.ts';

export type SendOutcome =
  | { delivered: true; status: number; ms: number }
  | { delivered: false; status?: number; error: string; retryable: boolean; retryAfterMs?: number; ms: number };

const EXCERPT_CHARS = 200;
/** A Retry-After beyond this is taken as this: the dispatcher's own back-off bounds the rest. */
const RETRY_AFTER_MAX_MS = 60 * 60 * 1_000;

/** `text` with every secret value of the channel (and every URL's credentials) hidden. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let hidden = text;
  for (const secret of secrets) {
    // Short values (a one-letter token) would mangle the text more than they protect.
    if (secret.length >= 4) hidden = hidden.split(secret).join(MASKED);
  }
  return redactUrlsInText(hidden);
}

/** The first words of an answer's body, on one line, secrets hidden. */
export function excerpt(body: string, secrets: readonly string[]): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  const cut = oneLine.length > EXCERPT_CHARS ? `${oneLine.slice(0, EXCERPT_CHARS)}…` : oneLine;
  return hideSecrets(cut, secrets);
}

/**
 * Milliseconds to wait from a Retry-After header (seconds or an HTTP date) or, failing that, from
 * a JSON body's `retry_after` (Discord: seconds, fractional) or `parameters.retry_after` (Telegram).
 */
export function retryAfterMs(headers: Record<string, string>, body: string, now = Date.now()): number | undefined {
  const header = headers['retry-after']?.trim();
  let ms: number | undefined;
  if (header !== undefined && header !== '') {
    if (/^\d+(\.\d+)?$/.test(header)) ms = Number(header) * 1_000;
    else {
      const at = Date.parse(header);
      if (!Number.isNaN(at)) ms = at - now;
    }
  }
  if (ms === undefined && body.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
      const seconds = typeof parsed.retry_after === 'number' ? parsed.retry_after : parsed.parameters?.retry_after;
      if (typeof seconds === 'number' && Number.isFinite(seconds)) ms = seconds * 1_000;
    } catch {
      // Not JSON after all: no hint.
    }
  }
  if (ms === undefined) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, Math.round(ms)));
}

/** The outcome of a receiver's answer. `service` names it in errors: "Slack answered 404: no_service". */
export function answerOutcome(service: string, response: OutboundResponse, secrets: readonly string[]): SendOutcome {
  const { status, ms } = response;
  if (status >= 200 && status < 300) return { delivered: true, status, ms };
  const said = excerpt(response.bodyText, secrets);
  const error = `${service} answered ${status}${said !== '' ? `: ${said}` : ''}`;
  if (status === 429) {
    const wait = retryAfterMs(response.headers, response.bodyText);
    return { delivered: false, status, error, retryable: true, ...(wait === undefined ? {} : { retryAfterMs: wait }), ms };
  }
  if (status >= 500 || status === 408) return { delivered: false, status, error, retryable: true, ms };
  if (status >= 300 && status < 400) {
    return { delivered: false, status, error: `${service} answered ${status} (a redirect, not followed): check the channel's URL`, retryable: false, ms };
  }
  return { delivered: false, status, error, retryable: false, ms };
}

/** The outcome of a request that got no answer: refused by us (never retried) or failed on the way (retried). */
export function errorOutcome(service: string, err: unknown, ms: number, secrets: readonly string[]): SendOutcome {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof OutboundRefused) {
    return { delivered: false, error: hideSecrets(`not sent to ${service}: ${message}`, secrets), retryable: false, ms };
  }
  if (err instanceof OutboundFailed) {
    return { delivered: false, error: hideSecrets(`${service} did not answer: ${message}`, secrets), retryable: true, ms };
  }
  return { delivered: false, error: hideSecrets(`${service}: ${message}`, secrets), retryable: true, ms };
}
