import { expect, test } from 'vitest';
import { ROLES } from '../../src/contract/index.ts';
test('roles are ordered from least to most', () => {
  expect(ROLES).toEqual(['viewer', 'responder', 'admin']);
});
