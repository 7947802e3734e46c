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
import { AccountService } from './auth/accounts.ts';
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
import { changeRoutes } from './http/routes/changes.ts';
import { RollbackAction } from './actions/rollback.ts';
import { ChangeActions } from './services/change-actions.ts';
import { ChangeQueries } from './services/changes.ts';
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
import { accountRoutes } from './http/routes/accounts.ts';
import { healthRoutes } from './http/routes/health.ts';
import { clientRoutes } from './http/static.ts';
import { incidentRoutes } from './http/routes/incidents.ts';
import { replayRoutes } from './http/routes/replay.ts';
import { alertRoutes } from './http/routes/alerts.ts';
import { AlertHistory } from './services/alerts.ts';
import { webhookRoutes } from './http/routes/webhook.ts';
import { metricsQueryRoutes } from './http/routes/metrics-query.ts';
import { postmortemRoutes } from './http/routes/postmortems.ts';
import { stackFindingsProvider } from './sources/stack-findings.ts';
import { IngestPipeline } from './ingest/pipeline.ts';
import { IncidentQueries } from './services/incidents.ts';
import { IncidentActions } from './services/incident-actions.ts';
import { ContainerActions } from './services/container-actions.ts';
import { Postmortems } from './services/postmortems.ts';
import { KIND, type EngineOptions } from './domain/index.ts';
import { SecretBox } from './paging/secrets.ts';
import { PagingDirectory } from './paging/directory.ts';
import { Dispatcher, type Send } from './paging/dispatcher.ts';
import { PagingService } from './paging/service.ts';
import { TestPages } from './paging/test-pages.ts';
import { sendPage } from './paging/channels/index.ts';
import { PagingAdmin } from './services/paging-admin.ts';
import { pagingRoutes } from './http/routes/paging.ts';
import { ackRoutes } from './http/routes/ack.ts';
import { hostname } from 'node:os';
import { isReplicaOwn, replicaName, Solo, type Membership } from './cluster/membership.ts';
import { LeaseMembership } from './cluster/lease.ts';
import { ClusterSink, ForwardedTail } from './cluster/forward.ts';
import { leaderProxy, leaderSources } from './cluster/leader-proxy.ts';
import { AlertmanagerClient } from './silences/client.ts';
import { SilenceService } from './silences/service.ts';
import { silenceRoutes } from './http/routes/silences.ts';

export interface AppDeps {
  store: Store;
  logger: Logger;
  /** Where first-start secrets are shown to the person (once). Defaults to stdout. */
  announce?: (text: string) => void;
  /** Engine tunables (tests shorten the quiet period). */
  engine?: Partial<EngineOptions>;
  /**
   * Several replicas: this one led and another took over. main.ts exits (fail-stop: whatever this
   * process still had under way as leader ends with it); the default closes the app.
   */
  onLeadershipLost?: (reason: string) => void;
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
  const loginThrottle = new LoginThrottle(deps.store.loginThrottle, undefined, log);
  const accounts = new AccountService(deps.store, auth);
  const origins = new OriginPolicy(config.publicUrl);
  // Several replicas on one MongoDB: the lease decides who leads (cluster/README.md).
  const replica = replicaName(config.cluster.replicaName);
  const cluster: Membership = deps.store.cluster
    ? new LeaseMembership({ store: deps.store.cluster, replica, replicaUrl: config.cluster.replicaUrl ?? `http://${hostname()}:${config.port}`, logger: log })
    : new Solo(replica);

  // Built in dependency order: the HTTP server, socket.io on it, the pipeline that broadcasts
  // through socket.io, then the sources and actions that hand their signals to the pipeline.
  const app = express();
  const httpServer = http.createServer(app);
  const realtime = new RealtimeGateway(httpServer, {
    auth, store: deps.store, logger: log, metrics, origins, cluster,
    ...(config.redisUrl ? { redis: { url: config.redisUrl, board: status } } : {}),
  });
  // The sources the leader watches go to every browser (through Redis); a replica's own connection
  // to Redis only to its own browsers; a follower's watchers never start, and say nothing.
  status.on('change', (s) => {
    if (isReplicaOwn(s.source)) realtime.localSourceStatus(s);
    else if (cluster.isLeader) realtime.sourceStatus(s);
  });
  // Alerts and Prometheus signals name no Docker host: with one endpoint, theirs is that one.
  const [onlyDockerHost] = config.dockerHosts.length === 1 ? config.dockerHosts : [];
  const pipeline = new IngestPipeline({
    store: deps.store, broadcast: realtime, logger: log, maxBacklog: config.ingestMaxBacklog, fence: cluster.fence,
    options: { quietPeriodMs: config.quietPeriodMs, changeWindowMs: config.changeWindowMs, ...(onlyDockerHost ? { defaultHost: onlyDockerHost.url } : {}), ...deps.engine },
  });

