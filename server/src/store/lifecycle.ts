// Brings the store up without blocking the server: MongoDB may be unreachable at start, so init
// is retried with back-off while /readyz says the store is down and store-backed routes answer 503.
import type { Logger } from '../logger.ts';
import { redactUrlsInText } from '../redact-url.ts';
import type { Store } from './types.ts';

export class StoreLifecycle {
  readonly store: Store;
  private readonly log: Logger;
  private initialized = false;
  private readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;

  constructor(store: Store, log: Logger) {
    this.store = store;
    this.log = log.child({ module: 'store', kind: store.kind });
    this.readyPromise = new Promise((resolve) => { this.resolveReady = resolve; });
  }

  get isInitialized(): boolean {
    return this.initialized;
  }

  /** Resolves once init has succeeded (possibly after retries). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  start(): void {
    void this.attempt(500);
  }

  private async attempt(delayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.store.init();
      this.initialized = true;
      this.lastError = undefined;
      this.log.info('store ready');
      this.resolveReady();
    } catch (err) {
      // Shown on /readyz and logged: a driver's message may quote the connection string.
      this.lastError = redactUrlsInText(err instanceof Error ? err.message : String(err));
      this.log.error({ detail: this.lastError, retryInMs: delayMs }, 'store not ready; retrying');
      this.timer = setTimeout(() => void this.attempt(Math.min(delayMs * 2, 30_000)), delayMs);
      this.timer.unref();
    }
  }

  /** A live round trip, for /readyz. */
  async check(timeoutMs = 2_000): Promise<{ up: boolean; detail?: string }> {
    if (!this.initialized) return { up: false, detail: this.lastError ?? 'starting' };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      return { up: true };
    } catch (err) {
      return { up: false, detail: redactUrlsInText(err instanceof Error ? err.message : String(err)) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.store.close();
  }
}
