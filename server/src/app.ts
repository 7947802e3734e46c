// Wires the real adapters into one running Vigil: HTTP API, socket.io, store, sources.
// createApp(deps, config) → { listen, close }; tests boot it on port 0 and talk to it for real.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Store } from './store/types.ts';
import { AuthService } from './auth/service.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import type { WebhookToken } from './auth/webhook-token.ts';
import { AuditLog } from './audit.ts';
import { createMetrics } from './metrics.ts';
import { StatusBoard } from './status.ts';
import { StoreLifecycle } from './store/lifecycle.ts';
import { Startup } from './startup.ts';
import { RealtimeGateway } from './realtime/gateway.ts';
import { DockerSource } from './sources/docker/index.ts';
import { ActionLedger } from './actions/ledger.ts';
import { Maintenance } from './actions/maintenance.ts';
import { createDockerActions, supervisorPolicy } from './actions/index.ts';
import { containerRoutes } from './http/routes/containers.ts';
import { swarmRoutes } from './http/routes/swarm.ts';
import { SwarmActions } from './services/swarm-actions.ts';
import { prometheusApi } from './sources/prometheus/client.ts';
import { PrometheusSource } from './sources/prometheus/poller.ts';
import { authenticate } from './http/auth-middleware.ts';
import { securityHeaders } from './http/security-headers.ts';
import { requestMetrics } from './http/request-metrics.ts';
import { originCheck, OriginPolicy } from './http/origin.ts';
import { API_BODY_LIMIT, jsonBody } from './http/body.ts';
import { errorHandler, HttpError } from './http/errors.ts';
import { authRoutes } from './http/routes/auth.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { healthRoutes } from './http/routes/health.ts';
import { clientRoutes } from './http/static.ts';
import { incidentRoutes } from './http/routes/incidents.ts';
import { webhookRoutes } from './http/routes/webhook.ts';
import { metricsQueryRoutes } from './http/routes/metrics-query.ts';
import { postmortemRoutes } from './http/routes/postmortems.ts';
import { stackFindingsProvider } from './sources/stack-findings.ts';
import { IngestPipeline } from './ingest/pipeline.ts';
import { IncidentQueries } from './services/incidents.ts';
import { IncidentActions } from './services/incident-actions.ts';
import { ContainerActions } from './services/container-actions.ts';
import { Postmortems } from './services/postmortems.ts';
import type { EngineOptions } from './domain/index.ts';
import { SecretBox } from './paging/secrets.ts';
import { PagingDirectory } from './paging/directory.ts';
import { Dispatcher, type Send } from './paging/dispatcher.ts';
import { PagingService } from './paging/service.ts';
import { TestPages } from './paging/test-pages.ts';
import { sendPage } from './paging/channels/index.ts';
import { PagingAdmin } from './services/paging-admin.ts';
import { pagingRoutes } from './http/routes/paging.ts';
import { ackRoutes } from './http/routes/ack.ts';
import { replicaName, Solo, type Membership } from './cluster/membership.ts';

export interface AppDeps {
  store: Store;
  logger: Logger;
  /** Where first-start secrets are shown to the person (once). Defaults to stdout. */
  announce?: (text: string) => void;
  /** Engine tunables (tests shorten the quiet period). */
  engine?: Partial<EngineOptions>;
}

export interface VigilApp {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** Resolves when the store is initialized and first-start bootstrap (admin, webhook token) is done. */
  ready(): Promise<void>;
  readonly httpServer: http.Server;
  readonly auth: AuthService;
  readonly status: StatusBoard;
  readonly realtime: RealtimeGateway;
  /** Where sources and actions hand in signals; resolves once they are stored. */
  readonly signals: IngestPipeline;
  webhookToken(): Promise<WebhookToken>;
}

