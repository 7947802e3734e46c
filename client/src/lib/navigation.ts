// Where to go after signing in: only a path inside this app, never another origin.

/** The `next` query value if it is a same-app path ("/x", not "//evil" or "https://…"), else "/". */
export function safeNextPath(next: unknown): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (typeof value !== 'string' || value === '') return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if ([...value].some((c) => c.charCodeAt(0) < 0x20)) return '/'; // no control characters
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login#')) return '/';
  return value;
}
