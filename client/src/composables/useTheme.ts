// The page's colour theme: `data-theme` on <html>, the person's choice kept in localStorage,
// otherwise following the system (live, if it changes at night).
import { readonly, ref } from 'vue';
import { otherTheme, parseTheme, resolveTheme, THEME_STORAGE_KEY, type Theme } from '../lib/theme.ts';

const theme = ref<Theme>('light');
let saved: Theme | null = null;
let started = false;

function readSaved(): Theme | null {
  try {
    return parseTheme(localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return null; // storage may be blocked; the system preference still applies
  }
}

function apply(next: Theme): void {
  theme.value = next;
  document.documentElement.dataset['theme'] = next;
}

/** Runs once before the app mounts, so the first paint already has the right colours. */
export function initTheme(): void {
  if (started) return;
  started = true;
  saved = readSaved();
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  apply(resolveTheme(saved, media.matches));
  media.addEventListener('change', (e) => { if (saved === null) apply(resolveTheme(null, e.matches)); });
  window.addEventListener('storage', (e) => {
    if (e.key !== THEME_STORAGE_KEY) return;
    saved = parseTheme(e.newValue);
    apply(resolveTheme(saved, media.matches));
  });
}

export function useTheme() {
  function setTheme(next: Theme): void {
    saved = next;
    try {
      localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // not saved, still applied for this page
    }
    apply(next);
  }
  return {
    theme: readonly(theme),
    setTheme,
    toggle: () => setTheme(otherTheme(theme.value)),
  };
}
