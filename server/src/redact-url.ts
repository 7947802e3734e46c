// The one way to show a URL that may carry credentials: PROMETHEUS_URL, MONGODB_URL, Docker
// endpoints, notification channel URLs. Whatever is shown (/readyz, /metrics labels, logs, error
// answers, socket events) goes through here; the URL with its credentials is only ever dialled.

/** Query parameters whose values are secrets often enough that they are never shown. */
const SECRET_PARAM = /pass|pwd|secret|token|key|auth|sig|credential|session|cookie|code|private|jwt|bearer/i;

export const REDACTED = '***';

export interface RedactOptions {
  /**
   * Hide the path too: for webhook URLs whose path is the secret (Slack, Discord, Mattermost,
   * Telegram's `/bot<token>/`). Leaves `scheme://host/***`.
   */
  hidePath?: boolean;
}

function redactQuery(query: string): string {
  return query.split(/([&;])/).map((part) => {
    if (part === '&' || part === ';') return part;
    const eq = part.indexOf('=');
    if (eq === -1) return part;
    let name = part.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // A malformed escape: judge the name as written.
    }
    return SECRET_PARAM.test(name) ? `${part.slice(0, eq)}=${REDACTED}` : part;
  }).join('');
}

/**
 * `url` without its userinfo (`user:password@`), with the values of secret-looking query
 * parameters replaced by `***` and its fragment dropped. Works on what WHATWG URL cannot parse
 * (several MongoDB hosts, `tcp://`, `unix://`); anything that is not `scheme://…` comes back as is.
 *
 * The userinfo is taken to end at the LAST `@`: a password with an unescaped `/`, `?` or `#`
 * (a URL parser would stop there and show the rest as host or path) is still cut off whole. An
 * `@` further on, in a path or query, is cut with it: the URL shown is then too short, never a leak.
 */
export function redactUrl(url: string, options: RedactOptions = {}): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url.trim());
  if (scheme === null) return url;
  const [, prefix = '', whole = ''] = scheme;
  const rest = whole.slice(whole.lastIndexOf('@') + 1);
  const hostEnd = rest.search(/[/?#]/);
  const host = hostEnd === -1 ? rest : rest.slice(0, hostEnd);
  const tail = hostEnd === -1 ? '' : rest.slice(hostEnd);
  const hashAt = tail.indexOf('#');
  const withoutFragment = hashAt === -1 ? tail : tail.slice(0, hashAt);
  const queryAt = withoutFragment.indexOf('?');
  const path = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const query = queryAt === -1 ? '' : withoutFragment.slice(queryAt + 1);
  if (options.hidePath) return `${prefix}${host}${path !== '' && path !== '/' ? `/${REDACTED}` : path}${query !== '' ? `?${REDACTED}` : ''}`;
  return `${prefix}${host}${path}${query !== '' ? `?${redactQuery(query)}` : ''}`;
}

/** Every `scheme://…` in free text (an error message, a library's complaint), redacted in place. */
export function redactUrlsInText(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (found) => {
    // Keep trailing punctuation of the sentence outside the URL.
    const trail = /[.,;:)\]]+$/.exec(found)?.[0] ?? '';
    return redactUrl(found.slice(0, found.length - trail.length)) + trail;
  });
}
