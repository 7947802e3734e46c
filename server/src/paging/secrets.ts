// Channel secrets at rest (paging/README.md "Secrets"): AES-256-GCM with a key kept outside the
// store, so a copy of the database (a backup, a MongoDB dump) does not hand out webhook URLs and
// bot tokens. The key: NOTIFY_SECRET_KEY, else the file NOTIFY_KEY_FILE ($DATA_DIR/notify.key),
// made on first use. Rotation: the old key stays readable (NOTIFY_SECRET_KEY_PREVIOUS, or the key
// file moved to `<file>.previous`); every value sealed from then on uses the new one.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelType } from '../contract/index.ts';
import { SECRET_FIELDS } from './channel-config.ts';

const PREFIX = 'enc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key that cannot be read, or a stored secret that none of the keys opens. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

export interface SecretKey {
  id: string;
  bytes: Buffer;
  /** Where it came from, for error messages: `NOTIFY_SECRET_KEY`, `/data/notify.key`… */
  source: string;
}

/** Short, stable and not the key: which key sealed a value, so opening picks it without trying each. */
function keyId(bytes: Buffer): string {
  return createHash('sha256').update('vigil notify key\0').update(bytes).digest('hex').slice(0, 8);
}

function decodeKey(text: string, source: string): SecretKey {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new SecretKeyError(`${source} is not a key: expected the base64 of ${KEY_BYTES} random bytes (openssl rand -base64 32), got ${bytes.length} bytes`);
  }
  return { id: keyId(bytes), bytes, source };
}

function readKeyFile(file: string): SecretKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretKeyError(`cannot read the notification key file ${file}: ${(err as Error).message}`);
  }
  return decodeKey(text, file);
}

/** The key file, made with a random key when missing: only this user may read it (0600). */
function keyFileMadeOnce(file: string): SecretKey {
  const existing = readKeyFile(file);
  if (existing !== undefined) return existing;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': two processes starting at once must not each write a key and use different ones.
    writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SecretKeyError(`cannot create the notification key file ${file}: ${(err as Error).message}`);
    }
  }
  const made = readKeyFile(file);
  if (made === undefined) throw new SecretKeyError(`the notification key file ${file} vanished while it was made`);
  return made;
}

export interface SecretEnvironment {
  NOTIFY_SECRET_KEY?: string;
  NOTIFY_SECRET_KEY_PREVIOUS?: string;
  NOTIFY_KEY_FILE?: string;
}

/** Seals and opens the secret fields (SECRET_FIELDS) of channel configs. */
export class SecretBox {
  private readonly current: SecretKey;
  private readonly keys = new Map<string, SecretKey>();

  /** `current` seals; it and every `previous` key open. */
  constructor(current: SecretKey, previous: SecretKey[] = []) {
    this.current = current;
    for (const key of [current, ...previous]) if (!this.keys.has(key.id)) this.keys.set(key.id, key);
  }

  /** A box from raw keys (tests, tools). */
  static fromKeys(current: Buffer, previous: Buffer[] = []): SecretBox {
    const wrap = (bytes: Buffer, source: string): SecretKey => decodeKey(bytes.toString('base64'), source);
    return new SecretBox(wrap(current, 'the current key'), previous.map((b, i) => wrap(b, `previous key ${i + 1}`)));
  }

  /**
   * NOTIFY_SECRET_KEY if set, else the key file (made on first use). Readable too: the key in
   * NOTIFY_SECRET_KEY_PREVIOUS, `<key file>.previous`, and the key file itself when NOTIFY_SECRET_KEY
   * took over from it. Throws SecretKeyError naming the variable or file that holds no key.
   */
  static fromEnvironment({ dataDir, env }: { dataDir: string; env: SecretEnvironment }): SecretBox {
    const file = env.NOTIFY_KEY_FILE !== undefined && env.NOTIFY_KEY_FILE.trim() !== '' ? env.NOTIFY_KEY_FILE : path.join(dataDir, 'notify.key');
    const previous: SecretKey[] = [];
    let current: SecretKey;
    if (env.NOTIFY_SECRET_KEY !== undefined && env.NOTIFY_SECRET_KEY.trim() !== '') {
      current = decodeKey(env.NOTIFY_SECRET_KEY, 'NOTIFY_SECRET_KEY');
      const fromFile = readKeyFile(file);
      if (fromFile !== undefined) previous.push(fromFile);
    } else {
      current = keyFileMadeOnce(file);
    }
    if (env.NOTIFY_SECRET_KEY_PREVIOUS !== undefined && env.NOTIFY_SECRET_KEY_PREVIOUS.trim() !== '') {
      previous.push(decodeKey(env.NOTIFY_SECRET_KEY_PREVIOUS, 'NOTIFY_SECRET_KEY_PREVIOUS'));
    }
    const previousFile = readKeyFile(`${file}.previous`);
    if (previousFile !== undefined) previous.push(previousFile);
    return new SecretBox(current, previous);
  }

  /** Which key seals: shown in logs and errors in place of the key. */
  get keyId(): string {
    return this.current.id;
  }

  /** `config` with each secret field replaced by `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>`; sealed ones left as they are. */
  seal(config: Record<string, unknown>, type: ChannelType): Record<string, unknown> {
    const sealed = { ...config };
    for (const field of SECRET_FIELDS[type]) {
      const value = sealed[field];
      if (typeof value !== 'string' || value.startsWith(PREFIX)) continue;
      // Bound to its place: a value copied into another field or channel type does not open.
      sealed[field] = this.sealValue(value, `${type}.${field}`);
    }
    return sealed;
  }

  /** Any other secret text kept in the store (an ack link inside a queued page), bound to `place`. */
  sealText(value: string, place: string): string {
    return value.startsWith(PREFIX) ? value : this.sealValue(value, place);
  }

  /** Text sealed with sealText (plain text is given back as it is); throws SecretKeyError when it does not open. */
  openText(value: string, place: string): string {
    return value.startsWith(PREFIX) ? this.openValue(value, place) : value;
  }

  private sealValue(value: string, place: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(place));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.current.id}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  /** `config` with its secret fields in plain text; throws SecretKeyError when a value does not open. */
  open(config: Record<string, unknown>, type: ChannelType): Record<string, unknown> {
    const opened = { ...config };
    for (const field of SECRET_FIELDS[type]) {
      const value = opened[field];
      if (typeof value === 'string' && value.startsWith(PREFIX)) opened[field] = this.openValue(value, `${type}.${field}`);
    }
    return opened;
  }

  /** Whether some secret of `config` was sealed with a key other than the current one (re-seal it after a rotation). */
  sealedWithOldKey(config: Record<string, unknown>, type: ChannelType): boolean {
    return SECRET_FIELDS[type].some((field) => {
      const value = config[field];
      return typeof value === 'string' && value.startsWith(PREFIX) && !value.startsWith(`${PREFIX}${this.current.id}:`);
    });
  }

  private openValue(value: string, place: string): string {
    const parts = value.slice(PREFIX.length).split(':');
    const [id, iv, tag, ciphertext] = parts;
    if (parts.length !== 4 || id === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SecretKeyError(`the stored ${place} is not a sealed value (enc:v1:<key>:<iv>:<tag>:<data>)`);
    }
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new SecretKeyError(`the stored ${place} was sealed with key ${id}, which Vigil does not have (it seals with ${this.current.id} from ${this.current.source}): `
        + 'set NOTIFY_SECRET_KEY_PREVIOUS to the key used before, or restore the old key file');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(place));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`the stored ${place} does not open with key ${id} (${key.source}): it was altered or is corrupt`);
    }
  }
}
