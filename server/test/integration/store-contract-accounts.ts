// The store contract for a user's life (issue 17): disabling, deleting, password changes, token
// expiry and last use, sessions ended but one, and the sign-in throttle's counts (kept across a
// reopen, safe against concurrent updates, pruned).
import { describe, expect, it } from 'vitest';
import type { ApiTokenRecord, SessionRecord, ThrottleEntry, UserRecord } from '../../src/store/types.ts';
import { StoreConflictError } from '../../src/store/types.ts';
import type { StoreTestContext } from './store-contract.ts';
import { t } from './store-contract.ts';

const user = (id: string, username: string, overrides: Partial<UserRecord> = {}): UserRecord => ({
  id, username, passwordHash: `scrypt$${id}`, role: 'responder', createdAt: t(1), ...overrides,
});

const session = (idHash: string, userId: string): SessionRecord => ({
  idHash, userId, csrfToken: `csrf-${idHash}`, createdAt: t(0), expiresAt: t(90),
});

const token = (id: string, createdBy: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id, name: `token ${id}`, role: 'viewer', tokenHash: `hash-${id}`, createdBy, createdAt: t(1), ...overrides,
});

const entry = (failures: number[], lockedUntil: number, expiresAt: number): ThrottleEntry => ({ failures, lockedUntil, expiresAt });

export function accountsContract(ctx: StoreTestContext): void {
  describe('accounts', () => {
    it('updates a user: disabled and back, a new password; a deleted user keeps its name taken and never changes again', async () => {
      const store = await ctx.open();
      await store.users.create(user('u1', 'alice'));
      expect(await store.users.update('u1', { disabled: true })).toBe(true);
      expect(await store.users.byId('u1')).toStrictEqual(user('u1', 'alice', { disabled: true }));
      expect(await store.users.update('u1', { disabled: false, passwordHash: 'scrypt$new' })).toBe(true);
      expect(await store.users.byUsername('ALICE')).toStrictEqual(user('u1', 'alice', { passwordHash: 'scrypt$new' }));
      expect(await store.users.update('u9', { disabled: true })).toBe(false);

      expect(await store.users.update('u1', { deletedAt: t(5), disabled: true, passwordHash: 'gone' })).toBe(true);
      const deleted = user('u1', 'alice', { deletedAt: t(5), disabled: true, passwordHash: 'gone' });
      expect(await store.users.byId('u1')).toStrictEqual(deleted);
      expect(await store.users.update('u1', { disabled: false })).toBe(false);
      expect(await store.users.byId('u1')).toStrictEqual(deleted);
      await expect(store.users.create(user('u2', 'Alice'))).rejects.toBeInstanceOf(StoreConflictError);
      const again = await ctx.reopen();
      expect(await again.users.byUsername('alice')).toStrictEqual(deleted);
    });

    it('ends every session of a user but the one kept', async () => {
      const store = await ctx.open();
      for (const s of [session('h1', 'u1'), session('h2', 'u1'), session('h3', 'u1'), session('h4', 'u2')]) await store.sessions.create(s);
      expect(await store.sessions.deleteForUser('u1', 'h2')).toBe(2);
      expect(await store.sessions.get('h1')).toBeNull();
      expect(await store.sessions.get('h2')).not.toBeNull();
      expect(await store.sessions.get('h4')).not.toBeNull();
      expect(await store.sessions.deleteForUser('u1')).toBe(1);
    });

    it('keeps a token\'s expiry and last use; revokes what one creator made, once', async () => {
      const store = await ctx.open();
      const expiring = token('t1', 'alice', { expiresAt: t(60) });
      await store.apiTokens.create(expiring);
      await store.apiTokens.create(token('t2', 'alice'));
      await store.apiTokens.create(token('t3', 'bob'));
      await store.apiTokens.create(token('t4', 'alice', { revokedAt: t(2) }));
      expect(await store.apiTokens.byHash('hash-t1')).toStrictEqual(expiring);
      await store.apiTokens.touch('t1', t(7));
      await store.apiTokens.touch('t1', t(8));
      expect(await store.apiTokens.byHash('hash-t1')).toStrictEqual({ ...expiring, lastUsedAt: t(8) });
      expect((await store.apiTokens.revokeCreatedBy('alice', t(9))).sort()).toEqual(['t1', 't2']);
      expect(await store.apiTokens.revokeCreatedBy('alice', t(10))).toEqual([]);
      const byId = new Map((await store.apiTokens.list()).map((x) => [x.id, x.revokedAt]));
      expect(Object.fromEntries(byId)).toEqual({ t1: t(9), t2: t(9), t3: undefined, t4: t(2) });
    });

    it('keeps the sign-in throttle\'s entries across a reopen; update reads, changes and writes, null deletes', async () => {
      const store = await ctx.open();
      expect(await store.loginThrottle.get('user:a')).toBeNull();
      const first = await store.loginThrottle.update('user:a', (current) => ({ entry: entry([...(current?.failures ?? []), 100], 0, 1_000), result: current }));
      expect(first).toBeNull();
      await store.loginThrottle.update('user:a', (current) => ({ entry: entry([...(current?.failures ?? []), 200], 5_000, 5_000), result: null }));
      expect(await store.loginThrottle.get('user:a')).toEqual(entry([100, 200], 5_000, 5_000));
      const again = await ctx.reopen();
      expect(await again.loginThrottle.get('user:a')).toEqual(entry([100, 200], 5_000, 5_000));
      expect(await again.loginThrottle.update('user:a', () => ({ entry: null, result: 'gone' }))).toBe('gone');
      expect(await again.loginThrottle.get('user:a')).toBeNull();
      await again.loginThrottle.update('ip:b', () => ({ entry: entry([1], 0, 10), result: null }));
      await again.loginThrottle.delete('ip:b');
      expect(await again.loginThrottle.count()).toBe(0);
    });

    it('counts every one of concurrent updates of one key (another replica failing at the same time)', async () => {
      const store = await ctx.open();
      const bump = (n: number) => store.loginThrottle.update('user:race', (current) => ({
        entry: entry([...(current?.failures ?? []), n], 0, 10_000), result: n,
      }));
      await Promise.all(Array.from({ length: 8 }, (_, i) => bump(i)));
      expect((await store.loginThrottle.get('user:race'))?.failures.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('prunes the expired entries, then the soonest to expire beyond the bound', async () => {
      const store = await ctx.open();
      for (let i = 0; i < 10; i++) {
        await store.loginThrottle.update(`user:k${i}`, () => ({ entry: entry([i], 0, 1_000 + i * 100), result: null }));
      }
      expect(await store.loginThrottle.prune(1_200, 100)).toBe(3);
      expect(await store.loginThrottle.count()).toBe(7);
      expect(await store.loginThrottle.prune(1_200, 4)).toBe(3);
      expect(await store.loginThrottle.get('user:k5')).toBeNull();
      for (const k of ['user:k6', 'user:k7', 'user:k8', 'user:k9']) expect(await store.loginThrottle.get(k), k).not.toBeNull();
      expect(await store.loginThrottle.prune(1_200, 4)).toBe(0);
    });
  });
}
