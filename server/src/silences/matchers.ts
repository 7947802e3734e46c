// Pure rules of silencing: the matchers of an incident's alert, the comment that names the incident,
// Alertmanager's matching semantics (to tell which silences cover which alerts), and what a Vigil
// silence that matches nothing any more is. No I/O: silences/service.ts does the talking.

/** One matcher as Alertmanager's API v2 has it. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** Absent in answers of Alertmanagers before 0.22: true. */
  isEqual?: boolean;
}

export type SilenceState = 'active' | 'pending' | 'expired';

/** A silence as `GET /api/v2/silences` answers it (the fields Vigil reads). */
export interface AmSilence {
  id: string;
  state: SilenceState;
  matchers: Matcher[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
}

export const VIGIL_CREATOR = 'vigil';

/**
 * One matcher per label, exact: the silence covers this alert's label set and nothing wider.
 * Sorted by name so two equal sets give equal lists.
 */
export function matchersFor(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels).sort().map((name) => ({ name, value: labels[name] ?? '', isRegex: false, isEqual: true }));
}

export function incidentUrl(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(incidentId)}`;
}

/** What a Vigil silence says: who asked (the acknowledgement), which incident, and where to read it. */
export function silenceComment(input: { incidentId: string; publicUrl: string; acknowledgedBy?: string | undefined }): string {
  const by = input.acknowledgedBy === undefined ? '' : ` by ${input.acknowledgedBy}`;
  return `Acknowledged in Vigil${by}: incident ${input.incidentId} ${incidentUrl(input.publicUrl, input.incidentId)}`;
}

/**
 * The incident a Vigil silence is for, read back from its comment: only a link to this Vigil's own
 * incident page counts, so another Vigil sharing the Alertmanager keeps its silences.
 */
export function incidentOfSilence(silence: Pick<AmSilence, 'createdBy' | 'comment'>, publicUrl: string): string | undefined {
  if (silence.createdBy !== VIGIL_CREATOR) return undefined;
  const prefix = `${publicUrl.replace(/\/+$/, '')}/incidents/`;
  const at = silence.comment.indexOf(prefix);
  if (at === -1) return undefined;
  const id = /^[A-Za-z0-9_-]{1,100}/.exec(silence.comment.slice(at + prefix.length))?.[0];
  return id;
}

/** The silence is exactly this alert's label set (what `matchersFor` makes), in any order. */
export function coversExactly(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  const names = Object.keys(labels);
  if (matchers.length !== names.length) return false;
  return matchers.every((m) => !m.isRegex && m.isEqual !== false && labels[m.name] === m.value);
}

const regexCache = new Map<string, RegExp | null>();

function anchored(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      // Alertmanager anchors its (RE2) patterns; an RE2 pattern JS cannot read matches nothing here.
      re = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      re = null;
    }
    if (regexCache.size > 1_000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Alertmanager's rule: every matcher holds; an absent label reads as the empty string. */
export function silenceMatches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  if (matchers.length === 0) return false;
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    let hit: boolean;
    if (m.isRegex) hit = anchored(m.value)?.test(value) ?? false;
    else hit = value === m.value;
    return m.isEqual === false ? !hit : hit;
  });
}

/**
 * A Vigil silence that matches none of the alerts the Alertmanager still holds (firing, silenced or
 * inhibited): it silences nothing any more — the alert resolved, or its labels changed.
 */
export function isOrphaned(silence: Pick<AmSilence, 'matchers' | 'state'>, alerts: ReadonlyArray<Readonly<Record<string, string>>>): boolean {
  if (silence.state === 'expired') return false;
  return !alerts.some((labels) => silenceMatches(silence.matchers, labels));
}

/** The firing alerts of an incident, from its timeline: the newest word per fingerprint. */
export function firingAlerts(entries: ReadonlyArray<{ kind: string; data: unknown }>): Map<string, Record<string, string>> {
  const firing = new Map<string, Record<string, string>>();
  for (const entry of entries) {
    if (entry.kind !== 'alert.firing' && entry.kind !== 'alert.resolved') continue;
    const signals = (entry.data as { signals?: unknown } | null)?.signals;
    if (!Array.isArray(signals)) continue;
    for (const s of signals as unknown[]) {
      const attributes = (s as { attributes?: unknown } | null)?.attributes as Record<string, unknown> | undefined;
      const fingerprint = attributes?.['fingerprint'];
      const labels = attributes?.['labels'];
      if (typeof fingerprint !== 'string' || typeof labels !== 'object' || labels === null) continue;
      if (entry.kind === 'alert.resolved') {
        firing.delete(fingerprint);
        continue;
      }
      const clean: Record<string, string> = {};
      for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') clean[k] = v;
      if (Object.keys(clean).length > 0) firing.set(fingerprint, clean);
    }
  }
  return firing;
}
