// Silences in Alertmanager as the UI calls them (API.md "Alertmanager, both ways"): an incident's
// silences, and the longest silence Vigil makes. Each answer's shape is checked before use.
import type { IncidentSilence, IncidentSilences, SilenceSettings } from '@vigil/server/contract';
import { api, ApiError } from './api.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

export function isIncidentSilence(v: unknown): v is IncidentSilence {
  return isObject(v) && typeof v['alertmanager'] === 'string' && ['active', 'pending', 'expired'].includes(String(v['state']))
    && typeof v['createdBy'] === 'string' && typeof v['vigil'] === 'boolean' && typeof v['orphaned'] === 'boolean'
    && ['id', 'comment', 'startsAt', 'endsAt', 'alertname', 'error'].every((k) => optionalString(v[k]));
}

export function isIncidentSilences(v: unknown): v is IncidentSilences {
  return isObject(v) && typeof v['enabled'] === 'boolean' && Array.isArray(v['silences']) && v['silences'].every(isIncidentSilence);
}

function isSilenceSettings(v: unknown): v is SilenceSettings {
  return isObject(v) && typeof v['maxDurationSeconds'] === 'number';
}

function checked<T>(answer: unknown, guard: (v: unknown) => v is T, what: string): T {
  if (!guard(answer)) throw new ApiError(502, 'bad_answer', `Vigil answered ${what} in a shape this page does not understand; reload the page.`);
  return answer;
}

export const incidentSilences = async (incidentId: string, signal?: AbortSignal): Promise<IncidentSilences> =>
  checked(await api.get(`/api/incidents/${encodeURIComponent(incidentId)}/silences`, signal ? { signal } : {}), isIncidentSilences, 'the incident\'s silences');

export const getSilenceSettings = async (): Promise<SilenceSettings> =>
  checked(await api.get('/api/silence-settings'), isSilenceSettings, 'the silence settings');

export const saveSilenceSettings = async (settings: SilenceSettings): Promise<SilenceSettings> =>
  checked(await api.put('/api/silence-settings', settings), isSilenceSettings, 'the silence settings');

export const SILENCE_STATE_WORDS: Record<IncidentSilence['state'], { label: string; glyph: string; tone: string }> = {
  active: { label: 'active', glyph: '●', tone: 'resolved' },
  pending: { label: 'not created yet', glyph: '◌', tone: 'warning' },
  expired: { label: 'expired', glyph: '○', tone: 'unknown' },
};

/** Active first, then waiting, then expired; newest first within each. */
export function sortSilences(list: readonly IncidentSilence[]): IncidentSilence[] {
  const order = { active: 0, pending: 1, expired: 2 } as const;
  return [...list].sort((a, b) => order[a.state] - order[b.state] || (b.startsAt ?? '').localeCompare(a.startsAt ?? ''));
}

/** Seconds as an admin thinks of them: "4 h", "90 min", "2 d 6 h". */
export function durationWords(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.round((seconds % 3_600) / 60);
  return [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ') || `${seconds} s`;
}
