// What people do about a change: roll it back (actions/rollback.ts), answered once it is on record.
import type { AuditContext } from '../audit.ts';
import type { RollbackResult } from '../contract/index.ts';
import { ApiFailure } from '../contract/index.ts';
import type { RollbackAction } from '../actions/rollback.ts';
import type { ChangeQueries } from './changes.ts';

export class ChangeActions {
  private readonly deps: { queries: ChangeQueries; rollbacks: RollbackAction };

  constructor(deps: { queries: ChangeQueries; rollbacks: RollbackAction }) {
    this.deps = deps;
  }

  /** 202: the roll back is asked for and under way; its outcome goes on the timeline and the audit log. */
  async rollback(id: string, by: AuditContext): Promise<RollbackResult> {
    const change = await this.deps.queries.get(id);
    if (change === null) throw new ApiFailure(404, 'not_found', `No change ${id} (GET /api/changes lists them).`);
    const { actionId, container, toImage } = await this.deps.rollbacks.request(change, by.actor, by.ip);
    return { actionId, host: container.host, containerId: container.id, containerName: container.name, fromImage: change.newImage ?? '', toImage };
  }
}
