import { expect, test } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../src/auth/passwords.ts';

test('a scrypt hash verifies its own password and no other', async () => {
  const hash = await hashPassword('correct horse battery');
  expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
  expect(await verifyPassword('correct horse battery', hash)).toBe(true);
  expect(await verifyPassword('correct horse battery ', hash)).toBe(false);
  expect(await hashPassword('correct horse battery')).not.toBe(hash);
});

test('malformed and dummy hashes never verify', async () => {
  expect(await verifyPassword('x', 'plain')).toBe(false);
  expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
});
