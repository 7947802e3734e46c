// Environment → one typed, validated configuration object, parsed once at start (API.md "Running it").
import path from 'node:path';
import { z } from 'zod';
import { redactUrl } from './redact-url.ts';

const dockerEndpoint = z.string().trim().refine(
  // `user:password@` (basic auth, e.g. to a socket proxy behind a web server) is allowed before the host.
  (v) => /^unix:\/\/\/.+/.test(v) || /^(tcp|https?):\/\/([^/]*@)?[^/:@]+:\d{1,5}\/?$/.test(v),
  { message: 'expected unix:///path/to/docker.sock or tcp://host:port' },
);

const optionalSecret = (minLength: number) =>
  z.string().optional().transform((v) => (v === undefined || v === '' ? undefined : v)).refine(
    (v) => v === undefined || v.length >= minLength,
    { message: `must be at least ${minLength} characters (or unset to generate one)` },
  );

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DOCKER_HOSTS: z.string().optional(),
  DOCKER_HOST: z.string().optional(),
  DOCKER_CERT_PATH: z.string().optional(),
  PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:9090'),
  MONGODB_URL: z.string().optional().transform((v) => (v === '' ? undefined : v)).refine(
    (v) => v === undefined || /^mongodb(\+srv)?:\/\//.test(v),
    { message: 'expected a mongodb:// or mongodb+srv:// connection string' },
  ),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  ADMIN_PASSWORD: optionalSecret(8),
  WEBHOOK_TOKEN: optionalSecret(16),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CLIENT_DIST: z.string().optional(),
  SUPERVISOR_MAX_RESTARTS: z.coerce.number().int().min(1).max(1_000).default(5),
  SUPERVISOR_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  QUIET_PERIOD_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  CHANGE_WINDOW_MINUTES: z.coerce.number().min(0).max(1_440).default(30),
  INGEST_MAX_BACKLOG: z.coerce.number().int().min(100).max(1_000_000).default(20_000),
  PROMETHEUS_POLL_SECONDS: z.coerce.number().max(300).default(5).refine((v) => v === 0 || v >= 1, { message: 'expected seconds between 1 and 300, or 0 to turn polling off' }),
  SMTP_URL: z.string().optional().transform((v) => (v === '' ? undefined : v)).refine(
    (v) => v === undefined || /^smtps?:\/\/[^/]+/.test(v),
    { message: 'expected smtp://user:pass@host:port (or smtps:// for TLS)' },
  ),
  SMTP_FROM: z.string().trim().min(3).max(200).default('Vigil <vigil@localhost>'),
  NOTIFY_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  NOTIFY_SECRET_KEY: z.string().optional().transform((v) => (v === '' ? undefined : v)).refine(
    (v) => v === undefined || Buffer.from(v, 'base64').length === 32,
    { message: 'expected the base64 of 32 random bytes (openssl rand -base64 32)' },
  ),
  NOTIFY_SECRET_KEY_PREVIOUS: z.string().optional().transform((v) => (v === '' ? undefined : v)).refine(
    (v) => v === undefined || Buffer.from(v, 'base64').length === 32,
    { message: 'expected the base64 of 32 random bytes: the key used before NOTIFY_SECRET_KEY' },
  ),
  NOTIFY_KEY_FILE: z.string().trim().optional(),
  REDIS_URL: z.string().optional().transform((v) => (v === '' ? undefined : v)).refine(
    (v) => v === undefined || /^rediss?:\/\/[^/]+/.test(v),
    { message: 'expected redis://host:port (or rediss:// for TLS)' },
  ),
  ALERTMANAGER_URL: z.string().optional().transform((v) => (v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== ''))),
  REPLICA_NAME: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected 1–63 letters, digits, dots, dashes or underscores').optional(),
  REPLICA_URL: z.url({ protocol: /^https?$/ }).optional(),
  SERVICE_LABELS: z.string().default('service,job,container,instance').transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .refine((names) => names.length > 0 && names.every((n) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n)), { message: 'expected comma-separated Prometheus label names, e.g. service,job,container,instance' }),
  SERVICE_MAP: z.string().default('').transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .refine((pairs) => pairs.every((p) => /^[^=]+=[^=]+$/.test(p)), { message: 'expected comma-separated label-value=service pairs, e.g. users-api=backend,db:5432=mongo' })
    .transform((pairs) => Object.fromEntries(pairs.map((p) => p.split('=').map((s) => s.trim()) as [string, string]))),
});

