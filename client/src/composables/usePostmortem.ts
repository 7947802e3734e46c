// One incident's post-mortem as the editor sees it: what the server holds, the text being edited
// and the version it was based on, the saved versions, and the 409 a stale save meets. A save
// never overwrites someone else's: it names the version it edits, and a conflict is offered for merging.
import { computed, ref, type Ref } from 'vue';
import { api, ApiError } from '../lib/api.ts';
import type { PostmortemVersionView, PostmortemView } from '@vigil/server/contract';
import { isPostmortemView, isVersionConflict, isVersionList, postmortemPaths } from '../lib/postmortem.ts';

const BAD_SHAPE = 'Vigil answered with a post-mortem in a shape this page does not understand; reload the page.';

export interface Conflict {
  /** The text you tried to save. */
  yours: string;
  /** The text your edit started from. */
  base: string;
  theirs: { version: number; markdown: string; author: string; savedAt: string };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function usePostmortem(incidentId: Ref<string>) {
  /** The server's answer: the latest saved version, or Vigil's draft (version 0). */
  const doc = ref<PostmortemView | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  /** The editor's text. */
  const text = ref('');
  /** The version the editor's text was based on, and its text (for "unsaved changes" and merges). */
  const base = ref<{ version: number; markdown: string }>({ version: 0, markdown: '' });
  /** False until a saved version is loaded or the draft was generated into the editor. */
  const editing = ref(false);
  const saving = ref(false);
  const saveError = ref<string | null>(null);
  const savedNote = ref<string | null>(null);
  const conflict = ref<Conflict | null>(null);
  const versions = ref<PostmortemVersionView[]>([]);
  const versionsError = ref<string | null>(null);

  const saved = computed(() => doc.value !== null && !doc.value.draft);
  /** Edits not saved yet (a generated draft nobody touched is not a loss). */
  const dirty = computed(() => editing.value && text.value !== base.value.markdown);

  async function fetchDoc(): Promise<PostmortemView> {
    const answer = await api.get(postmortemPaths.doc(incidentId.value));
    if (!isPostmortemView(answer)) throw new Error(BAD_SHAPE);
    return answer;
  }

  async function loadVersions(): Promise<void> {
    try {
      const answer = await api.get(postmortemPaths.versions(incidentId.value));
      if (!isVersionList(answer)) throw new Error(BAD_SHAPE);
      versions.value = answer.items;
      versionsError.value = null;
    } catch (err) {
      versionsError.value = message(err);
    }
  }

  function adopt(next: PostmortemView): void {
    doc.value = next;
    base.value = { version: next.version, markdown: next.markdown };
    text.value = next.markdown;
    editing.value = !next.draft;
  }

  async function load(): Promise<void> {
    loading.value = true;
    loadError.value = null;
    conflict.value = null;
    saveError.value = null;
    savedNote.value = null;
    try {
      adopt(await fetchDoc());
      await loadVersions();
    } catch (err) {
      loadError.value = message(err);
    } finally {
      loading.value = false;
    }
  }

  /** Vigil's draft from the timeline as it is now, into the editor (nothing is saved yet). */
  async function generateDraft(): Promise<void> {
    loading.value = true;
    loadError.value = null;
    try {
      const fresh = await fetchDoc();
      if (!fresh.draft) {
        // Someone saved one meanwhile: theirs is the post-mortem now.
        adopt(fresh);
        savedNote.value = `${fresh.updatedBy} saved version ${fresh.version} meanwhile; it is loaded instead of a draft.`;
        await loadVersions();
        return;
      }
      doc.value = fresh;
      base.value = { version: 0, markdown: fresh.markdown };
      text.value = fresh.markdown;
      editing.value = true;
    } catch (err) {
      loadError.value = message(err);
    } finally {
      loading.value = false;
    }
  }

  /** Saves `markdown` as the version after `onVersion`; a 409 opens the merge view instead. */
  async function save(markdown: string = text.value, onVersion: number = base.value.version): Promise<boolean> {
    if (saving.value) return false;
    saving.value = true;
    saveError.value = null;
    savedNote.value = null;
    const startedFrom = base.value.markdown;
    try {
      const answer = await api.put(postmortemPaths.doc(incidentId.value), { markdown, version: onVersion });
      if (!isPostmortemView(answer)) throw new Error(BAD_SHAPE);
      doc.value = answer;
      base.value = { version: answer.version, markdown: answer.markdown };
      // Typing during the save stays in the editor (and shows as unsaved); otherwise show what was saved.
      if (text.value === markdown || conflict.value !== null) text.value = answer.markdown;
      conflict.value = null;
      savedNote.value = `Saved version ${answer.version}.`;
      await loadVersions();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && isVersionConflict(err.details) && err.details.current) {
        const c = err.details.current;
        conflict.value = {
          yours: markdown,
          base: conflict.value?.base ?? startedFrom,
          theirs: { version: err.details.currentVersion, markdown: c.markdown, author: c.author, savedAt: c.savedAt },
        };
        void loadVersions();
      } else {
        saveError.value = `Not saved: ${message(err)}`;
      }
      return false;
    } finally {
      saving.value = false;
    }
  }

  /** Drops your edit; the editor holds their version, which is already saved. */
  function takeTheirs(): void {
    const c = conflict.value;
    if (!c) return;
    base.value = { version: c.theirs.version, markdown: c.theirs.markdown };
    text.value = c.theirs.markdown;
    doc.value = { incidentId: incidentId.value, markdown: c.theirs.markdown, version: c.theirs.version, updatedAt: c.theirs.savedAt, updatedBy: c.theirs.author, draft: false };
    editing.value = true;
    conflict.value = null;
    savedNote.value = `Took ${c.theirs.author}'s version ${c.theirs.version}; your edit was dropped.`;
  }

  /** Saves your text as the version after theirs (theirs stays in the version list). */
  function keepMine(): Promise<boolean> {
    const c = conflict.value;
    if (!c) return Promise.resolve(false);
    return save(c.yours, c.theirs.version);
  }

  /** Puts `merged` in the editor, based on their version, for a person to finish and save. */
  function editMerged(merged: string): void {
    const c = conflict.value;
    if (!c) return;
    base.value = { version: c.theirs.version, markdown: c.theirs.markdown };
    doc.value = { incidentId: incidentId.value, markdown: c.theirs.markdown, version: c.theirs.version, updatedAt: c.theirs.savedAt, updatedBy: c.theirs.author, draft: false };
    text.value = merged;
    editing.value = true;
    conflict.value = null;
    savedNote.value = null;
  }

  return {
    doc, loading, loadError, text, base, editing, saving, saveError, savedNote, conflict, versions, versionsError,
    saved, dirty, load, loadVersions, generateDraft, save, takeTheirs, keepMine, editMerged,
  };
}
