// Secret keys Vigil makes for itself and keeps in the store's settings, so every replica on one
// store holds the same key and a restart keeps it: what one replica signed, another accepts.
// Created on first use (setIfAbsent: of two replicas racing, one key wins and both read it).
import { randomBytes } from 'node:crypto';
import type { SettingRepository } from './types.ts';

export class SettingKeys {
  private readonly settings: SettingRepository;
  private readonly loaded = new Map<string, Promise<Buffer>>();

  constructor(settings: SettingRepository) {
    this.settings = settings;
  }

  /** The 256-bit key stored under `name`, created on first use. */
  key(name: string): Promise<Buffer> {
    let key = this.loaded.get(name);
    if (!key) {
      key = this.settings.setIfAbsent(name, randomBytes(32).toString('base64url')).then((stored) => Buffer.from(stored, 'base64url'));
      // A store that could not answer is asked again next time instead of failing forever.
      key.catch(() => this.loaded.delete(name));
      this.loaded.set(name, key);
    }
    return key;
  }
}
