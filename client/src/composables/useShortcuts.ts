// Binds page shortcuts (see lib/shortcuts.ts) for as long as the component is mounted.
import { onBeforeUnmount, onMounted } from 'vue';
import { shortcutKey } from '../lib/shortcuts.ts';

export type ShortcutHandlers = Partial<Record<string, (e: KeyboardEvent) => void>>;

export function useShortcuts(handlers: ShortcutHandlers): void {
  function onKey(e: KeyboardEvent): void {
    const key = shortcutKey(e);
    if (key === null) return;
    const handler = handlers[key];
    if (!handler) return;
    // Enter on a focused link or button already does its own thing.
    if (key === 'Enter' && e.target instanceof HTMLElement && e.target.closest('a, button')) return;
    e.preventDefault();
    handler(e);
  }
  onMounted(() => document.addEventListener('keydown', onKey));
  onBeforeUnmount(() => document.removeEventListener('keydown', onKey));
}
