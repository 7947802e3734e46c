// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): a
// message whose one attachment is an Adaptive Card 1.4 with the page and buttons (Action.OpenUrl).
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageFacts, pageLinks, truncate, type ChannelRequest, type Delivery } from './render.ts';

const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/**
 * TextBlocks render a subset of Markdown (emphasis, lists, links): a log line carrying
 * `[text](url)` must not become a link on an on-call card, nor a `*` turn text bold.
 */
export function escapeCardMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]])/g, '\\$1').replace(/^(\s*)(\d+)\./gm, '$1$2\\.').replace(/^(\s*)([-+])(\s)/gm, '$1\\$2$3');
}

function titleColor(message: PageMessage): string {
  if (message.event === 'incident.resolved') return 'Good';
  if (message.event === 'incident.acknowledged' || message.event === 'test') return 'Default';
  return message.severity === 'critical' ? 'Attention' : message.severity === 'warning' ? 'Warning' : 'Accent';
}

export function formatTeams(config: ChannelConfigs['teams'], message: PageMessage, _delivery: Delivery): ChannelRequest {
  const body: unknown[] = [
    { type: 'TextBlock', text: truncate(escapeCardMarkdown(message.title), 500), weight: 'Bolder', size: 'Medium', color: titleColor(message), wrap: true },
    // One TextBlock per line: a single newline inside one is not a line break in every Teams client.
    ...message.text.split('\n').filter((line) => line.trim() !== '').map((line, i) => ({
      type: 'TextBlock', text: truncate(escapeCardMarkdown(line), 2_000), wrap: true, spacing: i === 0 ? 'Medium' : 'None',
    })),
    { type: 'FactSet', facts: pageFacts(message).map(([title, value]) => ({ title, value: truncate(value, 500) })) },
  ];
  const { shown, more } = digestEntries(message, 20);
  for (const incident of shown) {
    body.push({ type: 'TextBlock', text: `[${escapeCardMarkdown(truncate(incidentLine(incident), 300))}](${incident.url})`, wrap: true, spacing: 'None' });
  }
  if (more > 0) body.push({ type: 'TextBlock', text: `…and ${more} more`, wrap: true, spacing: 'None', isSubtle: true });
  const card = {
    $schema: ADAPTIVE_CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    actions: pageLinks(message).map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url })),
  };
  const payload = {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
  return { url: config.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
}
