// Mattermost incoming webhook: `text` in Markdown (what the notification shows), and one attachment
// carrying the colour and the facts.
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageColor, pageFacts, pageLinks, truncate, type ChannelRequest, type Delivery } from './render.ts';

/** Mattermost's limit on a post's text, well under its 16383 characters. */
const TEXT_MAX = 8_000;

/**
 * Markdown shown, not interpreted, and `@channel`, `@all`, `@here` in a container's name made
 * harmless (a zero-width space after the @): a page must not notify a whole team by accident.
 */
export function escapeMattermost(text: string): string {
  return text.replace(/([\\`*_~|>[\]()#])/g, '\\$1').replace(/@(channel|all|here)\b/gi, '@\u200b$1');
}

export function formatMattermost(config: ChannelConfigs['mattermost'], message: PageMessage, _delivery: Delivery): ChannelRequest {
  const links = pageLinks(message).map((link) => `[${link.label}](${link.url})`).join(' · ');
  const { shown, more } = digestEntries(message, 20);
  const digest = shown.map((i) => `- [${escapeMattermost(incidentLine(i))}](${i.url})`).join('\n') + (more > 0 ? `\n- …and ${more} more` : '');
  const text = truncate([`#### ${escapeMattermost(message.title)}`, escapeMattermost(message.text), digest].filter((p) => p !== '').join('\n\n'), TEXT_MAX - links.length - 2);
  const attachment = {
    fallback: truncate(message.title, 300),
    color: `#${pageColor(message).toString(16).padStart(6, '0')}`,
    fields: pageFacts(message).map(([title, value]) => ({ short: true, title, value: escapeMattermost(value) })),
  };
  return {
    url: config.url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Vigil', text: `${text}\n\n${links}`, attachments: [attachment] }),
  };
}
