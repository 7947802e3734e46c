// The account rules without I/O: not oneself, never the last enabled admin, also when two admins
// disable each other at the same moment (both pass the first check; the one that finds nobody left
// undoes its own change).
import { describe, expect, test } from 'vitest';
import { AccountService } from '../../../src/auth/accounts.ts';
import type { AuthService } from '../../../src/auth/service.ts';
import type { Store, UserPatch, UserRecord } from '../../../src/store/types.ts';

/** Users in memory; each `list` waits for `gate` so two callers can be made to interleave. */
function fakeStore(users: UserRecord[]) {
  const byId = new Map(users.map((u) => [u.id, { ...u }]));
  let gate: Promise<void> = Promise.resolve();
  const users_ = {
    byId: async (id: string) => { const u = byId.get(id); return u ? { ...u } : null; },
    list: async () => { await gate; return [...byId.values()].map((u) => ({ ...u })); },
    update: async (id: string, patch: UserPatch) => {
      const u = byId.get(id);
      if (!u || u.deletedAt !== undefined) return false;
      if (patch.disabled === true) u.disabled = true;
      if (patch.disabled === false) delete u.disabled;
      if (patch.deletedAt !== undefined) u.deletedAt = patch.deletedAt;
      if (patch.passwordHash !== undefined) u.passwordHash = patch.passwordHash;
      return true;
    },
  };
  const store = { users: users_, apiTokens: { revokeCreatedBy: async () => [] } } as unknown as Store;
  return { store, byId, hold: (g: Promise<void>) => { gate = g; } };
}

const ended: string[] = [];
const auth = { endUser: async (id: string) => { ended.push(id); return 1; } } as unknown as AuthService;
const admin = (id: string, username: string): UserRecord => ({ id, username, role: 'admin', passwordHash: 'x', createdAt: '2026-01-01T00:00:00.000Z' });

describe('disable and delete', () => {
  test('refuse oneself and the last enabled admin, with a message that says what to do', async () => {
    const { store } = fakeStore([admin('a', 'ann'), admin('b', 'ben'), { ...admin('c', 'cat'), role: 'viewer' }]);
    const accounts = new AccountService(store, auth);
    await expect(accounts.disable({ userId: 'a' }, 'a')).rejects.toMatchObject({ status: 409, code: 'own_account' });
    await expect(accounts.disable({ userId: 'a' }, 'b')).resolves.toMatchObject({ user: { username: 'ben', disabled: true } });
    await expect(accounts.delete({}, 'a')).rejects.toMatchObject({ status: 409, code: 'last_admin', message: expect.stringContaining('"ann" is the last enabled admin') });
    // A disabled admin may go; so may anyone who is not an admin.
    await expect(accounts.delete({ userId: 'a' }, 'b')).resolves.toMatchObject({ user: { username: 'ben' } });
    await expect(accounts.disable({ userId: 'a' }, 'c')).resolves.toBeDefined();
    await expect(accounts.enable('b')).rejects.toMatchObject({ status: 404 });
  });

  test('two admins disabling each other at once: never no enabled admin', async () => {
    const { store, byId, hold } = fakeStore([admin('a', 'ann'), admin('b', 'ben')]);
    const accounts = new AccountService(store, auth);
    let open!: () => void;
    hold(new Promise<void>((resolve) => { open = resolve; }));
    const both = Promise.allSettled([accounts.disable({ userId: 'a' }, 'b'), accounts.disable({ userId: 'b' }, 'a')]);
    // Both are waiting in their first check, which both pass once the list is read.
    await new Promise((r) => setTimeout(r, 0));
    open();
    const results = await both;
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect([...byId.values()].filter((u) => !u.disabled).length).toBeGreaterThanOrEqual(1);
  });
});
