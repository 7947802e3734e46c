// Discord webhook: one embed (title linking to the incident, the text, facts as fields, the time),
// mentions disabled so a container named "@everyone" pings nobody.
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageColor, pageFacts, pageLinks, truncate, type ChannelRequest, type Delivery } from './render.ts';

/** Discord's limits on an embed. */
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4_096;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1_024;

/** Markdown in a description: the engine's words are shown, not interpreted. */
export function escapeDiscordMarkdown(text: string): string {
  // Any punctuation after a backslash shows as itself; - and # only start a list or heading at a line's start.
  return text.replace(/([\\`*_~|>[\]()])/g, '\\$1').replace(/^(\s*)([-#])/gm, '$1\\$2');
}

export function formatDiscord(config: ChannelConfigs['discord'], message: PageMessage, delivery: Delivery): ChannelRequest {
  const links = pageLinks(message).map((link) => `[${link.label}](${link.url})`).join('  ·  ');
  const { shown, more } = digestEntries(message, 20);
  const digest = shown.map((i) => `• [${escapeDiscordMarkdown(incidentLine(i))}](${i.url})`).join('\n') + (more > 0 ? `\n…and ${more} more` : '');
  // The links go last and are never cut: a long text is shortened instead.
  const room = DESCRIPTION_MAX - links.length - 2;
  const description = `${truncate([escapeDiscordMarkdown(message.text), digest].filter((p) => p !== '').join('\n\n'), room)}\n\n${links}`;
  const embed = {
    title: truncate(message.title, TITLE_MAX),
    description,
    url: message.incident.url,
    color: pageColor(message),
    fields: pageFacts(message).map(([name, value]) => ({ name: truncate(name, FIELD_NAME_MAX), value: truncate(value, FIELD_VALUE_MAX), inline: true })),
    timestamp: delivery.sentAt,
  };
  return {
    url: config.url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Vigil', embeds: [embed], allowed_mentions: { parse: [] } }),
  };
}
