// Telegram Bot API sendMessage: the page in HTML parse mode (the only markup whose escaping is
// three characters), links in the text, and inline buttons to open and acknowledge.
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import { digestEntries, incidentLine, pageFacts, pageLinks, truncate, type ChannelRequest, type Delivery } from './render.ts';

export const TELEGRAM_API = 'https://api.telegram.org';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Telegram refuses a whole message whose inline button points at a host it deems invalid
 * (`localhost`, a name without a dot): such links stay in the text only.
 */
function buttonWorthy(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return hostname.includes('.') && hostname !== 'localhost' && !hostname.endsWith('.localhost');
  } catch {
    return false;
  }
}

/** The Bot API's base: TELEGRAM_API_URL stands in for it in tests (a receiver on loopback). */
export function telegramApiBase(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TELEGRAM_API_URL?.trim();
  return (override !== undefined && override !== '' ? override : TELEGRAM_API).replace(/\/+$/, '');
}

export function formatTelegram(config: ChannelConfigs['telegram'], message: PageMessage, delivery: Delivery, apiBase = telegramApiBase()): ChannelRequest {
  const links = pageLinks(message);
  const { shown, more } = digestEntries(message, 10);
  const digest = shown.map((i) => `• <a href="${escapeHtml(i.url)}">${escapeHtml(truncate(incidentLine(i), 120))}</a>`).join('\n') + (more > 0 ? `\n…and ${more} more` : '');
  const facts = pageFacts(message).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(truncate(v, 200))}`).join('\n');
  // A message holds 4096 characters as shown (markup not counted): title 300 + text 1500 + 10
  // digest lines of 120 + facts and links stay under it. Cut before escaping: cutting after could split an entity.
  const text = [
    `<b>${escapeHtml(truncate(message.title, 300))}</b>`,
    escapeHtml(truncate(message.text, 1_500)),
    digest,
    facts,
    links.map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>`).join('  ·  '),
  ].filter((part) => part !== '').join('\n\n');
  const buttons = links.filter((link) => buttonWorthy(link.url)).map((link) => ({ text: link.label, url: link.url }));
  const payload = {
    chat_id: delivery.to ?? config.chatId,
    text,
    parse_mode: 'HTML',
    disable_web_page_preview: true,
    ...(buttons.length > 0 ? { reply_markup: { inline_keyboard: [buttons] } } : {}),
  };
  return {
    url: `${apiBase}/bot${config.botToken}/sendMessage`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  };
}
