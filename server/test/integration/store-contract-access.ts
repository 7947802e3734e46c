// The store contract, second half: users, sessions, API tokens, audit, settings, and what survives
// closing and reopening the store.
import { describe, expect, it } from 'vitest';
import type { ApiTokenRecord, AuditRecord, SessionRecord, UserRecord } from '../../src/store/types.ts';
import { StoreConflictError } from '../../src/store/types.ts';
import type { StoreTestContext } from './store-contract.ts';
import { incident, signal, t } from './store-contract.ts';

const user = (id: string, username: string, overrides: Partial<UserRecord> = {}): UserRecord => ({
  id, username, passwordHash: `scrypt$${id}`, role: 'responder', createdAt: t(1), ...overrides,
});

const session = (idHash: string, userId: string, expiresAt: string, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  idHash, userId, csrfToken: `csrf-${idHash}`, createdAt: t(0), expiresAt, ...overrides,
});

const token = (id: string, tokenHash: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id, name: `token ${id}`, role: 'viewer', tokenHash, createdBy: 'admin-id', createdAt: t(1), ...overrides,
});

export function accessContract(ctx: StoreTestContext): void {
  describe('users', () => {
    it('creates, finds and lists users; a taken username is a conflict', async () => {
      const store = await ctx.open();
      const bob = user('u2', 'bob', { role: 'admin', disabled: true });
      const alice = user('u1', 'alice');
      await store.users.create(bob);
      await store.users.create(alice);
      expect(await store.users.byUsername('alice')).toStrictEqual(alice);
      expect(await store.users.byId('u2')).toStrictEqual(bob);
      expect(await store.users.byUsername('carol')).toBeNull();
      expect(await store.users.byId('u9')).toBeNull();
      expect((await store.users.list()).map((u) => u.username)).toEqual(['alice', 'bob']);
      expect(await store.users.count()).toBe(2);
      await expect(store.users.create(user('u3', 'alice'))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.users.count()).toBe(2);
      expect((await store.users.byUsername('alice'))?.id).toBe('u1');
    });

    it('usernames are unique regardless of case, and found regardless of case', async () => {
      const store = await ctx.open();
      const admin = user('u1', 'admin', { role: 'admin' });
      await store.users.create(admin);
      for (const [id, name] of [['u2', 'ADMIN'], ['u3', 'Admin'], ['u4', 'aDmIn']] as const) {
        await expect(store.users.create(user(id, name))).rejects.toBeInstanceOf(StoreConflictError);
      }
      expect(await store.users.count()).toBe(1);
      for (const name of ['admin', 'ADMIN', 'Admin']) expect(await store.users.byUsername(name), name).toStrictEqual(admin);
      // Only ASCII letters fold: a look-alike (the Kelvin sign for K) is another, unknown name.
      await store.users.create(user('u5', 'kate'));
      expect(await store.users.byUsername('\u212Aate')).toBeNull();
      expect((await store.users.byUsername('KATE'))?.id).toBe('u5');
      // Survives reopening (the index is in the store, not in the process).
      const again = await ctx.reopen();
      await expect(again.users.create(user('u6', 'KATE'))).rejects.toBeInstanceOf(StoreConflictError);
    });
  });

  describe('sessions', () => {
    it('creates, reads and deletes sessions; deleteExpired removes only those past their time', async () => {
      const store = await ctx.open();
      const live = session('h-live', 'u1', t(50), { ip: '10.0.0.7' });
      await store.sessions.create(live);
      await store.sessions.create(session('h-old', 'u1', t(10)));
      await store.sessions.create(session('h-edge', 'u2', t(20)));
      await store.sessions.create(session('h-u2', 'u2', t(40)));
      expect(await store.sessions.get('h-live')).toStrictEqual(live);
      expect(await store.sessions.get('h-none')).toBeNull();
      expect(await store.sessions.deleteExpired(t(20))).toBe(2);
      expect(await store.sessions.get('h-old')).toBeNull();
      expect(await store.sessions.get('h-edge')).toBeNull();
      expect(await store.sessions.get('h-u2')).not.toBeNull();
      expect(await store.sessions.deleteExpired(t(20))).toBe(0);
      await store.sessions.delete('h-live');
      expect(await store.sessions.get('h-live')).toBeNull();
      await store.sessions.create(session('h-u2b', 'u2', t(60)));
      expect(await store.sessions.deleteForUser('u2')).toBe(2);
      expect(await store.sessions.get('h-u2b')).toBeNull();
    });
  });

  describe('api tokens', () => {
    it('finds tokens by hash and revokes them once', async () => {
      const store = await ctx.open();
      const ci = token('t1', 'hash-1');
      await store.apiTokens.create(ci);
      await store.apiTokens.create(token('t2', 'hash-2', { createdAt: t(2), role: 'responder' }));
      expect(await store.apiTokens.byHash('hash-1')).toStrictEqual(ci);
      expect(await store.apiTokens.byHash('hash-x')).toBeNull();
      expect((await store.apiTokens.list()).map((x) => x.id)).toEqual(['t1', 't2']);
      expect(await store.apiTokens.revoke('t1', t(30))).toBe(true);
      expect(await store.apiTokens.revoke('t1', t(40))).toBe(false);
      expect(await store.apiTokens.revoke('t9', t(40))).toBe(false);
      expect(await store.apiTokens.byHash('hash-1')).toStrictEqual({ ...ci, revokedAt: t(30) });
      expect((await store.apiTokens.byHash('hash-2'))?.revokedAt).toBeUndefined();
      await expect(store.apiTokens.create(token('t3', 'hash-2'))).rejects.toBeInstanceOf(StoreConflictError);
    });
  });

  describe('audit', () => {
    it('lists newest first, with a limit and a before-time', async () => {
      const store = await ctx.open();
      const restart: AuditRecord = {
        id: 'a2', at: t(2), actor: 'alice', action: 'container.restart', target: 'backend', ip: '10.0.0.7', outcome: 'ok',
        detail: { container: 'abc', labels: { 'vigil.supervise': 'true' } },
      };
      await store.audit.append({ id: 'a1', at: t(1), actor: 'system', action: 'user.create', outcome: 'ok' });
      await store.audit.append(restart);
      await store.audit.append({ id: 'a3', at: t(3), actor: 'mallory', action: 'login', outcome: 'denied' });
      await store.audit.append({ id: 'a3b', at: t(3), actor: 'bob', action: 'login', outcome: 'failed' });
      expect((await store.audit.list({ limit: 10 })).map((a) => a.id)).toEqual(['a3b', 'a3', 'a2', 'a1']);
      expect((await store.audit.list({ limit: 2 })).map((a) => a.id)).toEqual(['a3b', 'a3']);
      expect((await store.audit.list({ limit: 10, before: t(3) })).map((a) => a.id)).toEqual(['a2', 'a1']);
      // Paging on from the last record of a page: the one sharing its millisecond comes next, none skipped.
      expect((await store.audit.list({ limit: 1 })).map((a) => a.id)).toEqual(['a3b']);
      expect((await store.audit.list({ limit: 1, before: t(3), beforeId: 'a3b' })).map((a) => a.id)).toEqual(['a3']);
      expect((await store.audit.list({ limit: 10, before: t(3), beforeId: 'a3' })).map((a) => a.id)).toEqual(['a2', 'a1']);
      const [found] = await store.audit.list({ limit: 1, before: t(3) });
      expect(found).toStrictEqual(restart);
      const [bare] = await store.audit.list({ limit: 1, before: t(2) });
      expect(bare).toEqual({ id: 'a1', at: t(1), actor: 'system', action: 'user.create', outcome: 'ok' });
      expect(Object.keys(bare ?? {}).sort()).toEqual(['action', 'actor', 'at', 'id', 'outcome']);
    });
  });

  describe('settings', () => {
    it('setIfAbsent keeps the first value, also when two writers race', async () => {
      const store = await ctx.open();
      expect(await store.settings.get('webhook.tokenHash')).toBeNull();
      expect(await store.settings.setIfAbsent('webhook.tokenHash', 'first')).toBe('first');
      expect(await store.settings.setIfAbsent('webhook.tokenHash', 'second')).toBe('first');
      expect(await store.settings.get('webhook.tokenHash')).toBe('first');
      const raced = await Promise.all([store.settings.setIfAbsent('k', 'x'), store.settings.setIfAbsent('k', 'y')]);
      expect(raced[0]).toBe(raced[1]);
      expect(await store.settings.get('k')).toBe(raced[0]);
    });

    it('put replaces the value, and creates it when absent', async () => {
      const store = await ctx.open();
      await store.settings.put('silences.maxDurationSeconds', '3600');
      expect(await store.settings.get('silences.maxDurationSeconds')).toBe('3600');
      await store.settings.put('silences.maxDurationSeconds', '600');
      expect(await store.settings.get('silences.maxDurationSeconds')).toBe('600');
      expect(await store.settings.setIfAbsent('silences.maxDurationSeconds', '1')).toBe('600');
    });
  });

  describe('persistence', () => {
    it('keeps everything across close and reopen', async () => {
      const first = await ctx.open();
      await first.signals.insert(signal('s1', t(1)));
      await first.incidents.upsert(incident('i1', t(1)));
      await first.timeline.append({ id: 'e1', incidentId: 'i1', at: t(1), source: 'docker', kind: 'container.die', message: 'died', data: { a: 1 } });
      await first.cursors.set('docker', 'local', 'c-1');
      await first.postmortems.save({ incidentId: 'i1', markdown: '# saved', author: 'alice', expectedVersion: 0, savedAt: t(5) });
      await first.users.create(user('u1', 'alice'));
      await first.settings.setIfAbsent('k', 'v');
      await first.close();

      const second = await ctx.reopen();
      expect((await second.signals.get('s1'))?.attributes).toEqual(signal('s1', t(1)).attributes);
      expect(await second.incidents.get('i1')).toStrictEqual(incident('i1', t(1)));
      expect((await second.timeline.forIncident('i1')).map((e) => e.data)).toEqual([{ a: 1 }]);
      expect(await second.cursors.get('docker', 'local')).toBe('c-1');
      expect((await second.postmortems.latest('i1'))?.markdown).toBe('# saved');
      expect((await second.users.byUsername('alice'))?.id).toBe('u1');
      expect(await second.settings.get('k')).toBe('v');
      // Uniqueness still holds after reopening (indexes / constraints survived).
      expect(await second.signals.insert(signal('s1', t(1)))).toBe(false);
      await expect(second.users.create(user('u2', 'alice'))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await second.postmortems.save({ incidentId: 'i1', markdown: 'x', author: 'bob', expectedVersion: 0, savedAt: t(6) }))
        .toEqual({ ok: false, currentVersion: 1 });
    });
  });
}