export function createApp(deps: AppDeps, config: Config): VigilApp {
  const log = deps.logger;
  const metrics = createMetrics();
  const status = new StatusBoard();
  const storeLife = new StoreLifecycle(deps.store, log);
  const storeReady = () => storeLife.ready();
  const auth = new AuthService(deps.store, { sessionTtlMs: config.sessionTtlMs, logger: log });
  const audit = new AuditLog(deps.store);
  const loginThrottle = new LoginThrottle();
  const origins = new OriginPolicy(config.publicUrl);
  const cluster: Membership = new Solo(replicaName(config.cluster.replicaName));

  // Built in dependency order: the HTTP server, socket.io on it, the pipeline that broadcasts
  // through socket.io, then the sources and actions that hand their signals to the pipeline.
  const app = express();
  const httpServer = http.createServer(app);
  const realtime = new RealtimeGateway(httpServer, { auth, store: deps.store, logger: log, metrics, origins, cluster });
  status.on('change', (s) => realtime.sourceStatus(s));
  // Alerts and Prometheus signals name no Docker host: with one endpoint, theirs is that one.
  const [onlyDockerHost] = config.dockerHosts.length === 1 ? config.dockerHosts : [];
  const pipeline = new IngestPipeline({
    store: deps.store, broadcast: realtime, logger: log, maxBacklog: config.ingestMaxBacklog,
    options: { quietPeriodMs: config.quietPeriodMs, ...(onlyDockerHost ? { defaultHost: onlyDockerHost.url } : {}), ...deps.engine },
  });

  // The ledger and maintenance mode before the Docker source: it tells Vigil's own restarts and
  // paused containers by them. Docker watchers report their own status.
  const ledger = new ActionLedger();
  const maintenance = new Maintenance(deps.store);
  const docker = new DockerSource({
    config, store: deps.store, sink: pipeline, status, logger: log, ready: storeReady,
    broadcast: realtime, tracker: ledger, decorate: (c) => maintenance.decorate(c),
  });
  const dockerActions = createDockerActions({
    docker, ledger, maintenance, sink: pipeline, audit, logger: log, policy: supervisorPolicy(config), ready: storeReady,
  });
  pipeline.onSignal((signal) => dockerActions.supervisor.onSignal(signal));

  const prometheus = prometheusApi(config.prometheusUrl);
  const prometheusSource = config.prometheusPollMs > 0
    ? new PrometheusSource({
      api: prometheus, sink: pipeline, cursors: deps.store.cursors, board: status, logger: log,
      mapping: config.serviceMapping, intervalMs: config.prometheusPollMs,
    })
    : undefined;
  if (!prometheusSource) status.set('prometheus', prometheus.url, 'disabled', 'PROMETHEUS_POLL_SECONDS=0');

  // Paging: channels' secrets opened with a key kept outside the store; the dispatcher drains the
  // outbox, the service plans pages from every committed incident change.
  const secretBox = SecretBox.fromEnvironment({ dataDir: config.dataDir, env: config.paging.keyEnv });
  const pagingDirectory = new PagingDirectory(deps.store, secretBox);
  const sendContext = { allowPrivate: config.paging.allowPrivate, ...(config.paging.smtp ? { smtp: config.paging.smtp } : {}) };
  const send: Send = (channel, message, delivery) => sendPage(channel, message, delivery, sendContext);
  const record = (signals: Parameters<IngestPipeline['ingest']>[0]) => pipeline.ingest(signals);
  const dispatcher = new Dispatcher({ store: deps.store, directory: pagingDirectory, box: secretBox, send, record, logger: log });
  const paging = new PagingService({
    store: deps.store, directory: pagingDirectory, box: secretBox, dispatcher, record, publicUrl: config.publicUrl, logger: log,
    servicePaused: (service, host) => maintenance.isPaused({ host, id: '', service }),
  });
  pipeline.onDecisions((decisions) => paging.onDecisions(decisions));
  const testPages = new TestPages({ directory: pagingDirectory, send, publicUrl: config.publicUrl });
  const pagingAdmin = new PagingAdmin({ store: deps.store, box: secretBox, directory: pagingDirectory, audit });

  const startup = new Startup({
    storeReady, restore: () => pipeline.start(), auth, store: deps.store, config, logger: log,
    announce: deps.announce ?? ((text: string) => process.stdout.write(text)),
  });

  // Routes, in the order a request meets them.
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  app.use(requestMetrics(metrics));
  // An ack link's token is its own credential and no session is used, so the Origin check (about
  // sessions) does not apply: the confirmation page's form posts with `Origin: null` under the
  // no-referrer policy.
  const incidentActions = new IncidentActions({ store: deps.store, sink: pipeline, audit });
  app.use('/api', ackRoutes({ store: deps.store, actions: incidentActions, audit, publicUrl: config.publicUrl }));
  // Before every other route: a page from a foreign origin may not act with a visitor's session cookie.
  app.use(originCheck(origins));
  app.use(healthRoutes(storeLife, status, metrics, () => cluster.state(), () => startup.state === 'done'));
  // Before the API's session auth and its 256 KB body limit: the webhook has its own token and limit.
  app.use('/api', webhookRoutes({
    storeReady: () => storeLife.isInitialized, webhookToken: () => startup.webhookToken(),
    sink: pipeline, overloaded: () => pipeline.overloaded,
    mapping: config.serviceMapping, registry: metrics.registry, logger: log,
  }));

  const api = express.Router();
  api.use(jsonBody(API_BODY_LIMIT));
  api.use((_req, _res, next) => {
    if (!storeLife.isInitialized) throw new HttpError(503, 'store_unavailable', 'The store is not ready yet; nothing was changed. See /readyz.');
    // Until the first admin exists a sign-in could only fail (and count towards a lockout).
    if (startup.state === 'failed') throw new HttpError(503, 'store_unavailable', 'First-start setup failed (see Vigil\'s log); restart Vigil once the store is healthy.');
    if (startup.state === 'pending') throw new HttpError(503, 'store_unavailable', 'Vigil is finishing its start; nothing was changed. Try again in a moment.');
    next();
  });
  api.use('/auth', authRoutes({ auth, audit, cookieSecure: config.cookieSecure, sessionTtlMs: config.sessionTtlMs, throttle: loginThrottle }));
  api.use(authenticate(auth));
  api.use(adminRoutes(auth, audit, loginThrottle));
  api.use(metricsQueryRoutes({ prometheus }));
  api.use(incidentRoutes({ queries: new IncidentQueries({ store: deps.store }), actions: incidentActions }));
  api.use(pagingRoutes({
    admin: pagingAdmin,
    testChannel: (id, by) => testPages.testChannel(id, by),
    pageMe: (userId, username) => testPages.pageMe(userId, username),
    incidentPaging: (id) => paging.incidentPaging(id),
    health: () => dispatcher.health(),
    smtpConfigured: config.paging.smtp !== undefined,
  }));
  api.use(containerRoutes(new ContainerActions({ docker, actions: dockerActions, sink: pipeline, audit })));
  api.use(swarmRoutes(new SwarmActions({ docker, sink: pipeline, audit })));
  api.use(postmortemRoutes(new Postmortems({
    store: deps.store, audit, logger: log, findings: stackFindingsProvider({ docker, prometheus }),
  })));
  api.use((req) => {
    throw new HttpError(404, 'not_found', `No route ${req.method} /api${req.path}.`);
  });
  app.use('/api', api);
  app.use(clientRoutes(config.clientDist));
  app.use(errorHandler(log.child({ module: 'http' })));

  let closing: Promise<void> | undefined;
  return {
    httpServer,
    auth,
    status,
    realtime,
    signals: pipeline,
    ready: () => startup.done,
    webhookToken: () => startup.webhookToken(),
    listen: () => new Promise((resolve, reject) => {
      storeLife.start();
      docker.start();
      // The source remembers what it reported in the store: it starts once the store is there.
      startup.done.then(() => { if (!closing) prometheusSource?.start(); }, () => undefined);
      // Pages after the engine is restored: what a previous run left pending goes out, what it missed is planned.
      startup.done.then(async () => {
        if (closing) return;
        const resealed = await pagingAdmin.resealChannels();
        if (resealed > 0) log.info({ channels: resealed, key: secretBox.keyId }, 'channel secrets sealed again with the current key');
        await paging.start();
      }, () => undefined)
        .catch((err: unknown) => log.error({ err }, 'paging did not start; pages are planned again with the next incident change'));
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        const address = httpServer.address() as AddressInfo;
        log.info({ host: address.address, port: address.port, store: deps.store.kind }, 'vigil listening');
        resolve(address);
      });
    }),
    close: () => {
      closing ??= (async () => {
        dockerActions.close();
        await docker.close();
        await prometheusSource?.stop();
        await paging.stop();
        await pipeline.stop();
        const forced = setTimeout(() => httpServer.closeAllConnections(), 5_000);
        forced.unref();
        await realtime.close();
        clearTimeout(forced);
        await storeLife.close();
        log.info('vigil stopped');
      })();
      return closing;
    },
  };
}
