// The generic webhook (API.md "Paging"): the page as JSON, the delivery id in a header so a
// receiver can drop a retry it already took, and an HMAC-SHA256 of the raw body when a secret is set.
import { createHmac } from 'node:crypto';
import type { ChannelConfigs } from '../../contract/index.ts';
import type { PageMessage } from '../message.ts';
import type { ChannelRequest, Delivery } from './render.ts';

/** `sha256=<hex>` over the exact bytes sent: what a receiver recomputes with the shared secret. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

export function formatWebhook(config: ChannelConfigs['webhook'], message: PageMessage, delivery: Delivery): ChannelRequest {
  const body = JSON.stringify({
    event: message.event,
    deliveryId: delivery.id,
    sentAt: delivery.sentAt,
    ...(message.escalation === undefined ? {} : { step: message.escalation.step }),
    incident: message.incident,
    ...(message.incidents === undefined ? {} : { incidents: message.incidents }),
    url: message.incident.url,
    ...(message.ackUrl === undefined ? {} : { ackUrl: message.ackUrl }),
    title: message.title,
    text: message.text,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Vigil-Paging',
    'x-vigil-event': message.event,
    'x-vigil-delivery': delivery.id,
  };
  if (config.secret !== undefined) headers['x-vigil-signature'] = webhookSignature(config.secret, body);
  return { url: config.url, headers, body };
}
