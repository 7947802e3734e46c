// The paging rules (paging/README.md "Rules") as one pure function: an incident as it is now, what the
// outbox already holds for it, and the configuration in; the pages to enqueue, the escalations to
// cancel and when to plan again out. What was paged is read from the outbox only, so planning again
// (after a restart, on every change of the incident) enqueues nothing twice.
//
// The chain: every matching policy pages round r, step s at `start + r × roundLength + afterSeconds`.
// `start` is the incident's opening, or a later re-start of the chain: a flap (mitigated, then open
// again) that comes at least FLAP_COOLDOWN_MS after the last page, or a rise of the severity above
// every page so far (then the chain re-starts at once, anchored by the first page that carried the
// new severity: until one exists, "at once" is now).
// When the planner runs late (after a restart), the steps of the latest round due are paged, earlier
// rounds are skipped: nobody gets a burst of stale escalations.
import type { ChannelType, ContactMethods, EscalationPolicy, Incident, PageEvent, Schedule, Severity, TimelineEntry } from '../contract/index.ts';
import { stableId } from '../domain/ids.ts';
import { KIND } from '../domain/kinds.ts';
import { severityAtLeast } from '../domain/machine.ts';
import type { OutboxRecord } from '../store/types.ts';
import { ACK_TTL_MS } from './ack.ts';
import { serviceMatches } from './policy-config.ts';
import { renderPage, type RenderInput } from './render.ts';
import { directoryOf, nameOf, reach, recipientKey, type Directory, type Recipient } from './targets.ts';

export { recipientKey } from './targets.ts';

/** An opened page to a recipient this soon after its previous one joins the digest instead. */
export const DIGEST_WINDOW_MS = 5_000;
/** A flapping incident does not re-page this soon after its last page (unless its severity rose). */
export const FLAP_COOLDOWN_MS = 10 * 60_000;
/** A round lasts its last step's afterSeconds and this much more. */
export const ROUND_GAP_MS = 300_000;

export interface PlanInput {
  now: Date;
  incident: Incident;
  /** The incident's timeline: what the pages say, and its flaps. */
  timeline: readonly TimelineEntry[];
  policies: readonly EscalationPolicy[];
  schedules: readonly Schedule[];
  contacts: Readonly<Record<string, ContactMethods>>;
  /** Enabled people only: the others are not paged. */
  users: Readonly<Record<string, { id: string; username: string }>>;
  /** In the admin's order: the first of a type carries people's contacts of that type. */
  channels: ReadonlyArray<{ id: string; name: string; type: ChannelType }>;
  /** Supervision paused for the service, or a maintenance window covering it now. */
  inMaintenance: boolean;
  /** Every record naming this incident (store.outbox.forIncident). */
  existing: readonly OutboxRecord[];
  /** recipientKey (the channel id, or `channelId/userId` for a person) → createdAt of its last opened page or digest. */
  recentOpenedByChannel: Readonly<Record<string, string>>;
  publicUrl: string;
  newAckToken: () => { token: string; hash: string };
}

export interface Plan {
  enqueue: OutboxRecord[];
  /** Pending records of these events (for this incident) are to be cancelled. */
  cancel: PageEvent[];
  /** When the next step is due (ISO), for the service's timer; null when nothing more is planned. */
  nextAt: string | null;
  /** Opened pages that join the recipient's digest: the service sends one digest when the window ends. */
  digest: Array<{ channelId: string; userId?: string; incidentId: string }>;
  /** People a due step named who have no contact method any channel can carry (worth a timeline note). */
  unreachable: string[];
}

