// DATA_DIR holds the embedded store: password hashes, sessions' CSRF tokens, API token hashes. It
// was 0755 with a 0644 vigil.db, readable by every local user (issue 18.10). A real Vigil now makes
// the directory 0700 and the database files 0600, and tightens a data directory left readable by
// an older Vigil (or a careless copy), saying so in its log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { DATABASE_FILE, SqliteStore } from '../../src/store/sqlite/store.ts';
import { Client, startVigil } from '../harness/vigil.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-data-dir-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const mode = (file: string): string => (fs.statSync(file).mode & 0o7777).toString(8).padStart(4, '0');
const files = (dir: string): string[] => [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].map((f) => path.join(dir, f));

/** A logger whose lines land in an array, parsed. */
function capture(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { lines, logger: createLogger('info', sink) };
}

describe('a data directory Vigil creates', () => {
  test('is 0700, and vigil.db with its -wal and -shm are 0600 while Vigil runs and writes', async () => {
    const dir = path.join(root, 'fresh', 'data');
    const vigil = await startVigil({ DATA_DIR: dir, ADMIN_PASSWORD: 'data-dir-admin-password' });
    try {
      await vigil.app.ready();
      // A write through the API, so the write-ahead log holds something.
      const admin = new Client(vigil.url);
      expect((await admin.login('admin', 'data-dir-admin-password')).status).toBe(200);
      expect(mode(dir)).toBe('0700');
      for (const file of files(dir)) expect(`${path.basename(file)} ${mode(file)}`).toBe(`${path.basename(file)} 0600`);
    } finally {
      await vigil.stop();
    }
  });
});

describe('a data directory left readable', () => {
  test('is tightened to 0700/0600 at start by a real Vigil, which still reads what it holds', async () => {
    const dir = path.join(root, 'loose');
    const first = await startVigil({ DATA_DIR: dir, ADMIN_PASSWORD: 'data-dir-admin-password' });
    await first.app.ready();
    await first.stop();
    // As an older Vigil left them (or a copy made with a 022 umask).
    fs.chmodSync(dir, 0o755);
    for (const file of files(dir)) {
      if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      fs.chmodSync(file, 0o644);
    }
    const again = await startVigil({ DATA_DIR: dir, ADMIN_PASSWORD: 'data-dir-admin-password' });
    try {
      await again.app.ready();
      expect((await new Client(again.url).login('admin', 'data-dir-admin-password')).status).toBe(200);
      expect(mode(dir)).toBe('0700');
      for (const file of files(dir)) expect(`${path.basename(file)} ${mode(file)}`).toBe(`${path.basename(file)} 0600`);
    } finally {
      await again.stop();
    }
  });

  test('says what it tightened in the log, once: a second start finds nothing to do', async () => {
    const dir = path.join(root, 'logged');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, DATABASE_FILE), '', { mode: 0o644 });
    fs.chmodSync(path.join(dir, DATABASE_FILE), 0o644);
    const { lines, logger } = capture();
    const store = new SqliteStore(dir, { logger });
    await store.init();
    await store.close();
    const warned = lines.filter((l) => l['level'] === 40).map((l) => ({ path: l['path'], was: l['was'], now: l['now'], msg: l['msg'] }));
    expect(warned).toEqual([
      { path: dir, was: '0755', now: '0700', msg: 'DATA_DIR could be read by other users; tightened it' },
      { path: path.join(dir, DATABASE_FILE), was: '0644', now: '0600', msg: 'the embedded store file could be read by other users; tightened it' },
    ]);
    lines.length = 0;
    const again = new SqliteStore(dir, { logger });
    await again.init();
    await again.close();
    expect(lines.filter((l) => l['level'] === 40)).toEqual([]);
  });

  test('a shared sticky directory (like /tmp) is not Vigil\'s to change: it warns and leaves it', async () => {
    const dir = path.join(root, 'shared');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o1777);
    const { lines, logger } = capture();
    const store = new SqliteStore(dir, { logger });
    await store.init();
    await store.close();
    expect(mode(dir)).toBe('1777');
    expect(mode(path.join(dir, DATABASE_FILE))).toBe('0600');
    expect(lines.find((l) => l['level'] === 40)?.['msg']).toBe("DATA_DIR can be read by other users and is not Vigil's own to change; make it 0700 or move DATA_DIR");
  });
});
