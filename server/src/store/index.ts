// Picks the store: MongoDB when a URL is configured, the embedded SQLite file otherwise.
// Nothing is opened or connected here; the caller runs init() (see lifecycle.ts).
import { MongoStore } from './mongo/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface StoreOptions {
  mongodbUrl?: string;
  dataDir: string;
}

export function createStore(options: StoreOptions): Store {
  const url = options.mongodbUrl?.trim();
  return url ? new MongoStore(url) : new SqliteStore(options.dataDir);
}
