// An action on one row, asked once in a ConfirmDialog (bound with ref="dialog"): the dialog closes
// when it is done and says the server's words when it failed.
import { ref, type Ref } from 'vue';
import { errorText } from '../lib/admin.ts';

interface Dialog { open(): Promise<void>; close(): void }

export function useConfirmedAction<P>() {
  const pending = ref(null) as Ref<P | null>;
  const busy = ref(false);
  const actionError = ref<string | null>(null);
  const dialog = ref<Dialog | null>(null);

  function ask(target: P): void {
    pending.value = target;
    actionError.value = null;
    void dialog.value?.open();
  }

  /** Runs `act` on the pending target; `after` runs once the dialog is closed, still busy. */
  async function confirm(act: (target: P) => Promise<void>, after?: () => Promise<void>): Promise<void> {
    const target = pending.value;
    if (target === null || busy.value) return;
    busy.value = true;
    try {
      await act(target);
      dialog.value?.close();
      await after?.();
    } catch (err) {
      actionError.value = errorText(err);
    } finally {
      busy.value = false;
    }
  }

  return { pending, busy, actionError, dialog, ask, confirm };
}
