// A paging form sent once at a time: the server's whole message beside the form (`error`), and each
// problem of a 400 beside the field it names, down to nested ones (`config.url`, `steps.1.targets`).
import { ref } from 'vue';
import { errorText } from '../lib/admin.ts';
import { problemAt, problemsByPath } from '../lib/paging-forms.ts';

export function useSaveForm() {
  const saving = ref(false);
  const problems = ref<Record<string, string>>({});
  const error = ref<string | null>(null);

  /** Runs `save`; resolves true when it went through. */
  async function submit(save: () => Promise<void>): Promise<boolean> {
    if (saving.value) return false;
    saving.value = true;
    problems.value = {};
    error.value = null;
    try {
      await save();
      return true;
    } catch (err) {
      problems.value = problemsByPath(err);
      error.value = errorText(err);
      return false;
    } finally {
      saving.value = false;
    }
  }

  function reset(): void {
    problems.value = {};
    error.value = null;
  }

  const problem = (path: string): string | undefined => problemAt(problems.value, path);

  return { saving, problems, error, submit, reset, problem };
}
