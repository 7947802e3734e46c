// The audit log: who did what, when, from where. Every state-changing action writes one record.
import { randomUUID } from 'node:crypto';
import type { AuditRecord, Store } from './store/types.ts';

export type AuditInput = Omit<AuditRecord, 'id' | 'at'> & { at?: string };

export class AuditLog {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async record(input: AuditInput): Promise<void> {
    const { at, ...rest } = input;
    await this.store.audit.append({ id: randomUUID(), at: at ?? new Date().toISOString(), ...rest });
  }

  list(limit: number, before?: string, beforeId?: string): Promise<AuditRecord[]> {
    return this.store.audit.list({ limit, ...(before ? { before } : {}), ...(before && beforeId ? { beforeId } : {}) });
  }
}