const nothing = (): Plan => ({ enqueue: [], cancel: [], nextAt: null, digest: [], unreachable: [] });
const PAGE_EVENTS: ReadonlySet<PageEvent> = new Set(['incident.opened', 'incident.escalated', 'digest']);
/** A policy pages an incident whose service matches one of its patterns and whose severity is at least its lowest. */
export function policyApplies(policy: EscalationPolicy, incident: Pick<Incident, 'service' | 'severity'>): boolean {
  return policy.steps.length > 0 && serviceMatches(policy.services, incident.service)
    && (policy.minSeverity === undefined || severityAtLeast(incident.severity, policy.minSeverity));
}

export function plan(input: PlanInput): Plan {
  const { incident, existing } = input;
  if (input.inMaintenance) return nothing();
  const dir = directoryOf(input);
  if (incident.acknowledgedAt !== undefined || incident.resolvedAt !== undefined || incident.status === 'resolved') {
    return closing(input, dir);
  }
  const nowMs = input.now.getTime();
  const pages = existing.filter((r) => PAGE_EVENTS.has(r.event) && r.state !== 'cancelled');
  const chain = currentChain(input, pages, nowMs);
  const chainPages = pages.filter((r) => chain.key === 'open' || Date.parse(r.createdAt) >= chain.startMs).sort(byCreated);
  const existingIds = new Set(existing.map((r) => r.id));
  const policies = input.policies.filter((p) => policyApplies(p, incident)).sort((a, b) => a.id.localeCompare(b.id));

  const out = nothing();
  const planned = new Set<string>();
  // Who has been paged in this chain, in order: "paged before: …" of later steps.
  const pagedBefore: string[] = chainPages.map((r) => nameOf(r, dir));
  let next = Number.POSITIVE_INFINITY;

  for (const policy of policies) {
    const steps = policy.steps.map((s) => ({ ...s, afterMs: Math.max(0, s.afterSeconds) * 1_000 }));
    const roundMs = Math.max(...steps.map((s) => s.afterMs)) + ROUND_GAP_MS;
    const repeat = Math.min(10, Math.max(0, Math.trunc(policy.repeat)));
    // A re-page for a risen severity is at once: its chain is anchored by that first page.
    const dueAt = (r: number, s: number) => chain.startMs + r * roundMs + (s === 0 && chain.immediate ? 0 : steps[s]?.afterMs ?? 0);
    if (dueAt(0, 0) > nowMs) {
      next = Math.min(next, dueAt(0, 0));
      continue;
    }
    const round = Math.min(repeat, Math.floor((nowMs - dueAt(0, 0)) / roundMs));
    steps.forEach((step, s) => {
      const due = dueAt(round, s);
      if (due > nowMs) {
        next = Math.min(next, due);
        return;
      }
      const event: PageEvent = round === 0 && s === 0 ? 'incident.opened' : 'incident.escalated';
      const { recipients, unreachable } = reach(step.targets, new Date(due), dir);
      for (const u of unreachable) if (!out.unreachable.includes(u)) out.unreachable.push(u);
      const notAnswering = [...new Set(pagedBefore)];
      for (const recipient of recipients) {
        const key = recipientKey(recipient);
        // Two policies paging one recipient at the same place of the chain: once (the first policy by id).
        const place = `${round}|${s}|${key}|${event}`;
        if (planned.has(place)) continue;
        planned.add(place);
        const id = stableId('page', incident.id, policy.id, chain.key, round, s, key, event);
        if (existingIds.has(id) || alreadyPaged(recipient, event, round, s, chainPages, incident.id)) continue;
        if (event === 'incident.opened' && withinDigestWindow(input.recentOpenedByChannel[key], nowMs)) {
          out.digest.push({ channelId: recipient.channelId, ...(recipient.userId === undefined ? {} : { userId: recipient.userId }), incidentId: incident.id });
          continue;
        }
        const render: RenderInput = event === 'incident.opened'
          ? { event, incident, timeline: input.timeline, publicUrl: input.publicUrl }
          : { event, incident, timeline: input.timeline, publicUrl: input.publicUrl, escalation: { step: s, round, notAnswering }, now: input.now };
        out.enqueue.push(record(id, recipient, [incident.id], event, s, render, input));
      }
      for (const r of recipients) pagedBefore.push(nameOf(r, dir));
    });
    if (round < repeat) next = Math.min(next, dueAt(round + 1, 0));
  }
  out.nextAt = Number.isFinite(next) ? new Date(next).toISOString() : null;
  return out;
}

