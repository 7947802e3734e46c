// The keyboard shortcuts, listed once: the help dialog shows this list, pages bind the keys.

export interface Shortcut {
  keys: string[];
  what: string;
  where: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['?'], what: 'Show these shortcuts', where: 'Everywhere' },
  { keys: ['g', 'b'], what: 'Go to the board', where: 'Everywhere' },
  { keys: ['g', 'c'], what: 'Go to containers', where: 'Everywhere' },
  { keys: ['/'], what: 'Search the history', where: 'Board' },
  { keys: ['j'], what: 'Next incident', where: 'Board' },
  { keys: ['k'], what: 'Previous incident', where: 'Board' },
  { keys: ['Enter'], what: 'Open the selected incident', where: 'Board' },
  { keys: ['a'], what: 'Acknowledge the selected incident', where: 'Board, incident' },
  { keys: ['n'], what: 'Add a note', where: 'Incident' },
  { keys: ['r'], what: 'Restart the container (asks first)', where: 'Incident, containers' },
  { keys: ['p'], what: 'Open the post-mortem', where: 'Incident' },
  { keys: ['←', '→'], what: 'Step to the previous / next event', where: 'Incident replay' },
  { keys: ['Space'], what: 'Play or pause the replay', where: 'Incident replay' },
  { keys: ['Ctrl+S'], what: 'Save the post-mortem', where: 'Post-mortem' },
  { keys: ['j', 'k'], what: 'Move between containers', where: 'Containers' },
  { keys: ['Esc'], what: 'Close a dialog', where: 'Dialogs' },
];

/** Keys typed into a field belong to the field. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

/** A shortcut fires only for a plain key press outside fields and outside an open modal dialog. */
export function shortcutKey(e: KeyboardEvent): string | null {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  if (isTypingTarget(e.target)) return null;
  if (typeof document !== 'undefined' && document.querySelector('dialog[open]')) return null;
  return e.key;
}
