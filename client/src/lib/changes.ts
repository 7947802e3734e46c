// Changes as the incident page shows them: the suspected change in words, and its roll back
// (`POST /api/changes/:id/rollback`). A refusal Compose or Swarm owns comes with the command to run.
import type { SuspectedChange } from '@vigil/server/contract';
import { api, ApiError } from './api.ts';
import { isRecord } from './wire.ts';
import { formatDuration } from './time.ts';

export type RollbackOutcome =
  | { kind: 'started'; toImage: string; containerName: string; host: string }
  | { kind: 'refused'; code: string; message: string; command?: string }
  | { kind: 'failed'; message: string };

/** "backend:v1 → backend:v2, 4 m 00 s before it broke (by alice)". */
export function changeSummary(change: SuspectedChange): string {
  const by = change.changedBy ? ` (by ${change.changedBy})` : '';
  return `${change.oldImage ?? '?'} → ${change.newImage ?? '?'}, ${formatDuration(change.beforeMs, { unit: 's' })} before it broke${by}`;
}

export async function rollBack(changeId: string): Promise<RollbackOutcome> {
  try {
    const body = await api.post(`/api/changes/${encodeURIComponent(changeId)}/rollback`);
    if (!isRecord(body) || typeof body['toImage'] !== 'string') return { kind: 'failed', message: 'Vigil answered in a shape this page does not understand.' };
    return { kind: 'started', toImage: body['toImage'], containerName: String(body['containerName'] ?? ''), host: String(body['host'] ?? '') };
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      const command = isRecord(err.details) && typeof err.details['command'] === 'string' ? err.details['command'] : undefined;
      return { kind: 'refused', code: err.code, message: err.message, ...(command === undefined ? {} : { command }) };
    }
    return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}
