// Random secrets (session ids, CSRF tokens, API tokens) and the hashes under which they are stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A password people can type from a terminal: 20 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

export const API_TOKEN_PREFIX = 'vgl_';
