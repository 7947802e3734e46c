// First start, once the store is up: the engine restored from it, the first admin and the webhook
// token made, and the secrets generated for them shown once. Until it is done /readyz says not
// ready and the API answers 503 store_unavailable.
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Store } from './store/types.ts';
import type { AuthService } from './auth/service.ts';
import { generatePassword } from './auth/secrets.ts';
import { ensureWebhookToken, type WebhookToken } from './auth/webhook-token.ts';

export type StartupState = 'pending' | 'done' | 'failed';

export class Startup {
  /** Resolves when the store is initialized and first-start setup is done. */
  readonly done: Promise<void>;
  private current: StartupState = 'pending';
  private webhook: Promise<WebhookToken> | undefined;

  constructor(deps: {
    /** Resolves once the store is initialized. */
    storeReady: () => Promise<void>;
    /** Restores the engine from the store (IngestPipeline.start). */
    restore: () => Promise<void>;
    auth: AuthService;
    store: Store;
    config: Pick<Config, 'adminPassword' | 'webhookToken'>;
    /** Where first-start secrets are shown to the person (once). */
    announce: (text: string) => void;
    logger: Logger;
  }) {
    this.done = deps.storeReady().then(async () => {
      await deps.restore();
      const admin = await deps.auth.ensureAdmin(deps.config.adminPassword, generatePassword);
      this.webhook = ensureWebhookToken(deps.store, deps.config.webhookToken);
      const webhook = await this.webhook;
      const lines: string[] = [];
      if (admin.generatedPassword) lines.push(`  admin password:  ${admin.generatedPassword}   (user "admin")`);
      if (webhook.generated) lines.push(`  webhook token:   ${webhook.generated}   (Alertmanager: Authorization: Bearer <token>)`);
      if (lines.length > 0) {
        deps.announce(`\nVigil generated these secrets on first start. They are shown only now; store them safely.\n${lines.join('\n')}\n\n`);
      }
      this.current = 'done';
    });
    this.done.catch((err: unknown) => {
      this.current = 'failed';
      deps.logger.error({ err }, 'first-start bootstrap failed');
    });
  }

  get state(): StartupState {
    return this.current;
  }

  async webhookToken(): Promise<WebhookToken> {
    await this.done;
    if (!this.webhook) throw new Error('webhook token not initialized');
    return this.webhook;
  }
}
