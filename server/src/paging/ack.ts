// Ack links: a page carries `${PUBLIC_URL}/api/ack/<token>`; only the token's hash is stored (with
// the delivery). Opening the link changes nothing (mail scanners follow links); the confirmation
// page's button POSTs, which acknowledges the incident as the person the page was for.
import { createHash, randomBytes } from 'node:crypto';
import { ApiFailure } from '../contract/index.ts';
import type { Incident } from '../contract/index.ts';
import type { OutboxRecord, Store } from '../store/types.ts';
import type { PageMessage } from './message.ts';
import type { SecretBox } from './secrets.ts';

/** How long an ack link works (it also stops once the incident is resolved). */
export const ACK_TTL_MS = 24 * 3_600_000;

export function newAckToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: hashAckToken(token) };
}

export function hashAckToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface AckTarget {
  /** The incidents the page was about that are not resolved (a digest names several). */
  incidents: Incident[];
  /** Who the page was for (a username), or the channel's name when it went to a channel. */
  actor: string;
  deliveryId: string;
}

const gone = (why: string) => new ApiFailure(410, 'ack_link_gone', `${why} Open Vigil to see the incident and acknowledge it there.`);

/** The incident a token was issued for, if the link still works; 410 with what to do otherwise. */
export async function ackTarget(store: Store, token: string, now: Date): Promise<AckTarget> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw gone('This acknowledge link is not one Vigil sent.');
  const record = await store.outbox.byAckTokenHash(hashAckToken(token));
  if (!record) throw gone('This acknowledge link is not one Vigil sent (or it was sent by another Vigil).');
  if (record.ackExpiresAt !== undefined && record.ackExpiresAt <= now.toISOString()) throw gone('This acknowledge link has expired.');
  const found: Incident[] = [];
  for (const id of record.incidentIds.slice(0, 500)) {
    const incident = await store.incidents.get(id) ?? await followMerge(store, id);
    if (incident && !found.some((i) => i.id === incident.id)) found.push(incident);
  }
  if (found.length === 0) throw gone(record.incidentIds.length === 1 ? 'The incident this link was for no longer exists.' : 'The incidents this link was for no longer exist.');
  const open = found.filter((i) => i.status !== 'resolved');
  if (open.length === 0) throw gone(found.length === 1 ? `Incident "${found[0]?.title}" is already resolved.` : 'Every incident this link was for is already resolved.');
  let actor = 'ack-link';
  if (record.userId !== undefined) actor = (await store.users.byId(record.userId))?.username ?? actor;
  return { incidents: open, actor, deliveryId: record.id };
}

async function followMerge(store: Store, id: string): Promise<Incident | null> {
  const successor = await store.incidents.successor(id);
  return successor === null ? null : store.incidents.get(successor);
}

const ACK_PLACE = 'outbox.message.ackUrl';

/**
 * A queued page with its ack link sealed: the link's token acknowledges as the person paged, so it
 * is kept in the store like a channel secret (only its hash is in clear, for the lookup).
 */
export function sealAckLink(record: OutboxRecord, box: SecretBox): OutboxRecord {
  const ackUrl = record.message['ackUrl'];
  if (typeof ackUrl !== 'string') return record;
  return { ...record, message: { ...record.message, ackUrl: box.sealText(ackUrl, ACK_PLACE) } };
}

/** The page as it is sent: its ack link opened again. */
export function openAckLink(message: Record<string, unknown>, box: SecretBox): PageMessage {
  const ackUrl = message['ackUrl'];
  if (typeof ackUrl !== 'string') return message as unknown as PageMessage;
  return { ...message, ackUrl: box.openText(ackUrl, ACK_PLACE) } as unknown as PageMessage;
}
