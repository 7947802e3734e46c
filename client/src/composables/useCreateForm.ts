// A create form sent once at a time: the server's words go beside the field they are about
// (`createErrors`), the whole answer above the form (`createError`).
import { ref } from 'vue';
import { errorText, fieldErrors } from '../lib/admin.ts';

export function useCreateForm() {
  const creating = ref(false);
  const createErrors = ref<Record<string, string>>({});
  const createError = ref<string | null>(null);

  async function submit(create: () => Promise<void>): Promise<void> {
    if (creating.value) return;
    creating.value = true;
    createErrors.value = {};
    createError.value = null;
    try {
      await create();
    } catch (err) {
      createErrors.value = fieldErrors(err);
      createError.value = errorText(err);
    } finally {
      creating.value = false;
    }
  }

  return { creating, createErrors, createError, submit };
}