export interface DockerEndpoint {
  /**
   * As written in DOCKER_HOSTS less any credentials (redactUrl): the host name shown to people unless
   * a better one is known, and the key of its cursor and status.
   */
  url: string;
  /** Basic auth from `tcp://user:password@host:port`: sent to the endpoint, shown nowhere. */
  auth?: { username: string; password: string };
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

export interface Config {
  port: number;
  host: string;
  dockerHosts: DockerEndpoint[];
  dockerCertPath?: string;
  prometheusUrl: string;
  mongodbUrl?: string;
  dataDir: string;
  adminPassword?: string;
  webhookToken?: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  sessionTtlMs: number;
  cookieSecure: 'auto' | boolean;
  /** The address people reach Vigil at (PUBLIC_URL): links use it, and pages from it may act with a session. */
  publicUrl: string;
  clientDist: string;
  /** The supervisor's restart-loop breaker: at most `maxRestarts` restarts within `windowMs`. */
  supervisor: { maxRestarts: number; windowMs: number };
  /** Recovered this long with no new failure → resolved. */
  quietPeriodMs: number;
  /** A failure this soon after a change of its service names that change as the incident's suspected change. */
  changeWindowMs: number;
  /** Signals waiting to be stored past which the Alertmanager webhook answers 503 ingest_busy. */
  ingestMaxBacklog: number;
  /** How often the Prometheus source polls alerts and target health; 0 = not at all. */
  prometheusPollMs: number;
  /** Which Prometheus/Alertmanager labels name a service (first present wins), and renames of their values. */
  serviceMapping: { labels: string[]; aliases: Record<string, string> };
  /** socket.io fan-out across replicas (REDIS_URL); unset → this replica's browsers only. */
  redisUrl?: string;
  /**
   * Alertmanager API addresses (ALERTMANAGER_URL), without a trailing slash: acknowledging silences
   * an incident's alerts there, and a truncated webhook is completed from them (empty: from the
   * webhook's externalURL). Credentials kept; shown only through redactUrl.
   */
  alertmanagerUrls: string[];
  /** This replica in a cluster (API.md "Several replicas"): its name, and where the other replicas reach it. */
  cluster: { replicaName?: string; replicaUrl?: string };
  /** Paging (API.md "Paging"): e-mail transport, whether channels may reach private addresses, where the secrets key is. */
  paging: {
    smtp?: { url: string; from: string };
    smtpFrom: string;
    allowPrivate: boolean;
    /** The environment of the secrets key (paging/secrets.ts reads NOTIFY_SECRET_KEY, …_PREVIOUS, NOTIFY_KEY_FILE). */
    keyEnv: { NOTIFY_SECRET_KEY?: string; NOTIFY_SECRET_KEY_PREVIOUS?: string; NOTIFY_KEY_FILE?: string };
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = issues;
  }
}

function parseDockerEndpoint(raw: string, certPath: string | undefined): DockerEndpoint {
  if (raw.startsWith('unix://')) return { url: raw, socketPath: raw.slice('unix://'.length) };
  const u = new URL(raw.replace(/^tcp:/, certPath ? 'https:' : 'http:'));
  const auth = u.username !== '' ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
  return { url: redactUrl(raw), host: u.hostname, port: Number(u.port), protocol: u.protocol === 'https:' ? 'https' : 'http', ...(auth ? { auth } : {}) };
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  const issues: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const value = env[name];
      const shown = name === 'ADMIN_PASSWORD' || name === 'WEBHOOK_TOKEN' || name.startsWith('NOTIFY_SECRET_KEY') ? '(hidden)' : JSON.stringify(value === undefined ? value : value.split(',').map((v) => redactUrl(v)).join(','));
      issues.push(`${name}=${shown}: ${issue.message}`);
    }
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  const rawHosts = (e.DOCKER_HOSTS ?? e.DOCKER_HOST ?? 'unix:///var/run/docker.sock')
    .split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const variable = e.DOCKER_HOSTS !== undefined ? 'DOCKER_HOSTS' : 'DOCKER_HOST';
  if (rawHosts.length === 0) issues.push(`${variable}: names no Docker endpoint`);
  for (const h of rawHosts) {
    const r = dockerEndpoint.safeParse(h);
    if (!r.success) issues.push(`${variable}=${JSON.stringify(redactUrl(h))}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  }
  if (new Set(rawHosts.map((h) => redactUrl(h))).size !== rawHosts.length) issues.push(`${variable}: names the same endpoint twice`);
  for (const u of e.ALERTMANAGER_URL) {
    const r = z.url({ protocol: /^https?$/ }).safeParse(u);
    if (!r.success) issues.push(`ALERTMANAGER_URL=${JSON.stringify(redactUrl(u))}: expected comma-separated http(s)://host:port addresses of Alertmanager's API`);
  }
  if (new Set(e.ALERTMANAGER_URL.map((u) => redactUrl(u).replace(/\/+$/, ''))).size !== e.ALERTMANAGER_URL.length) issues.push('ALERTMANAGER_URL: names the same Alertmanager twice');
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    port: e.PORT,
    host: e.HOST,
    dockerHosts: rawHosts.map((h) => parseDockerEndpoint(h, e.DOCKER_CERT_PATH)),
    ...(e.DOCKER_CERT_PATH ? { dockerCertPath: e.DOCKER_CERT_PATH } : {}),
    prometheusUrl: e.PROMETHEUS_URL.replace(/\/+$/, ''),
    ...(e.MONGODB_URL ? { mongodbUrl: e.MONGODB_URL } : {}),
    dataDir: path.resolve(cwd, e.DATA_DIR),
    ...(e.ADMIN_PASSWORD ? { adminPassword: e.ADMIN_PASSWORD } : {}),
    ...(e.WEBHOOK_TOKEN ? { webhookToken: e.WEBHOOK_TOKEN } : {}),
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    clientDist: path.resolve(cwd, e.CLIENT_DIST ?? defaultClientDist()),
    supervisor: { maxRestarts: e.SUPERVISOR_MAX_RESTARTS, windowMs: e.SUPERVISOR_WINDOW_SECONDS * 1_000 },
    quietPeriodMs: e.QUIET_PERIOD_SECONDS * 1000,
    changeWindowMs: Math.round(e.CHANGE_WINDOW_MINUTES * 60_000),
    ingestMaxBacklog: e.INGEST_MAX_BACKLOG,
    prometheusPollMs: Math.round(e.PROMETHEUS_POLL_SECONDS * 1000),
    serviceMapping: { labels: e.SERVICE_LABELS, aliases: e.SERVICE_MAP },
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    alertmanagerUrls: e.ALERTMANAGER_URL.map((u) => u.replace(/\/+$/, '')),
    cluster: {
      ...(e.REPLICA_NAME ? { replicaName: e.REPLICA_NAME } : {}),
      ...(e.REPLICA_URL ? { replicaUrl: e.REPLICA_URL.replace(/\/+$/, '') } : {}),
    },
    paging: {
      ...(e.SMTP_URL ? { smtp: { url: e.SMTP_URL, from: e.SMTP_FROM } } : {}),
      smtpFrom: e.SMTP_FROM,
      allowPrivate: e.NOTIFY_ALLOW_PRIVATE === 'true',
      keyEnv: {
        ...(e.NOTIFY_SECRET_KEY ? { NOTIFY_SECRET_KEY: e.NOTIFY_SECRET_KEY } : {}),
        ...(e.NOTIFY_SECRET_KEY_PREVIOUS ? { NOTIFY_SECRET_KEY_PREVIOUS: e.NOTIFY_SECRET_KEY_PREVIOUS } : {}),
        ...(e.NOTIFY_KEY_FILE ? { NOTIFY_KEY_FILE: path.resolve(cwd, e.NOTIFY_KEY_FILE) } : {}),
      },
    },
  };
}

function defaultClientDist(): string {
  return path.join(import.meta.dirname, '..', '..', 'client', 'dist');
}
