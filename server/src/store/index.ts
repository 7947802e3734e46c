// Picks the store: MongoDB when a URL is configured, the embedded SQLite file otherwise.
// Nothing is opened or connected here; the caller runs init() (see lifecycle.ts).
import type { Logger } from '../logger.ts';
import { MongoStore } from './mongo/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface StoreOptions {
  mongodbUrl?: string;
  dataDir: string;
  /** Start-up findings: DATA_DIR tightened, users renamed because their names clashed by case. */
  logger?: Logger;
}

export function createStore(options: StoreOptions): Store {
  const url = options.mongodbUrl?.trim();
  const logged = options.logger ? { logger: options.logger } : {};
  return url ? new MongoStore(url, logged) : new SqliteStore(options.dataDir, logged);
}
