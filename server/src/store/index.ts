// Picks the store: MongoDB when a URL is configured, the embedded SQLite file otherwise.
// Nothing is opened or connected here; the caller runs init() (see lifecycle.ts). The MongoDB
// driver (~20 MB of heap) is loaded only when a MONGODB_URL asks for it.
import type { Logger } from '../logger.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface StoreOptions {
  mongodbUrl?: string;
  dataDir: string;
  /** Start-up findings: DATA_DIR tightened, users renamed because their names clashed by case. */
  logger?: Logger;
}

export async function createStore(options: StoreOptions): Promise<Store> {
  const url = options.mongodbUrl?.trim();
  const logged = options.logger ? { logger: options.logger } : {};
  if (!url) return new SqliteStore(options.dataDir, logged);
  const { MongoStore } = await import('./mongo/store.ts');
  return new MongoStore(url, logged);
}
