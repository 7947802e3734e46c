import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SecretBox, SecretKeyError } from '../../../src/paging/secrets.ts';

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SecretBox', () => {
  test('seals the secret fields of a type, leaves the others, and opens them again', () => {
    const box = SecretBox.fromKeys(randomBytes(32));
    const config = { url: 'https://receiver.example/hook?token=abc', secret: 'sign-me' };
    const sealed = box.seal(config, 'webhook');
    expect(sealed.url).toMatch(new RegExp(`^enc:v1:${box.keyId}:[\\w-]+:[\\w-]+:[\\w-]+$`));
    expect(sealed.secret).toMatch(/^enc:v1:/);
    expect(JSON.stringify(sealed)).not.toContain('abc');
    expect(JSON.stringify(sealed)).not.toContain('sign-me');
    expect(box.open(sealed, 'webhook')).toEqual(config);

    const ntfy = box.seal({ url: 'https://ntfy.example', topic: 'ops', token: 'tk_1' }, 'ntfy');
    expect(ntfy).toMatchObject({ url: 'https://ntfy.example', topic: 'ops', token: expect.stringMatching(/^enc:v1:/) });
    expect(box.seal({ to: ['a@example.com'] }, 'email')).toEqual({ to: ['a@example.com'] });
  });

  test('sealing twice gives different ciphertexts (fresh IV) and a sealed value is not sealed again', () => {
    const box = SecretBox.fromKeys(randomBytes(32));
    const a = box.seal({ url: SLACK }, 'slack');
    const b = box.seal({ url: SLACK }, 'slack');
    expect(a.url).not.toBe(b.url);
    expect(box.seal(a, 'slack')).toEqual(a);
  });

  test('a value moved to another field or type does not open', () => {
    const box = SecretBox.fromKeys(randomBytes(32));
    const sealed = box.seal({ url: SLACK }, 'slack');
    expect(() => box.open({ url: sealed.url }, 'discord')).toThrow(SecretKeyError);
    expect(() => box.open({ url: sealed.url }, 'discord')).toThrow(/discord\.url .*altered or is corrupt/);
  });

  test('a tampered value says so instead of answering garbage', () => {
    const box = SecretBox.fromKeys(randomBytes(32));
    const sealed = String(box.seal({ botToken: '123:abc' }, 'telegram').botToken);
    const parts = sealed.split(':');
    const data = Buffer.from(parts[5] ?? '', 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    parts[5] = data.toString('base64url');
    expect(() => box.open({ botToken: parts.join(':') }, 'telegram')).toThrow(/altered or is corrupt/);
    expect(() => box.open({ botToken: 'enc:v1:nonsense' }, 'telegram')).toThrow(/not a sealed value/);
  });

  test('a wrong key is a clear error naming the key ids and what to set', () => {
    const sealed = SecretBox.fromKeys(randomBytes(32)).seal({ url: SLACK }, 'slack');
    const other = SecretBox.fromKeys(randomBytes(32));
    expect(() => other.open(sealed, 'slack')).toThrow(SecretKeyError);
    expect(() => other.open(sealed, 'slack')).toThrow(/sealed with key [0-9a-f]{8}, which Vigil does not have .*NOTIFY_SECRET_KEY_PREVIOUS/);
  });

  test('fromEnvironment: NOTIFY_SECRET_KEY, validated', () => {
    const key = randomBytes(32).toString('base64');
    const dataDir = tempDir();
    const box = SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: key } });
    expect(SecretBox.fromKeys(Buffer.from(key, 'base64')).keyId).toBe(box.keyId);
    // No key file is made when the key comes from the environment.
    expect(() => statSync(path.join(dataDir, 'notify.key'))).toThrow();
    expect(() => SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: 'c2hvcnQ=' } })).toThrow(/NOTIFY_SECRET_KEY is not a key: .*32 random bytes.*got 5 bytes/);
  });

  test('fromEnvironment: without NOTIFY_SECRET_KEY a key file is made 0600 on first use and used again after', () => {
    const dataDir = tempDir();
    const first = SecretBox.fromEnvironment({ dataDir, env: {} });
    const file = path.join(dataDir, 'notify.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const sealed = first.seal({ url: SLACK }, 'slack');
    const again = SecretBox.fromEnvironment({ dataDir, env: {} });
    expect(again.keyId).toBe(first.keyId);
    expect(again.open(sealed, 'slack')).toEqual({ url: SLACK });

    const elsewhere = path.join(tempDir(), 'keys', 'paging.key');
    const fromFile = SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_KEY_FILE: elsewhere } });
    expect(statSync(elsewhere).mode & 0o777).toBe(0o600);
    expect(fromFile.keyId).not.toBe(first.keyId);

    writeFileSync(path.join(dataDir, 'broken.key'), 'not a key\n');
    expect(() => SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_KEY_FILE: path.join(dataDir, 'broken.key') } })).toThrow(/broken\.key is not a key/);
  });

  test('rotation through the environment: the previous key still opens, new values use the new key', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const dataDir = tempDir();
    const before = SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: oldKey } });
    const sealed = before.seal({ url: SLACK }, 'slack');

    expect(() => SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: newKey } }).open(sealed, 'slack')).toThrow(SecretKeyError);
    const after = SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: newKey, NOTIFY_SECRET_KEY_PREVIOUS: oldKey } });
    expect(after.open(sealed, 'slack')).toEqual({ url: SLACK });
    expect(after.sealedWithOldKey(sealed, 'slack')).toBe(true);
    const resealed = after.seal(after.open(sealed, 'slack'), 'slack');
    expect(after.sealedWithOldKey(resealed, 'slack')).toBe(false);
    expect(String(resealed.url)).toContain(`:${after.keyId}:`);
  });

  test('rotation of the key file: <file>.previous opens; moving from the file to NOTIFY_SECRET_KEY keeps the file readable', () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'notify.key');
    const sealed = SecretBox.fromEnvironment({ dataDir, env: {} }).seal({ botToken: '1:a' }, 'telegram');

    const toEnv = SecretBox.fromEnvironment({ dataDir, env: { NOTIFY_SECRET_KEY: randomBytes(32).toString('base64') } });
    expect(toEnv.open(sealed, 'telegram')).toEqual({ botToken: '1:a' });

    renameSync(file, `${file}.previous`);
    const rotated = SecretBox.fromEnvironment({ dataDir, env: {} });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(rotated.open(sealed, 'telegram')).toEqual({ botToken: '1:a' });
    expect(rotated.sealedWithOldKey(sealed, 'telegram')).toBe(true);
  });
});
