// Entry point: read config → createApp → listen; close() on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createStore } from './store/index.ts';
import { createApp } from './app.ts';
import { SecretKeyError } from './paging/secrets.ts';
import { SqliteStore } from './store/sqlite/store.ts';
import { DataDirInUseError } from './store/sqlite/lock.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
const store = await createStore({ dataDir: config.dataDir, logger, ...(config.mongodbUrl ? { mongodbUrl: config.mongodbUrl } : {}) });
// The embedded store serves one Vigil: a second one on the same DATA_DIR stops here, before it listens.
if (store instanceof SqliteStore) {
  try {
    store.claimDataDir();
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
let app;
try {
  app = createApp({
    store, logger,
    // Fail-stop: another replica leads now, and nothing this process still has under way as leader
    // (a timer, a Docker call) may go on. The restart policy brings it back as a follower.
    onLeadershipLost: (reason) => {
      logger.fatal({ reason }, 'this replica no longer leads; exiting so it does nothing as an old leader');
      process.exit(3);
    },
  }, config);
} catch (err) {
  // A notification key that cannot be read or made (NOTIFY_SECRET_KEY, NOTIFY_KEY_FILE) is a configuration error.
  if (err instanceof SecretKeyError) {
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

try {
  await app.listen();
} catch (err) {
  logger.fatal({ err }, `cannot listen on ${config.host}:${config.port}`);
  process.exit(1);
}

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    hardStop.unref();
    app.close().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    });
  });
}