  // What every replica takes in (webhook, people's actions): into the pipeline on the leader, into
  // the store's queue on a follower, from which the leader takes it.
  const sink = new ClusterSink({ pipeline, membership: cluster, queue: deps.store.cluster });
  const tail = deps.store.cluster ? new ForwardedTail({ queue: deps.store.cluster, pipeline, logger: log }) : undefined;

  // The ledger and maintenance mode before the Docker source: it tells Vigil's own restarts and
  // paused containers by them. Docker watchers report their own status.
  const ledger = new ActionLedger();
  const maintenance = new Maintenance(deps.store);
  const docker = new DockerSource({
    config, store: deps.store, sink: pipeline, status, logger: log, ready: storeReady,
    broadcast: realtime, tracker: ledger, decorate: (c) => maintenance.decorate(c),
  });
  const dockerActions = createDockerActions({
    docker, ledger, maintenance, sink: pipeline, audit, logger: log, policy: supervisorPolicy(config), ready: storeReady, fence: cluster.fence,
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
  if (deps.store.cluster && config.paging.keyEnv.NOTIFY_SECRET_KEY === undefined) {
    log.warn({ keyFile: config.paging.keyEnv.NOTIFY_KEY_FILE ?? `${config.dataDir}/notify.key` },
      'NOTIFY_SECRET_KEY is not set: with several replicas each would seal channel secrets with its own key file, and a new leader could not open them. Give every replica the same NOTIFY_SECRET_KEY (docs/scale-out.md)');
  }
  const pagingDirectory = new PagingDirectory(deps.store, secretBox);
  // A disabled or deleted user is not paged (the directory leaves them out): re-read it now.
  accounts.onChange(() => pagingDirectory.invalidate());
  const sendContext = { allowPrivate: config.paging.allowPrivate, ...(config.paging.smtp ? { smtp: config.paging.smtp } : {}) };
  const send: Send = (channel, message, delivery) => sendPage(channel, message, delivery, sendContext);
  // Pages go out only while this replica leads; test pages from any replica.
  const fencedSend: Send = async (channel, message, delivery) => {
    await cluster.fence?.();
    return send(channel, message, delivery);
  };
  const record = (signals: Parameters<IngestPipeline['ingest']>[0]) => pipeline.ingest(signals);
  const dispatcher = new Dispatcher({ store: deps.store, directory: pagingDirectory, box: secretBox, send: fencedSend, record, logger: log });
  const paging = new PagingService({
    store: deps.store, directory: pagingDirectory, box: secretBox, dispatcher, record, publicUrl: config.publicUrl, logger: log,
    servicePaused: (service, host) => maintenance.isPaused({ host, id: '', service }),
  });
  pipeline.onDecisions((decisions) => paging.onDecisions(decisions));
  // Silences in Alertmanager (ALERTMANAGER_URL): made and expired by the leader, from incident changes.
  const silences = new SilenceService({
    store: deps.store, clients: config.alertmanagerUrls.map((u) => new AlertmanagerClient(u)), record, fence: cluster.fence,
    publicUrl: config.publicUrl, logger: log,
  });
  pipeline.onDecisions((decisions) => silences.onDecisions(decisions));
  const testPages = new TestPages({ directory: pagingDirectory, send, publicUrl: config.publicUrl });
  const pagingAdmin = new PagingAdmin({ store: deps.store, box: secretBox, directory: pagingDirectory, audit });

  // What the leader runs: the engine restored from the store, Docker and Prometheus watched, the
  // followers' queue taken in, paging. Started each time this replica takes the lead.
  let closing: Promise<void> | undefined;
  let leading: Promise<void> | undefined;
  const lead = (term: number): Promise<void> => {
    const restored = pipeline.start();
    // Once per host: what the previous leader left down (a death taken in, the restart not done).
    const takenOver = new Set<string>();
    docker.onWatching((host) => {
      if (takenOver.has(host)) return;
      takenOver.add(host);
      void restored.then(() => {
        const deaths = pipeline.newestPerContainer(KIND.die);
        dockerActions.supervisor.takeOver(host, term, (h, id) => deaths.get(`${h}/${id}`));
      }, () => undefined);
    });
    docker.start();
    void restored.then(async () => {
      if (closing) return;
      prometheusSource?.start();
      tail?.start();
      realtime.clusterLeader({ leader: replica, term });
      const resealed = await pagingAdmin.resealChannels();
      if (resealed > 0) log.info({ channels: resealed, key: secretBox.keyId }, 'channel secrets sealed again with the current key');
      // Silences after the engine is restored: what an acknowledged incident lacks is made, what a resolved one kept is expired.
      silences.start().catch((err: unknown) => log.error({ err }, 'silences did not start; they are reconciled with the next incident change'));
      // Pages after the engine is restored: what a previous run left pending goes out, what it missed is planned.
      await paging.start();
    }, () => undefined).catch((err: unknown) => log.error({ err }, 'paging did not start; pages are planned again with the next incident change'));
    return restored;
  };
  cluster.onLeading((term) => {
    leading = lead(term);
    leading.catch((err: unknown) => log.error({ err, term }, 'the engine could not be restored on taking the lead; it is restored with the next signal'));
  });
  cluster.onLost((reason) => {
    if (deps.onLeadershipLost) deps.onLeadershipLost(reason);
    else void close();
  });
  const startup = new Startup({
    storeReady,
    // A follower is ready once it knows who leads; the leader once its engine is restored.
    restore: async () => {
      cluster.start();
      await cluster.firstLook;
      await leading;
    },
    auth, store: deps.store, config, logger: log,
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
  const incidentActions = new IncidentActions({ store: deps.store, sink, audit });
  app.use('/api', ackRoutes({ store: deps.store, actions: incidentActions, audit, publicUrl: config.publicUrl }));
  // Before every other route: a page from a foreign origin may not act with a visitor's session cookie.
  app.use(originCheck(origins));
  app.use(healthRoutes(storeLife, status, metrics, () => cluster.state(), () => startup.state === 'done', () => leaderSources(cluster.leaderUrl())));
  // Before the API's session auth and its 256 KB body limit: the webhook has its own token and limit.
  app.use('/api', webhookRoutes({
    storeReady: () => storeLife.isInitialized, webhookToken: () => startup.webhookToken(),
    sink, overloaded: () => sink.overloaded,
    mapping: config.serviceMapping, alertmanagerUrls: config.alertmanagerUrls, registry: metrics.registry, logger: log,
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
  api.use('/auth', authRoutes({ auth, audit, cookieSecure: config.cookieSecure, sessionTtlMs: config.sessionTtlMs, throttle: loginThrottle, accounts }));
  api.use(authenticate(auth));
  // On a follower, what only the leader holds is asked of the leader.
  api.use(leaderProxy(cluster, replica));
  api.use(adminRoutes(auth, audit, loginThrottle));
  api.use(accountRoutes(accounts, audit));
  api.use(metricsQueryRoutes({ prometheus }));
  api.use(incidentRoutes({ queries: new IncidentQueries({ store: deps.store }), actions: incidentActions }));
  api.use(replayRoutes({ store: deps.store }));
  api.use(alertRoutes({ history: new AlertHistory({ store: deps.store }) }));
  api.use(pagingRoutes({
    admin: pagingAdmin,
    testChannel: (id, by) => testPages.testChannel(id, by),
    pageMe: (userId, username) => testPages.pageMe(userId, username),
    incidentPaging: (id) => paging.incidentPaging(id),
    health: () => dispatcher.health(),
    smtpConfigured: config.paging.smtp !== undefined,
  }));
  api.use(silenceRoutes({
    incidentSilences: (id) => silences.incidentSilences(id),
    incidentExists: async (id) => (await deps.store.incidents.get(id)) !== null,
    settings: async () => ({ maxDurationSeconds: await silences.storedMaxDurationSeconds() }),
    saveSettings: ({ maxDurationSeconds }) => silences.saveMaxDurationSeconds(maxDurationSeconds),
    audit,
  }));
  api.use(containerRoutes(new ContainerActions({ docker, actions: dockerActions, sink: pipeline, audit })));
  api.use(swarmRoutes(new SwarmActions({ docker, sink: pipeline, audit })));
  const changeQueries = new ChangeQueries({ store: deps.store });
  const rollbacks = new RollbackAction({ sink: pipeline, audit, ledger, docker, logger: log, fence: cluster.fence });
  api.use(changeRoutes({ queries: changeQueries, actions: new ChangeActions({ queries: changeQueries, rollbacks }) }));
  api.use(postmortemRoutes(new Postmortems({
    store: deps.store, audit, logger: log, findings: stackFindingsProvider({ docker, prometheus }),
  })));
  api.use((req) => {
    throw new HttpError(404, 'not_found', `No route ${req.method} /api${req.path}.`);
  });
  app.use('/api', api);
  app.use(clientRoutes(config.clientDist));
  app.use(errorHandler(log.child({ module: 'http' })));

  const close = (): Promise<void> => {
    closing ??= (async () => {
      dockerActions.close();
      await tail?.stop();
      await docker.close();
      await prometheusSource?.stop();
      await paging.stop();
      await silences.stop();
      await pipeline.stop();
      // After the leader's work has stopped: handing the lease back lets another replica lead at once.
      await cluster.stop();
      const forced = setTimeout(() => httpServer.closeAllConnections(), 5_000);
      forced.unref();
      await realtime.close();
      clearTimeout(forced);
      await storeLife.close();
      log.info('vigil stopped');
    })();
    return closing;
  };

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
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        const address = httpServer.address() as AddressInfo;
        log.info({ host: address.address, port: address.port, store: deps.store.kind, replica }, 'vigil listening');
        resolve(address);
      });
    }),
    close,
  };
}
