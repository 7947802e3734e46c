import { describe, expect, it, vi } from 'vitest';
import { safeNextPath } from '../src/lib/navigation.ts';
import { createRelay } from '../src/lib/relay.ts';
import { otherTheme, parseTheme, resolveTheme } from '../src/lib/theme.ts';
import { isLoginResponse, isSourceStatus, sourceKey } from '../src/lib/wire.ts';

describe('safeNextPath', () => {
  it.each([
    ['/incidents/42?tab=timeline', '/incidents/42?tab=timeline'],
    ['/', '/'],
    [undefined, '/'],
    ['', '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/login?next=/x', '/'],
    ['/ok\nSet-Cookie', '/'],
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });

  it('takes the first of a repeated query value', () => {
    expect(safeNextPath(['/a', '/b'])).toBe('/a');
  });
});

describe('relay', () => {
  type Events = { ping: (n: number) => void };

  it('delivers to every handler until unsubscribed', () => {
    const relay = createRelay<Events>();
    const seen: number[] = [];
    const off = relay.on('ping', (n) => seen.push(n));
    relay.on('ping', (n) => seen.push(n * 10));
    relay.emit('ping', 1);
    off();
    relay.emit('ping', 2);
    expect(seen).toEqual([1, 10, 20]);
  });

  it('keeps going when one handler throws', () => {
    const onError = vi.fn();
    const relay = createRelay<Events>(onError);
    const good = vi.fn();
    relay.on('ping', () => { throw new Error('boom'); });
    relay.on('ping', good);
    relay.emit('ping', 1);
    expect(good).toHaveBeenCalledWith(1);
    expect(onError).toHaveBeenCalledOnce();
  });
});

describe('theme', () => {
  it('prefers the saved choice, else the system', () => {
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme(null, true)).toBe('dark');
    expect(resolveTheme(null, false)).toBe('light');
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('sepia')).toBeNull();
    expect(otherTheme('dark')).toBe('light');
  });
});

describe('wire shape checks', () => {
  const user = { id: 'u1', username: 'admin', role: 'admin', createdAt: '2026-11-24T03:00:00.000Z' };

  it('accepts a login answer and refuses look-alikes', () => {
    expect(isLoginResponse({ user, csrfToken: 't' })).toBe(true);
    expect(isLoginResponse({ user: null, actor: 'token:ci', role: 'viewer', csrfToken: null })).toBe(false);
    expect(isLoginResponse({ user: { ...user, role: 'root' }, csrfToken: 't' })).toBe(false);
    expect(isLoginResponse('{"user":{}}')).toBe(false);
  });

  it('checks a source status and keys it per endpoint', () => {
    const s = { source: 'docker', host: 'tcp://h:2375', state: 'down', since: '2026-11-24T03:00:00.000Z' };
    expect(isSourceStatus(s)).toBe(true);
    expect(isSourceStatus({ ...s, state: 'sideways' })).toBe(false);
    expect(isSourceStatus({ ...s, host: 42 })).toBe(false);
    expect(sourceKey({ source: 'docker', host: 'tcp://h:2375' })).toBe('docker@tcp://h:2375');
    expect(sourceKey({ source: 'prometheus' })).toBe('prometheus');
  });
});
