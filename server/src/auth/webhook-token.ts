// The bearer token Alertmanager sends. From WEBHOOK_TOKEN, or generated at first start and kept
// as a hash in the store, so it is printed once and survives restarts.
import type { Store } from '../store/types.ts';
import { randomSecret, safeEqual, sha256 } from './secrets.ts';

const SETTING = 'webhook_token_sha256';

export interface WebhookToken {
  verify(token: string): boolean;
  /** Set only on the start that generated it: shown to the person once. */
  generated?: string;
}

export async function ensureWebhookToken(store: Store, configured: string | undefined): Promise<WebhookToken> {
  if (configured !== undefined) {
    const expected = sha256(configured);
    return { verify: (token) => safeEqual(sha256(token), expected) };
  }
  const candidate = randomSecret();
  const stored = await store.settings.setIfAbsent(SETTING, sha256(candidate));
  const verify = (token: string) => safeEqual(sha256(token), stored);
  return stored === sha256(candidate) ? { verify, generated: candidate } : { verify };
}
