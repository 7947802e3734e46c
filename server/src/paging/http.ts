// The one way a notification channel reaches the outside (paging/README.md "Outbound requests").
// A channel URL is written by an admin but resolved by DNS someone else controls: the host is
// resolved once, every address judged (address-policy.ts), and the connection made to the address
// that was judged, so a name that answers differently the second time (DNS rebinding) cannot move it.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { mayReach } from './address-policy.ts';

/** Bytes of a receiver's answer kept: enough for an error message, bounded against a hostile one. */
export const RESPONSE_LIMIT_BYTES = 16 * 1024;

/** The request was not sent: the URL or the address it resolves to is not allowed. Never retried. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

/** The request was sent (or tried) and no answer came: connection error or timeout. Worth retrying. */
export class OutboundFailed extends Error {
  override name = 'OutboundFailed';
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean, options?: ErrorOptions) {
    super(message, options);
    this.timedOut = timedOut;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** dns.lookup with every address: the system's resolver, as any other client on the host would use. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, order: 'verbatim' });

export interface OutboundRequest {
  headers?: Record<string, string>;
  body: string | Buffer;
  /** The whole exchange (resolving, connecting, sending, reading the answer). */
  timeoutMs?: number;
  /** Loopback and private ranges allowed (NOTIFY_ALLOW_PRIVATE=true). */
  allowPrivate: boolean;
  /** How the host is resolved; the system resolver unless a test stands in for DNS. */
  resolve?: Resolve;
}

export interface OutboundResponse {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The first RESPONSE_LIMIT_BYTES of the answer, as UTF-8. */
  bodyText: string;
  ms: number;
}

/** The addresses a URL's host goes to, each judged; throws OutboundRefused naming the host (never the path). */
export async function checkedAddresses(url: URL, allowPrivate: boolean, resolve: Resolve = systemResolve): Promise<ResolvedAddress[]> {
  // WHATWG URL keeps IPv6 literals in brackets.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === '') throw new OutboundRefused('the URL names no host');
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OutboundFailed(`${hostname} could not be resolved${code ? ` (${code})` : ''}`, false, { cause: err });
  }
  if (addresses.length === 0) throw new OutboundFailed(`${hostname} resolved to no address`, false);
  // Any address refused refuses the name: which one the client would pick is not ours to guess.
  for (const { address } of addresses) {
    const judged = mayReach(address, allowPrivate);
    if (!judged.ok) {
      throw new OutboundRefused(address === hostname ? `${hostname} is ${judged.why}` : `${hostname} resolves to ${address}: ${judged.why}`);
    }
  }
  return addresses;
}

/**
 * A `lookup` for http.request that answers the judged addresses and asks no resolver. All of them
 * when asked for all (Node then tries each in turn: `localhost` as ::1 and 127.0.0.1 reaches a
 * receiver listening on either), else the first.
 */
function pinnedLookup(pinned: ResolvedAddress[]): LookupFunction {
  const [first] = pinned;
  return (_hostname, options, callback) => {
    if (options.all) callback(null, pinned.map(({ address, family }) => ({ address, family })));
    else if (first !== undefined) callback(null, first.address, first.family);
  };
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * POSTs `body` to `url` and answers the receiver's status and the start of its answer, whatever the
 * status (redirects are answers, not followed). Throws OutboundRefused before anything is sent when
 * the URL or its address is not allowed, OutboundFailed when no answer came in time.
 */
export async function postOutbound(url: string | URL, request: OutboundRequest): Promise<OutboundResponse> {
  const started = performance.now();
  const timeoutMs = request.timeoutMs ?? 5_000;
  let target: URL;
  try {
    target = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new OutboundRefused('not a valid URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new OutboundRefused(`only http and https URLs are allowed, not ${target.protocol.slice(0, 20)}`);
  }

  const deadline = AbortSignal.timeout(timeoutMs);
  const pinned = await Promise.race([
    checkedAddresses(target, request.allowPrivate, request.resolve),
    new Promise<never>((_resolve, reject) => {
      deadline.addEventListener('abort', () => reject(new OutboundFailed(`no answer within ${timeoutMs} ms (resolving ${target.hostname})`, true)), { once: true });
    }),
  ]);

  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const client = target.protocol === 'https:' ? https : http;
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(err);
    };
    const req = client.request({
      method: 'POST',
      host,
      port: target.port === '' ? undefined : Number(target.port),
      path: `${target.pathname}${target.search}`,
      auth: target.username !== '' ? `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` : undefined,
      headers: { ...request.headers, 'content-length': String(body.length) },
      lookup: pinnedLookup(pinned),
      // A fresh connection each time: a pooled socket would skip the check above.
      agent: false,
      signal: deadline,
    }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res.headers),
          bodyText: Buffer.concat(chunks).toString('utf8'),
          ms: Math.round(performance.now() - started),
        });
      };
      res.on('data', (chunk: Buffer) => {
        const room = RESPONSE_LIMIT_BYTES - kept;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          kept += part.length;
        }
        // Enough read: the rest of a large (or endless) answer is not waited for.
        if (kept >= RESPONSE_LIMIT_BYTES) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      // An answer cut off after its status still says what the receiver decided.
      res.on('error', finish);
      res.on('aborted', finish);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (deadline.aborted) {
        fail(new OutboundFailed(`no answer within ${timeoutMs} ms from ${target.host}`, true, { cause: err }));
        return;
      }
      fail(new OutboundFailed(`${target.host}: ${err.code ?? err.message}`, false, { cause: err }));
    });
    req.end(body);
  });
}
