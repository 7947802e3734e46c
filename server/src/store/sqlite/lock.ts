// The embedded store serves one Vigil: a second one on the same DATA_DIR would run a second engine
// on the same file (every incident twice, every restart twice). `vigil.lock` in DATA_DIR, created
// with O_EXCL, names the holder (pid, host, since when); it is removed on close and at exit. A lock
// left behind by a Vigil that died is taken over (and logged): on the same host when its process is
// gone (or the pid now belongs to another process), from another host sharing the directory when
// the holder stopped touching the file (it does every 10 s).
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../logger.ts';

export const LOCK_FILE = 'vigil.lock';
const TAKEOVER_SUFFIX = '.takeover';
const FILE_MODE = 0o600;
const MAX_LOCK_BYTES = 4096;
/** The holder touches the lock this often; a lock from another host untouched 6 times as long is stale. */
export const LOCK_TOUCH_MS = 10_000;
const FOREIGN_STALE_MS = 6 * LOCK_TOUCH_MS;
/** A lock file with no readable holder this old (a crash between create and write) is stale. */
const UNREADABLE_STALE_MS = 10_000;
/** How far a process's start time read from /proc may be from the one the lock recorded. */
const START_TOLERANCE_MS = 5_000;

export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the holding process started (ISO). */
  startedAt: string;
}

/** A second Vigil on a DATA_DIR another one holds: a configuration error, said in words. */
export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder | null;
  constructor(dataDir: string, holder: LockHolder | null) {
    const who = holder
      ? `pid ${holder.pid} on host ${holder.hostname}, since ${holder.startedAt}`
      : `its lock file ${path.join(dataDir, LOCK_FILE)} is being written`;
    super(`DATA_DIR ${dataDir} is in use by another Vigil (${who}). The embedded store serves one replica; for several, use MONGODB_URL (README "Several replicas").`);
    this.name = 'DataDirInUseError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/** Lock files this process holds, by path. */
const heldHere = new Map<string, Held>();

const lockText = (holder: LockHolder): string => `${JSON.stringify(holder)}\n`;

const processStart = (): Date => new Date(Date.now() - process.uptime() * 1000);

function errCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return null;
    const r = v as Record<string, unknown>;
    if (typeof r['pid'] !== 'number' || !Number.isInteger(r['pid']) || r['pid'] <= 0) return null;
    if (typeof r['hostname'] !== 'string' || typeof r['startedAt'] !== 'string' || Number.isNaN(Date.parse(r['startedAt']))) return null;
    return { pid: r['pid'], hostname: r['hostname'], startedAt: r['startedAt'] };
  } catch {
    return null;
  }
}

/** The lock file's text and age, or null when it is gone. A lock is a few dozen bytes: a big file is no lock's. */
function readLock(file: string): { text: string; ageMs: number } | null {
  try {
    const st = statSync(file);
    const text = st.size <= MAX_LOCK_BYTES ? readFileSync(file, 'utf8') : '';
    return { text, ageMs: Date.now() - st.mtimeMs };
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Linux: process `pid` as /proc tells it — whether it is only a zombie (dead, not yet reaped by its
 * parent) and when it started (boot time + its start in clock ticks); null where there is no /proc.
 */
function linuxProcess(pid: number): { zombie: boolean; started: Date | null } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 3 (state) and 22 (starttime), counted after the ")" that ends the command name (which may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    // USER_HZ is 100 on every Linux Node runs on.
    const started = Number.isFinite(ticks) && btime !== undefined ? new Date(Number(btime) * 1000 + (ticks / 100) * 1000) : null;
    return { zombie: fields[0] === 'Z', started };
  } catch {
    return null;
  }
}

/** Whether `holder`, on this host, is still the process that wrote the lock. */
function aliveHere(holder: LockHolder, file: string): boolean {
  if (holder.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: a process of another user has that pid — alive, and not ours to judge.
    if (errCode(err) !== 'EPERM') return false;
  }
  const proc = linuxProcess(holder.pid);
  if (proc === null) return true;
  if (proc.zombie) return false;
  // The pid is taken by a process that started at another time: the holder is gone.
  return proc.started === null || Math.abs(proc.started.getTime() - Date.parse(holder.startedAt)) <= START_TOLERANCE_MS;
}

/** Why a lock may be taken over, or null while its holder may be alive. */
function staleness(found: { text: string; ageMs: number }, holder: LockHolder | null, file: string): string | null {
  if (holder === null) return found.ageMs > UNREADABLE_STALE_MS ? 'its content names no holder' : null;
  if (holder.hostname === hostname()) return aliveHere(holder, file) ? null : `process ${holder.pid} is gone`;
  return found.ageMs > FOREIGN_STALE_MS ? `its holder on ${holder.hostname} has not touched it for ${Math.round(found.ageMs / 1000)} s` : null;
}

/** Creates the lock file with O_EXCL; false when one is there already. */
function create(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, lockText(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

/** A lock file this process holds: who it names, how many stores use it, its keep-alive. */
interface Held {
  holder: LockHolder;
  users: number;
  touch: NodeJS.Timeout;
}

function hold(file: string, holder: LockHolder): void {
  const touch = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Gone or unwritable: the next start judges it by what is there.
    }
  }, LOCK_TOUCH_MS);
  touch.unref();
  if (heldHere.size === 0) process.once('exit', releaseAllAtExit);
  heldHere.set(file, { holder, users: 1, touch });
}

