// A paging panel's list of named things edited one at a time in a form above it (a new one or an
// existing one), deleted after a ConfirmDialog (bound with ref="dialog"), and the last of these
// said once (`done`). `load` re-reads the list after each.
import { nextTick, ref, type Ref } from 'vue';
import { useConfirmedAction } from './useConfirmedAction.ts';

interface Named { id: string; name: string }

export interface EditedListOptions {
  /** The thing, in the sentences: "the policy". */
  noun: string;
  /** The form's data-testid: its first input gets the focus when it opens. */
  formTestId: string;
  load: () => Promise<void>;
  remove: (id: string) => Promise<void>;
  /** Said after "Added the … “name”." */
  afterAdded?: string;
}

export function useEditedList<T extends Named>(opts: EditedListOptions) {
  /** The form: closed, a new one, or the one being edited. */
  const editing = ref(null) as Ref<T | 'new' | null>;
  const done = ref<string | null>(null);

  function open(target: T | 'new'): void {
    done.value = null;
    editing.value = target;
    void nextTick(() => document.querySelector<HTMLInputElement>(`[data-testid="${opts.formTestId}"] input`)?.focus());
  }

  async function onSaved(item: T): Promise<void> {
    done.value = editing.value === 'new'
      ? `Added ${opts.noun} “${item.name}”.${opts.afterAdded ? ` ${opts.afterAdded}` : ''}`
      : `Saved ${opts.noun} “${item.name}”.`;
    editing.value = null;
    await opts.load();
  }

  const { pending, busy, actionError, dialog, ask, confirm: confirmAction } = useConfirmedAction<T>();
  const confirm = () => confirmAction(async (item) => {
    done.value = null;
    await opts.remove(item.id);
    done.value = `Deleted ${opts.noun} “${item.name}”.`;
    if (editing.value !== 'new' && editing.value?.id === item.id) editing.value = null;
  }, opts.load);

  return { editing, done, open, onSaved, pending, busy, actionError, dialog, ask, confirm };
}