/** Acknowledged or resolved: no more escalation; each recipient that got a page hears it once. */
function closing(input: PlanInput, dir: Directory): Plan {
  const { incident, existing } = input;
  const resolved = incident.resolvedAt !== undefined || incident.status === 'resolved';
  const event: PageEvent = resolved ? 'incident.resolved' : 'incident.acknowledged';
  const cancel: PageEvent[] = existing.some((r) => r.event === 'incident.escalated' && r.state === 'pending') ? ['incident.escalated'] : [];
  const existingIds = new Set(existing.map((r) => r.id));
  const enqueue: OutboxRecord[] = [];
  const seen = new Set<string>();
  // A digest's recipients are not told about each incident it listed closing: that would be the storm again.
  for (const r of [...existing].sort(byCreated)) {
    if (r.event !== 'incident.opened' && r.event !== 'incident.escalated') continue;
    // Delivered, or on its way; a pending escalation is cancelled now, so its recipient never heard of it.
    if (!(r.state === 'delivered' || (r.state === 'pending' && r.event === 'incident.opened'))) continue;
    const recipient: Recipient = { channelId: r.channelId, ...(r.userId === undefined ? {} : { userId: r.userId }) };
    const key = recipientKey(recipient);
    if (seen.has(key) || !dir.channels.has(r.channelId)) continue;
    seen.add(key);
    const id = stableId('page', incident.id, 'closing', key, event);
    if (existingIds.has(id)) continue;
    const render: RenderInput = resolved
      ? { event: 'incident.resolved', incident, publicUrl: input.publicUrl, now: input.now }
      : { event: 'incident.acknowledged', incident, publicUrl: input.publicUrl };
    enqueue.push(record(id, recipient, [incident.id], event, undefined, render, input, false));
  }
  return { enqueue, cancel, nextAt: null, digest: [], unreachable: [] };
}

interface Chain {
  key: string;
  startMs: number;
  /** Its first step pages at the start, whatever its afterSeconds (a severity rise). */
  immediate?: boolean;
}

/** Where the escalation chain starts now: the opening, an effective flap, or a rise of the severity. */
function currentChain(input: PlanInput, pages: readonly OutboxRecord[], nowMs: number): Chain {
  const { incident } = input;
  // Docker's clock may be a little ahead of ours: an incident we hear of has opened by now.
  let chain: Chain = { key: 'open', startMs: Math.min(Date.parse(incident.openedAt), nowMs) };
  const created = pages.map((r) => Date.parse(r.createdAt));
  for (const flap of input.timeline.filter((e) => e.kind === KIND.flapping).sort((a, b) => a.at.localeCompare(b.at))) {
    const at = Date.parse(flap.at);
    if (!(at > chain.startMs)) continue;
    const pagedRecently = created.some((c) => c <= at && c > at - FLAP_COOLDOWN_MS);
    if (!pagedRecently) chain = { key: `flap:${flap.at}`, startMs: at };
  }
  const severities = pages.map((r) => ({ createdMs: Date.parse(r.createdAt), severity: pagedSeverity(r, incident.id) }));
  if (severities.some((p) => p.severity !== undefined && !severityAtLeast(p.severity, incident.severity))) {
    const firstAtNew = Math.min(...severities.filter((p) => p.severity === incident.severity).map((p) => p.createdMs));
    const startMs = Number.isFinite(firstAtNew) ? firstAtNew : nowMs;
    if (startMs >= chain.startMs) chain = { key: `severity:${incident.severity}`, startMs, immediate: true };
  }
  return chain;
}

