// Post-mortems and their action items (`/api/incidents/:id/postmortem…`, `GET /api/action-items`).

/** `GET`/`PUT /api/incidents/:id/postmortem`. `version` 0 and `draft` while it is Vigil's unsaved draft. */
export interface PostmortemView {
  incidentId: string;
  markdown: string;
  version: number;
  updatedAt: string | null;
  updatedBy: string;
  draft: boolean;
}

/** One saved version, from `GET …/postmortem/versions` (oldest first). */
export interface PostmortemVersionView {
  version: number;
  author: string;
  savedAt: string;
  markdown: string;
}

/** The `details` of a 409 `version_conflict`: what someone else saved meanwhile. */
export interface VersionConflict {
  currentVersion: number;
  current: { markdown: string; author: string; savedAt: string } | null;
}

/**
 * A task line of a saved post-mortem's "Action Items" section, from `GET /api/action-items`. The
 * document holds the first three fields; the list adds where the item is.
 */
export interface ActionItem {
  /** 0-based position among the section's task lines. */
  index: number;
  text: string;
  done: boolean;
  incidentId: string;
  incidentTitle: string;
  service: string;
  /** The post-mortem version the item was read from: the one a tick must name. */
  version: number;
}

/** An action item as its document alone tells it. */
export type TrackedActionItem = Pick<ActionItem, 'index' | 'text' | 'done'>;

/** `PATCH …/postmortem/action-items/:index`: the saved post-mortem and its items. */
export interface ActionItemToggled extends PostmortemView {
  actionItems: TrackedActionItem[];
}

export function toPostmortemVersionView(saved: PostmortemVersionView): PostmortemVersionView {
  return { version: saved.version, author: saved.author, savedAt: saved.savedAt, markdown: saved.markdown };
}
