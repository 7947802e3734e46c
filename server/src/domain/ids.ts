// Deterministic ids: the same facts always hash to the same id, so replays and duplicates collapse.
import { createHash } from 'node:crypto';

/** A short, stable id: `prefix_` + 24 hex chars of sha256 over the parts (NUL-separated). */
export function stableId(prefix: string, ...parts: readonly (string | number)[]): string {
  return `${prefix}_${stableHash(...parts)}`;
}

export function stableHash(...parts: readonly (string | number)[]): string {
  const hash = createHash('sha256');
  parts.forEach((part, i) => {
    if (i > 0) hash.update('\u0000');
    hash.update(String(part));
  });
  return hash.digest('hex').slice(0, 24);
}
