// The post-mortem and action-item answers (docs/api.md, "Extensions") and their shape checks, and
// the paths that serve them. No Markdown, sanitizer or diff here: this file may ship with the board.
import type { ActionItem, PostmortemVersionView, PostmortemView, VersionConflict } from '@vigil/server/contract';
import { isRecord } from './wire.ts';

const str = (v: unknown): v is string => typeof v === 'string';
const version = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function isPostmortemView(v: unknown): v is PostmortemView {
  return isRecord(v) && str(v['incidentId']) && str(v['markdown']) && version(v['version'])
    && (v['updatedAt'] === null || str(v['updatedAt'])) && str(v['updatedBy']) && typeof v['draft'] === 'boolean';
}

export function isPostmortemVersionView(v: unknown): v is PostmortemVersionView {
  return isRecord(v) && version(v['version']) && str(v['author']) && str(v['savedAt']) && str(v['markdown']);
}

export function isVersionList(v: unknown): v is { items: PostmortemVersionView[] } {
  return isRecord(v) && Array.isArray(v['items']) && v['items'].every(isPostmortemVersionView);
}

export function isVersionConflict(v: unknown): v is VersionConflict {
  if (!isRecord(v) || !version(v['currentVersion'])) return false;
  const current = v['current'];
  return current === null || (isRecord(current) && str(current['markdown']) && str(current['author']) && str(current['savedAt']));
}

export function isActionItem(v: unknown): v is ActionItem {
  return isRecord(v) && version(v['index']) && str(v['text']) && typeof v['done'] === 'boolean'
    && str(v['incidentId']) && str(v['incidentTitle']) && str(v['service']) && version(v['version']);
}

export function isActionItemList(v: unknown): v is { items: ActionItem[] } {
  return isRecord(v) && Array.isArray(v['items']) && v['items'].every(isActionItem);
}

const incidentPath = (incidentId: string): string => `/api/incidents/${encodeURIComponent(incidentId)}`;

export const postmortemPaths = {
  doc: (incidentId: string) => `${incidentPath(incidentId)}/postmortem`,
  versions: (incidentId: string) => `${incidentPath(incidentId)}/postmortem/versions`,
  markdown: (incidentId: string) => `${incidentPath(incidentId)}/postmortem.md`,
  actionItem: (incidentId: string, index: number) => `${incidentPath(incidentId)}/postmortem/action-items/${index}`,
  openActionItems: '/api/action-items?status=open',
};

/** A stable key for an action item across reloads (its position in its incident's document). */
export function actionItemKey(item: Pick<ActionItem, 'incidentId' | 'index'>): string {
  return `${item.incidentId}#${item.index}`;
}

/**
 * An action item's Markdown as plain words for the board (which does not ship a Markdown
 * renderer): `_x_`, `*x*`, `**x**`, `` `x` `` and `[x](url)` lose their markers.
 */
export function plainInline(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/(^|[^\w*])([*_])(?=\S)(.+?)(?<=\S)\2(?![\w*])/g, '$1$3');
}

/** `postmortem-<incident>-chart.png`: the file name next to the server's `postmortem-<incident>.md`. */
export function chartFileName(incidentId: string): string {
  return `postmortem-${incidentId.replace(/[^A-Za-z0-9_.-]/g, '_')}-chart.png`;
}
