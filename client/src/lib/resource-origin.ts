// Which URLs a post-mortem preview may load from. An image from another host is a beacon: it tells
// that host who opened the post-mortem, when, and from where; the CSP blocks it today, but the
// sanitizer must not rely on a header being set. Same origin as the page, or an inline image. Pure.

/** Raster images only: an inline SVG document is markup, not a picture. */
const INLINE_IMAGE = /^data:image\/(?:png|gif|jpeg|webp|avif)[;,]/i;

/**
 * True when `raw` (as written in the Markdown, relative or not) resolves against `pageUrl` to the
 * page's own origin over http(s), or is an inline raster image. Parsed as the browser parses it
 * (`//host`, `https:host`, backslashes, tabs and newlines inside the URL all count).
 */
export function loadsFromPage(raw: string, pageUrl: string): boolean {
  let url: URL;
  let page: URL;
  try {
    url = new URL(raw, pageUrl);
    page = new URL(pageUrl);
  } catch {
    return false;
  }
  if (url.protocol === 'data:') return INLINE_IMAGE.test(url.href);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === page.origin;
}

/** The host an image would have come from, for the note left in its place. */
export function hostOf(raw: string, pageUrl: string): string {
  try {
    const url = new URL(raw, pageUrl);
    return url.host === '' ? url.protocol.replace(/:$/, '') : url.host;
  } catch {
    return 'an address that does not parse';
  }
}
