// Alertmanager's API v2 for silences, over plain fetch: every call bounded in time and in the size
// of what it reads, answers validated before use, credentials from the URL sent as basic auth and
// never shown (the name people see is redactUrl's).
import { z } from 'zod';
import { redactUrl } from '../redact-url.ts';
import type { AmSilence, Matcher } from './matchers.ts';

const TIMEOUT_MS = 5_000;
/** Bodies past this are refused: a list of silences or alerts this long is not one Vigil can use. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const matcherSchema = z.looseObject({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() });
const silenceSchema = z.looseObject({
  id: z.string().min(1),
  status: z.looseObject({ state: z.enum(['active', 'pending', 'expired']) }),
  matchers: z.array(matcherSchema),
  createdBy: z.string(),
  comment: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
});
const alertSchema = z.looseObject({ labels: z.record(z.string(), z.string()) });

/** Alertmanager did not answer, or not as Alertmanager: the call may be tried again later. */
export class AlertmanagerUnreachable extends Error {
  override name = 'AlertmanagerUnreachable';
}

/** Alertmanager answered, and said no (4xx: bad credentials, a silence it does not accept). */
export class AlertmanagerRefused extends AlertmanagerUnreachable {
  override name = 'AlertmanagerRefused';
}

export class AlertmanagerClient {
  /** The URL without credentials: the name on the timeline, in logs and in the API. */
  readonly name: string;
  /** host:port, for sentences ("Alertmanager am:9093 unreachable"). */
  readonly host: string;
  private readonly base: string;
  private readonly authorization: string | undefined;

  constructor(url: string) {
    const u = new URL(url);
    this.authorization = u.username === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
    this.name = redactUrl(url).replace(/\/+$/, '');
    this.host = u.host;
  }

  async silences(): Promise<AmSilence[]> {
    const body = z.array(silenceSchema).safeParse(await this.call('GET', '/api/v2/silences'));
    if (!body.success) throw new AlertmanagerUnreachable(`${this.host} answered GET /api/v2/silences with something that is not a list of silences`);
    return body.data.map((s) => ({
      id: s.id, state: s.status.state, matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, ...(m.isEqual === undefined ? {} : { isEqual: m.isEqual }) })),
      createdBy: s.createdBy, comment: s.comment, startsAt: s.startsAt, endsAt: s.endsAt, updatedAt: s.updatedAt,
    }));
  }

  /** Label sets of every alert Alertmanager holds (firing, silenced or inhibited). */
  async alerts(): Promise<Array<Record<string, string>>> {
    const body = z.array(alertSchema).safeParse(await this.call('GET', '/api/v2/alerts?active=true&silenced=true&inhibited=true'));
    if (!body.success) throw new AlertmanagerUnreachable(`${this.host} answered GET /api/v2/alerts with something that is not a list of alerts`);
    return body.data.map((a) => a.labels);
  }

  /** Creates (or, with `id`, replaces) a silence; its id. */
  async createSilence(input: { id?: string; matchers: Matcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string }): Promise<string> {
    const body = z.looseObject({ silenceID: z.string().min(1) }).safeParse(await this.call('POST', '/api/v2/silences', input));
    if (!body.success) throw new AlertmanagerUnreachable(`${this.host} answered POST /api/v2/silences without a silenceID`);
    return body.data.silenceID;
  }

  /** Expires a silence now; one already expired or unknown counts as done. */
  async expireSilence(id: string): Promise<void> {
    await this.call('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, [404]);
  }

  private async call(method: string, path: string, body?: unknown, alsoFine: readonly number[] = []): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : cause ?? (err instanceof Error ? err.message : String(err));
      throw new AlertmanagerUnreachable(`${this.host}: ${why}`);
    }
    const text = await readBounded(res, this.host);
    if (!res.ok && !alsoFine.includes(res.status)) {
      const Failure = res.status >= 400 && res.status < 500 ? AlertmanagerRefused : AlertmanagerUnreachable;
      throw new Failure(`${this.host} answered ${method} ${path.replace(/\?.*$/, '')} with HTTP ${res.status}: ${text.slice(0, 200).trim()}`);
    }
    if (text === '' || !res.ok) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AlertmanagerUnreachable(`${this.host} answered ${method} ${path.replace(/\?.*$/, '')} with something that is not JSON`);
    }
  }
}

async function readBounded(res: Response, host: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new AlertmanagerUnreachable(`${host} answered more than ${MAX_BODY_BYTES / 1024 / 1024} MB; not read`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof AlertmanagerUnreachable) throw err;
    throw new AlertmanagerUnreachable(`${host}: the answer broke off (${err instanceof Error ? err.message : String(err)})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
