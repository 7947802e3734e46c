// Markdown → inert DOM for the post-mortem preview. marked parses (GitHub flavour: tables, task
// lists) with raw HTML shown as the text it is — a post-mortem quotes alerts and log lines, and
// their markup must not become the page's — then DOMPurify strips what Markdown itself can still
// produce (javascript: and other unsafe URLs) and anything that slipped past. The result is a
// DocumentFragment the caller puts in place with replaceChildren: no HTML string reaches the page.
// Links open in a new tab without a handle on this one (rel=noopener noreferrer). Nothing loads from
// another origin: an image (`![x](https://other/…)`) or media from elsewhere is dropped, an image
// leaving a note in its place (lib/resource-origin.ts).
// Only the post-mortem page imports this file, so marked and DOMPurify stay out of the board's bundle.
import { Marked, type Tokens } from 'marked';
import createDOMPurify, { type Config } from 'dompurify';
import { hostOf, loadsFromPage } from './resource-origin.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = escapeHtml(token.text);
      return 'block' in token && token.block ? `<p class="raw-html">${text}</p>\n` : text;
    },
  },
});

// A private instance, so these hooks and settings never leak into another use of DOMPurify.
const purify = createDOMPurify(window);

/** Attributes that make the browser fetch something as soon as the element exists. */
const LOADING_ATTRIBUTES = ['src', 'poster', 'background'];

purify.addHook('afterSanitizeAttributes', (node) => {
  const page = window.location.href;
  const foreign = LOADING_ATTRIBUTES.map((name) => node.getAttribute?.(name)).find((url): url is string => typeof url === 'string' && !loadsFromPage(url, page));
  if (foreign !== undefined) {
    if (node.nodeName === 'IMG') {
      const alt = node.getAttribute('alt');
      node.replaceWith(node.ownerDocument.createTextNode(`[image${alt ? ` "${alt}"` : ''} from ${hostOf(foreign, page)} not shown: post-mortems show images from Vigil itself only]`));
    } else {
      node.remove();
    }
    return;
  }
  if (node.nodeName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
  if (node.nodeName === 'INPUT') {
    // marked's task-list boxes are the only inputs a post-mortem has; they show state, nothing more.
    if (node.getAttribute('type') !== 'checkbox') node.remove();
    else node.setAttribute('disabled', '');
  }
});

const CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  RETURN_DOM_FRAGMENT: true,
  USE_PROFILES: { html: true },
  // Forms and styles could dress a preview up as part of Vigil's own UI; ids could clobber globals.
  FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'object', 'embed', 'base', 'link', 'meta'],
  FORBID_ATTR: ['style', 'id', 'name', 'formaction', 'srcset'],
  ALLOW_DATA_ATTR: false,
};

/** The Markdown as sanitized, inert DOM nodes. */
export function renderMarkdown(markdown: string): DocumentFragment {
  const html = marked.parse(markdown, { async: false });
  return purify.sanitize(html, CONFIG);
}
