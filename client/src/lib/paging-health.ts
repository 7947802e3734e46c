// Whether paging works, as the shell's banner reads it (GET /api/paging/health), and the words it
// says. Kept apart from the rest of paging's client code: the shell loads it with the first page,
// the forms load later.
import { CHANNEL_TYPES, isOneOf, type ChannelType, type PagingHealth } from '@vigil/server/contract';
import { api, ApiError } from './api.ts';
import { isRecord } from './wire.ts';

export const CHANNEL_TYPE_LABELS: Record<ChannelType, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Teams',
  discord: 'Discord',
  mattermost: 'Mattermost',
  telegram: 'Telegram',
  ntfy: 'ntfy',
  email: 'E-mail',
};

function isFailingChannel(v: unknown): v is PagingHealth['failing'][number] {
  return isRecord(v) && typeof v['channelId'] === 'string' && typeof v['channelName'] === 'string'
    && typeof v['error'] === 'string' && typeof v['since'] === 'string';
}

export function isPagingHealth(v: unknown): v is PagingHealth {
  return isRecord(v) && Array.isArray(v['failing']) && v['failing'].every(isFailingChannel);
}

export async function pagingHealth(): Promise<PagingHealth> {
  const answer = await api.get('/api/paging/health');
  if (!isPagingHealth(answer)) throw new ApiError(502, 'bad_answer', "Vigil answered paging's health in a shape this page does not understand.");
  return answer;
}

/** Each channel's type by id (GET /api/notification-channels, `{items}` or an array); what does not check is left out. */
export async function channelTypes(): Promise<Map<string, ChannelType>> {
  const answer = await api.get('/api/notification-channels');
  const list: unknown = Array.isArray(answer) ? answer : isRecord(answer) ? answer['items'] : [];
  const types = new Map<string, ChannelType>();
  for (const c of Array.isArray(list) ? list : []) {
    if (isRecord(c) && typeof c['id'] === 'string' && isOneOf(CHANNEL_TYPES, c['type'])) types.set(c['id'], c['type']);
  }
  return types;
}

export interface BannerLine {
  key: string;
  text: string;
  since: string;
  channelId: string;
}

/** "Paging is failing: Slack 'ops' — answers 404", one line per failing channel, longest failing first. */
export function pagingBannerLines(health: PagingHealth, types: ReadonlyMap<string, ChannelType>): BannerLine[] {
  return [...health.failing]
    .sort((a, b) => a.since.localeCompare(b.since) || a.channelName.localeCompare(b.channelName))
    .map((f) => {
      const type = types.get(f.channelId);
      const what = type ? `${CHANNEL_TYPE_LABELS[type]} '${f.channelName}'` : `'${f.channelName}'`;
      return { key: f.channelId, text: `Paging is failing: ${what} — ${f.error}`, since: f.since, channelId: f.channelId };
    });
}
