// Slack incoming webhook: `text` (the notification's words) and Block Kit `blocks` (the message as
// shown): the page in mrkdwn, its facts as context, buttons that open the incident and the ack link.
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageFacts, pageLinks, truncate, type ChannelRequest, type Delivery } from './render.ts';

/** Slack's mrkdwn escapes only these three; anything else in a container's name is shown as is. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<@U…>` for each member id that looks like one: an id is never allowed to inject other markup. */
function mentionsOf(message: PageMessage): string {
  return (message.mentions ?? []).filter((id) => /^[UW][A-Z0-9]{2,30}$/.test(id)).map((id) => `<@${id}>`).join(' ');
}

/** Slack's limits: a section's text 3000 characters, a button's label 75. */
const SECTION_MAX = 3_000;

export function formatSlack(config: ChannelConfigs['slack'], message: PageMessage, _delivery: Delivery): ChannelRequest {
  const mentions = mentionsOf(message);
  const lead = `${mentions !== '' ? `${mentions} ` : ''}*${escapeMrkdwn(message.title)}*`;
  const { shown, more } = digestEntries(message, 20);
  const digest = shown.map((i) => `• <${i.url}|${escapeMrkdwn(incidentLine(i))}>`).join('\n') + (more > 0 ? `\n…and ${more} more` : '');
  const body = [escapeMrkdwn(message.text), digest].filter((part) => part !== '').join('\n');
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${lead}\n${body}`, SECTION_MAX) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(pageFacts(message).map(([k, v]) => `*${escapeMrkdwn(k)}:* ${escapeMrkdwn(v)}`).join('  ·  '), SECTION_MAX) }] },
    {
      type: 'actions',
      elements: pageLinks(message).map((link, i) => ({
        type: 'button',
        text: { type: 'plain_text', text: link.label },
        url: link.url,
        action_id: `vigil_link_${i}`,
        ...(link.label.startsWith('Acknowledge') ? { style: 'primary' } : {}),
      })),
    },
  ];
  // `text` is what a phone's notification shows: the mentions have to be in it to notify anyone.
  const text = truncate(`${mentions !== '' ? `${mentions} ` : ''}${escapeMrkdwn(message.title)}`, SECTION_MAX);
  return { url: config.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, blocks }) };
}
