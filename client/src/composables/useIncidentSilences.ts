// An incident's silences in Alertmanager (GET /api/incidents/:id/silences), read again when the
// page's live data says they moved (a silence.* entry, an acknowledgement or resolution) and every
// 30 s while shown: whether a silence still matches anything is not a timeline event.
import type { Ref } from 'vue';
import { incidentSilences } from '../lib/silences.ts';
import { useIncidentResource } from './useIncidentResource.ts';

const REFRESH_MS = 30_000;

export function useIncidentSilences(incidentId: Ref<string>, changes: () => unknown) {
  const { data: silences, error, reload } = useIncidentResource(incidentId, changes, incidentSilences, { refreshMs: REFRESH_MS });
  return { silences, error, reload };
}
