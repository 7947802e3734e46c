// Entry point: read config → createApp → listen; close() on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createStore } from './store/index.ts';
import { createApp } from './app.ts';
import { SecretKeyError } from './paging/secrets.ts';

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
let app;
try {
  app = createApp({ store, logger }, config);
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
