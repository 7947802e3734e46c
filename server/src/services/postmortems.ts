// Post-mortems: a draft from the recorded timeline until someone saves one; then versions with
// optimistic concurrency (a stale version is 409, never a silent overwrite); action items across incidents.
import {
  toPostmortemVersionView, type ActionItem, type ActionItemToggled, type IncidentWithTimeline, type PostmortemVersionView, type PostmortemView,
} from '../contract/index.ts';
import { incidentAnalytics } from '../domain/index.ts';
import { draftPostmortem } from '../domain/postmortem/draft.ts';
import { actionItemsOf, setActionItemDone } from '../domain/postmortem/action-items.ts';
import type { StackFindings } from '../domain/postmortem/findings.ts';
import type { Store } from '../store/types.ts';
import type { AuditContext, AuditLog } from '../audit.ts';
import type { Logger } from '../logger.ts';
import { ApiFailure, notFound } from '../contract/index.ts';
import { loadIncidentWithTimeline } from './incidents.ts';

/** Looks at the stack itself (Docker, Prometheus) for a draft's action items; null when it cannot. */
export type FindingsProvider = (incident: IncidentWithTimeline) => Promise<StackFindings | null>;

export type ActionItemFilter = 'open' | 'done' | 'all';

export class Postmortems {
  private readonly deps: { store: Store; audit: AuditLog; findings?: FindingsProvider | undefined };
  private readonly now: () => Date;
  private readonly log: Logger;

  constructor(deps: { store: Store; audit: AuditLog; logger: Logger; findings?: FindingsProvider; now?: () => Date }) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.log = deps.logger.child({ module: 'postmortem' });
  }

  /** The saved post-mortem of the incident, or a draft from its timeline when none was saved. */
  async view(incidentId: string): Promise<PostmortemView> {
    return this.viewOf(await loadIncidentWithTimeline(this.deps.store, incidentId));
  }

  async versions(incidentId: string): Promise<PostmortemVersionView[]> {
    const incident = await loadIncidentWithTimeline(this.deps.store, incidentId);
    return (await this.deps.store.postmortems.versions(incident.id)).map(toPostmortemVersionView);
  }

  /** Saves `markdown` as the version after `expectedVersion`; a stale one is 409 with what to merge. */
  async save(incidentId: string, markdown: string, expectedVersion: number, by: AuditContext): Promise<PostmortemView> {
    const incident = await loadIncidentWithTimeline(this.deps.store, incidentId);
    return this.saveAfter(incident.id, markdown, expectedVersion, by);
  }

  /** Marks one action item done (or not again): an edit of the document, so versions and 409 apply. */
  async markActionItem(incidentId: string, index: string, done: boolean, expectedVersion: number, by: AuditContext): Promise<ActionItemToggled> {
    const current = await this.view(incidentId);
    if (expectedVersion !== current.version) {
      throw new ApiFailure(409, 'version_conflict', `The post-mortem is at version ${current.version}, not ${expectedVersion}; reload it and try again.`, { currentVersion: current.version });
    }
    const at = Number(index);
    const next = Number.isInteger(at) ? setActionItemDone(current.markdown, at, done) : null;
    if (next === null) throw notFound(`Action item ${index} of incident ${current.incidentId}`);
    const saved = await this.saveAfter(current.incidentId, next, expectedVersion, by);
    return { ...saved, actionItems: actionItemsOf(saved.markdown) };
  }

  /** Action items of saved post-mortems across the latest `limit` incidents (drafts hold only suggestions until saved). */
  async actionItems(status: ActionItemFilter, limit: number): Promise<ActionItem[]> {
    const { store } = this.deps;
    const page = await store.incidents.list({ status: 'all', limit });
    const items: ActionItem[] = [];
    for (const incident of page.items) {
      const saved = await store.postmortems.latest(incident.id);
      if (!saved) continue;
      for (const item of actionItemsOf(saved.markdown)) {
        if (status === 'all' || (status === 'done') === item.done) {
          items.push({ ...item, incidentId: incident.id, incidentTitle: incident.title, service: incident.service, version: saved.version });
        }
      }
    }
    return items;
  }

  private async viewOf(incident: IncidentWithTimeline): Promise<PostmortemView> {
    const saved = await this.deps.store.postmortems.latest(incident.id);
    if (saved) {
      return { incidentId: incident.id, markdown: saved.markdown, version: saved.version, updatedAt: saved.savedAt, updatedBy: saved.author, draft: false };
    }
    let findings: StackFindings | null = null;
    try {
      findings = this.deps.findings ? await this.deps.findings(incident) : null;
    } catch (err) {
      // The draft is still worth having without them; say why in the log.
      this.log.warn({ err, incident: incident.id }, 'could not look at the stack for action items');
    }
    const { markdown } = draftPostmortem({ incident, analytics: incidentAnalytics(incident, this.now().toISOString()), findings });
    return { incidentId: incident.id, markdown, version: 0, updatedAt: null, updatedBy: 'vigil', draft: true };
  }

  private async saveAfter(incidentId: string, markdown: string, expectedVersion: number, by: AuditContext): Promise<PostmortemView> {
    const { store, audit } = this.deps;
    const savedAt = this.now().toISOString();
    const result = await store.postmortems.save({ incidentId, markdown, author: by.actor, expectedVersion, savedAt });
    if (!result.ok) {
      await audit.record({ ...by, action: 'postmortem.save', target: incidentId, outcome: 'denied', detail: { staleVersion: expectedVersion, currentVersion: result.currentVersion } });
      const current = await store.postmortems.latest(incidentId);
      throw new ApiFailure(409, 'version_conflict',
        `Someone saved version ${result.currentVersion} after the version ${expectedVersion} you edited; nothing was overwritten. Merge your text with theirs and save again with version ${result.currentVersion}.`,
        { currentVersion: result.currentVersion, current: current ? { markdown: current.markdown, author: current.author, savedAt: current.savedAt } : null });
    }
    await audit.record({ ...by, action: 'postmortem.save', target: incidentId, outcome: 'ok', detail: { version: result.version } });
    return { incidentId, markdown, version: result.version, updatedAt: savedAt, updatedBy: by.actor, draft: false };
  }
}
