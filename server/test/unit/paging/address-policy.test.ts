import { describe, expect, test } from 'vitest';
import { judgeAddress, mayReach } from '../../../src/paging/address-policy.ts';

describe('judgeAddress', () => {
  test('cloud metadata endpoints are forbidden, wherever they sit', () => {
    for (const address of ['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16', '192.0.0.192']) {
      expect(judgeAddress(address), address).toMatchObject({ verdict: 'forbidden' });
    }
    expect(judgeAddress('169.254.169.254')).toMatchObject({ why: expect.stringMatching(/metadata/) });
  });

  test('link-local, unspecified, multicast, broadcast and reserved ranges are forbidden', () => {
    for (const address of [
      '169.254.1.1', 'fe80::1', 'febf:ffff::1', '0.0.0.0', '0.1.2.3', '::', '224.0.0.1', '239.255.255.250', 'ff02::1',
      '255.255.255.255', '240.0.0.1', '192.0.2.10', '2001:db8::1', 'fe80::1%eth0',
    ]) {
      expect(judgeAddress(address), address).toMatchObject({ verdict: 'forbidden' });
    }
  });

  test('IPv6 forms that stand for a forbidden IPv4 address are forbidden too', () => {
    for (const address of ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:169.254.169.254]', '64:ff9b::169.254.169.254', '2002:a9fe:a9fe::1', '::169.254.169.254', '::ffff:0:169.254.169.254']) {
      expect(judgeAddress(address), address).toMatchObject({ verdict: 'forbidden' });
    }
    expect(judgeAddress('::ffff:169.254.169.254')).toMatchObject({ why: expect.stringContaining('169.254.169.254 inside IPv6') });
  });

  test('loopback and private ranges are private, also as IPv4-mapped IPv6', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', 'fc00::1', 'fd12:3456::1', '100.64.0.1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(judgeAddress(address), address).toMatchObject({ verdict: 'private' });
    }
  });

  test('public addresses are public', () => {
    for (const address of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8']) {
      expect(judgeAddress(address), address).toEqual({ verdict: 'public' });
    }
  });

  test('what is not an address is forbidden', () => {
    expect(judgeAddress('example.com')).toMatchObject({ verdict: 'forbidden' });
    expect(judgeAddress('')).toMatchObject({ verdict: 'forbidden' });
  });
});

describe('mayReach', () => {
  test('private addresses only with allowPrivate; forbidden ones never', () => {
    expect(mayReach('127.0.0.1', false)).toEqual({ ok: false, why: expect.stringContaining('NOTIFY_ALLOW_PRIVATE=true') });
    expect(mayReach('127.0.0.1', true)).toEqual({ ok: true });
    expect(mayReach('192.168.0.10', true)).toEqual({ ok: true });
    expect(mayReach('169.254.169.254', true)).toEqual({ ok: false, why: expect.stringContaining('never') });
    expect(mayReach('::ffff:169.254.169.254', true)).toMatchObject({ ok: false });
    expect(mayReach('8.8.8.8', false)).toEqual({ ok: true });
  });
});