/** The severity a page told (a digest: the incident's own line in it). */
function pagedSeverity(r: OutboxRecord, incidentId: string): Severity | undefined {
  const m = r.message;
  if (r.event === 'digest' && Array.isArray(m['incidents'])) {
    const line: unknown = m['incidents'].find((i: unknown) => typeof i === 'object' && i !== null && (i as { id?: unknown }).id === incidentId);
    const s = typeof line === 'object' && line !== null ? (line as { severity?: unknown }).severity : undefined;
    if (isSeverity(s)) return s;
  }
  return isSeverity(m['severity']) ? m['severity'] : undefined;
}

function isSeverity(v: unknown): v is Severity {
  return v === 'critical' || v === 'warning' || v === 'info';
}

/**
 * Whether this recipient already has this place of the chain from another record (another policy,
 * or a digest that stood for the opened page).
 */
function alreadyPaged(recipient: Recipient, event: PageEvent, round: number, step: number, pages: readonly OutboxRecord[], incidentId: string): boolean {
  const key = recipientKey(recipient);
  return pages.some((r) => {
    if (recipientKey(r) !== key) return false;
    if (event === 'incident.opened') return r.event === 'digest' ? r.incidentIds.includes(incidentId) : r.event === 'incident.opened';
    const m = r.message['escalation'];
    const pagedRound = typeof m === 'object' && m !== null ? (m as { round?: unknown }).round : undefined;
    return r.event === 'incident.escalated' && r.step === step && pagedRound === round;
  });
}

function withinDigestWindow(last: string | undefined, nowMs: number): boolean {
  if (last === undefined) return false;
  const lastMs = Date.parse(last);
  return Number.isFinite(lastMs) && Math.abs(nowMs - lastMs) < DIGEST_WINDOW_MS;
}

function byCreated(a: OutboxRecord, b: OutboxRecord): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

function record(
  id: string, recipient: Recipient, incidentIds: string[], event: PageEvent, step: number | undefined,
  render: RenderInput, ctx: { now: Date; newAckToken: PlanInput['newAckToken'] }, withAck = true,
): OutboxRecord {
  const now = ctx.now.toISOString();
  const ack = withAck ? ctx.newAckToken() : undefined;
  const mentions = recipient.mentions === undefined ? {} : { mentions: recipient.mentions };
  const message = renderPage({ ...render, ...mentions, ...(ack === undefined ? {} : { ackToken: ack.token }) } as RenderInput);
  return {
    id,
    channelId: recipient.channelId,
    ...(recipient.userId === undefined ? {} : { userId: recipient.userId }),
    incidentIds,
    event,
    ...(step === undefined ? {} : { step }),
    message: message as unknown as Record<string, unknown>,
    state: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    ...(ack === undefined ? {} : { ackTokenHash: ack.hash, ackExpiresAt: new Date(ctx.now.getTime() + ACK_TTL_MS).toISOString() }),
  };
}

export interface DigestInput {
  channelId: string;
  /** A person's digest through that channel (their contact), or the channel's own. */
  userId?: string;
  incidents: readonly Incident[];
  now: Date;
  publicUrl: string;
  newAckToken: () => { token: string; hash: string };
}

/** One page listing every incident that opened within a recipient's digest window; the same incidents, the same id. */
export function buildDigest(input: DigestInput): OutboxRecord {
  const incidentIds = [...new Set(input.incidents.map((i) => i.id))].sort();
  if (incidentIds.length === 0) throw new RangeError('a digest lists at least one incident');
  const recipient: Recipient = { channelId: input.channelId, ...(input.userId === undefined ? {} : { userId: input.userId }) };
  const id = stableId('page', 'digest', recipientKey(recipient), ...incidentIds);
  return record(id, recipient, incidentIds, 'digest', undefined, { event: 'digest', incidents: input.incidents, publicUrl: input.publicUrl }, input);
}
