// Who a step's targets reach (paging/README.md "Targets"): a channel; a person through each of their
// contact methods a channel can carry; a schedule's on-call at the step's due time, as people.
import type { ChannelType, ContactMethods, EscalationTarget, Schedule } from '../contract/index.ts';
import { onCallAt } from './schedule.ts';

/** Where one record goes: a channel, or a person through a channel of the type their contact needs. */
export interface Recipient {
  channelId: string;
  userId?: string;
  /** Slack member ids mentioned in this (Slack) message. */
  mentions?: string[];
}

/** One key per recipient: the digest window and the "who got a page" questions are per recipient. */
export function recipientKey(r: { channelId: string; userId?: string }): string {
  return r.userId === undefined ? r.channelId : `${r.channelId}/${r.userId}`;
}

export interface Directory {
  channels: ReadonlyMap<string, { id: string; name: string; type: ChannelType }>;
  /** The first channel of each type (the admin's list order): the transport of people's contacts. */
  firstOfType: Partial<Record<ChannelType, string>>;
  schedules: ReadonlyMap<string, Schedule>;
  contacts: Readonly<Record<string, ContactMethods>>;
  users: Readonly<Record<string, { id: string; username: string }>>;
}

export function directoryOf(input: {
  channels: ReadonlyArray<{ id: string; name: string; type: ChannelType }>;
  schedules: readonly Schedule[];
  contacts: Readonly<Record<string, ContactMethods>>;
  users: Readonly<Record<string, { id: string; username: string }>>;
}): Directory {
  const firstOfType: Partial<Record<ChannelType, string>> = {};
  for (const c of input.channels) firstOfType[c.type] ??= c.id;
  return {
    channels: new Map(input.channels.map((c) => [c.id, c])),
    firstOfType,
    schedules: new Map(input.schedules.map((s) => [s.id, s])),
    contacts: input.contacts,
    users: input.users,
  };
}

/** The contact fields each transport carries; Slack only mentions (in a Slack message of the same step). */
export const TRANSPORTS: ReadonlyArray<readonly [keyof ContactMethods, 'email' | 'ntfy' | 'telegram']> = [['email', 'email'], ['ntfyTopic', 'ntfy'], ['telegramChatId', 'telegram']];

/** A person's address on this kind of channel (their contact methods), if they have one. */
export function addressFor(type: ChannelType, contacts: ContactMethods | undefined): string | undefined {
  const field = TRANSPORTS.find(([, t]) => t === type)?.[0];
  return field === undefined ? undefined : contacts?.[field];
}

export interface Reached {
  recipients: Recipient[];
  /** People the step names who have no contact method any channel here can carry. */
  unreachable: string[];
}

/**
 * The recipients of one step at its due time, each once. A person with a Slack member id is
 * mentioned in the step's Slack messages; when the step names no Slack channel, in one to the first.
 */
export function reach(targets: readonly EscalationTarget[], dueAt: Date, dir: Directory): Reached {
  const out = new Map<string, Recipient>();
  const people: string[] = [];
  for (const t of targets) {
    if ('channelId' in t) {
      if (dir.channels.has(t.channelId)) out.set(recipientKey(t), { channelId: t.channelId });
    } else if ('userId' in t) {
      people.push(t.userId);
    } else {
      const schedule = dir.schedules.get(t.scheduleId);
      if (schedule === undefined) continue;
      try {
        people.push(...onCallAt(schedule, dueAt));
      } catch {
        // A schedule that cannot answer (refused at save; an old record) pages nobody rather than nothing at all.
      }
    }
  }
  const mentions: string[] = [];
  const unreachable: string[] = [];
  for (const userId of new Set(people)) {
    // Deleted and disabled people are not in `users`.
    if (dir.users[userId] === undefined) continue;
    const contacts = dir.contacts[userId] ?? {};
    let reached = false;
    for (const [field, type] of TRANSPORTS) {
      const channelId = dir.firstOfType[type];
      if (!contacts[field] || channelId === undefined) continue;
      out.set(recipientKey({ channelId, userId }), { channelId, userId });
      reached = true;
    }
    if (contacts.slackMemberId && dir.firstOfType.slack !== undefined) {
      mentions.push(contacts.slackMemberId);
      reached = true;
    }
    if (!reached) unreachable.push(userId);
  }
  if (mentions.length > 0) {
    let slack = [...out.values()].filter((r) => r.userId === undefined && dir.channels.get(r.channelId)?.type === 'slack');
    const first = dir.firstOfType.slack;
    if (slack.length === 0 && first !== undefined) {
      const added = { channelId: first };
      out.set(recipientKey(added), added);
      slack = [added];
    }
    for (const r of slack) r.mentions = [...new Set(mentions)];
  }
  return { recipients: [...out.values()], unreachable };
}

/** How a recipient is named in "paged before: …": the person, or the channel. */
export function nameOf(r: { channelId: string; userId?: string }, dir: Directory): string {
  if (r.userId !== undefined) return dir.users[r.userId]?.username ?? r.userId;
  return dir.channels.get(r.channelId)?.name ?? r.channelId;
}
