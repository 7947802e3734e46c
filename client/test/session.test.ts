import { describe, expect, it } from 'vitest';
import { canAct, roleRefusal } from '../src/lib/session.ts';

describe('what a role may do', () => {
  it('responders and admins act; viewers and nobody watch', () => {
    expect([canAct('admin'), canAct('responder'), canAct('viewer'), canAct(undefined)]).toEqual([true, true, false, false]);
  });

  it('says why an action is refused, naming the role', () => {
    expect(roleRefusal('viewer', 'act on incidents')).toBe('Only responders and admins can act on incidents; you are signed in as viewer.');
    expect(roleRefusal(undefined, 'edit post-mortems')).toBe('Only responders and admins can edit post-mortems; you are signed in as nobody.');
    expect(roleRefusal('responder', 'act on incidents')).toBeNull();
  });
});
