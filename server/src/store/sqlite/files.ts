// The embedded store's files hold password hashes, sessions' CSRF tokens and API token hashes: only
// Vigil's own user may read them. DATA_DIR is 0700 (created so; an existing one is tightened, and
// the log says so), vigil.db 0600 before SQLite first opens it, and SQLite gives its -wal and -shm
// files the database file's mode. Called at every start, so a file copied in with 0644 is fixed too.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { Logger } from '../../logger.ts';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const STICKY = 0o1000;
/** Beside the database: the write-ahead log, its index, and a rollback journal if one is left. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return null;
    throw err;
  }
}

/** Ours to change: owned by the user Vigil runs as, and not a shared sticky directory such as /tmp. */
function ours(st: Stats): boolean {
  const uid = process.getuid?.();
  return uid !== undefined && st.uid === uid && (st.mode & STICKY) === 0;
}

function tighten(file: string, st: Stats, mode: number, what: string, log: Logger | undefined): void {
  if ((st.mode & 0o077) === 0) return;
  if (!ours(st)) {
    log?.warn({ path: file, mode: octal(st.mode) }, `${what} can be read by other users and is not Vigil's own to change; make it ${octal(mode)} or move DATA_DIR`);
    return;
  }
  chmodSync(file, mode);
  log?.warn({ path: file, was: octal(st.mode), now: octal(mode) }, `${what} could be read by other users; tightened it`);
}

/** Creates DATA_DIR as 0700, or tightens an existing one that others can read. */
export function secureDataDir(dir: string, log?: Logger): void {
  const created = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (created !== undefined) {
    // The umask may have taken bits the owner needs; set exactly 0700.
    chmodSync(dir, DIR_MODE);
    return;
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`DATA_DIR ${dir} is not a directory`);
  tighten(dir, st, DIR_MODE, 'DATA_DIR', log);
}

/** vigil.db exists as 0600 before SQLite opens it; it and its companions are tightened if others can read them. */
export function secureDatabaseFiles(file: string, log?: Logger): void {
  try {
    closeSync(openSync(file, 'wx', FILE_MODE));
    chmodSync(file, FILE_MODE);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
  }
  for (const name of [file, ...COMPANIONS.map((suffix) => file + suffix)]) {
    const st = statOrNull(name);
    if (st?.isFile()) tighten(name, st, FILE_MODE, 'the embedded store file', log);
  }
}