function unhold(file: string): void {
  const held = heldHere.get(file);
  if (!held) return;
  clearInterval(held.touch);
  heldHere.delete(file);
  if (heldHere.size === 0) process.removeListener('exit', releaseAllAtExit);
  try {
    // Only our own lock: a lock taken over after ours was judged stale is someone else's.
    const found = readLock(file);
    if (found !== null && found.text === lockText(held.holder)) unlinkSync(file);
  } catch {
    // Nothing more to do; the next start judges the file by its holder.
  }
}

/** A process that ends without close() (an uncaught error, process.exit) still lets go. */
function releaseAllAtExit(): void {
  for (const file of [...heldHere.keys()]) unhold(file);
}

/**
 * A store's hold on its DATA_DIR. The lock is per process: stores opened on the same directory in
 * one process (a test reopening its data) share it, and the file goes when the last one releases.
 */
export class DataDirLock {
  readonly file: string;
  private released = false;

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Takes DATA_DIR for this process, or throws DataDirInUseError naming the Vigil that holds it.
   * The directory must exist.
   */
  static acquire(dataDir: string, log?: Logger): DataDirLock {
    const file = path.join(dataDir, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: processStart().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      const mine = heldHere.get(file);
      if (mine) {
        mine.users += 1;
        return new DataDirLock(file);
      }
      if (create(file, me)) {
        hold(file, me);
        return new DataDirLock(file);
      }
      const found = readLock(file);
      if (found === null) continue; // released meanwhile: try again
      const holder = parseHolder(found.text);
      const why = staleness(found, holder, file);
      if (why === null) throw new DataDirInUseError(dataDir, holder);
      takeOver(file, found.text, why, holder, log);
    }
    throw new Error(`could not take ${file}: other Vigils keep taking it over; start one Vigil per DATA_DIR`);
  }

  /** Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const held = heldHere.get(this.file);
    if (!held) return;
    held.users -= 1;
    if (held.users === 0) unhold(this.file);
  }
}

/**
 * Removes a stale lock, once: two starters that both found it stale must not both remove it (the
 * second would remove the first one's fresh lock), so the removal happens under a second O_EXCL file.
 */
function takeOver(file: string, staleText: string, why: string, holder: LockHolder | null, log: Logger | undefined): void {
  const mutex = file + TAKEOVER_SUFFIX;
  const token: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  if (!create(mutex, token)) {
    const other = readLock(mutex);
    // A starter that died during its take-over left the mutex behind.
    if (other !== null && other.ageMs > UNREADABLE_STALE_MS) unlinkIfThere(mutex);
    return;
  }
  try {
    const again = readLock(file);
    if (again === null || again.text !== staleText) return; // someone else was quicker
    unlinkSync(file);
    log?.warn({ lock: file, holder, reason: why }, `took over the DATA_DIR lock a Vigil left behind (${why})`);
  } finally {
    unlinkIfThere(mutex);
  }
}

/** What the lock file in `dataDir` says, if there is one that names a holder. */
export function lockHolder(dataDir: string): LockHolder | null {
  const found = readLock(path.join(dataDir, LOCK_FILE));
  return found === null ? null : parseHolder(found.text);
}
