// The sample stack's own Prometheus and Alertmanager configs, run by the tests on loopback: only
// addresses (and, when asked, intervals) are rewritten; the rule and route files are used as they are.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAlertmanager, type RunningAlertmanager } from './alertmanager.ts';
import { freePort } from './ports.ts';
import { startPrometheus } from './prometheus.ts';
import { makeTempDir, removeTempDir, startProcess, waitForHttp } from './resources.ts';

export const SAMPLE_STACK = path.resolve(import.meta.dirname, '../../../sample-stack');
export const sample = (...parts: string[]) => path.join(SAMPLE_STACK, ...parts);

/** Replaces every occurrence of `from`; throws when there is none, so a changed sample file fails loudly. */
function rewrite(text: string, from: string, to: string, what: string): string {
  if (!text.includes(from)) throw new Error(`the sample ${what} no longer contains ${JSON.stringify(from)}: update the test's rewrite`);
  return text.split(from).join(to);
}

/** The sample alertmanager.yml with the webhook pointed at `webhookUrl` and the token read from `tokenFile`. */
export function sampleAlertmanagerYaml(webhookUrl: string, tokenFile: string): string {
  let text = readFileSync(sample('alertmanager/alertmanager.yml'), 'utf8');
  text = rewrite(text, 'http://vigil:8080/api/webhooks/alertmanager', webhookUrl, 'alertmanager.yml');
  return rewrite(text, '/alertmanager/webhook_token', tokenFile, 'alertmanager.yml');
}

/** A real Alertmanager with the sample routes, sending to `webhookUrl` with the bearer `token`. */
export async function startSampleAlertmanager(webhookUrl: string, token: string, options: { port?: number } = {}): Promise<RunningAlertmanager & { tokenDir: string }> {
  const tokenDir = makeTempDir('webhook-token');
  const tokenFile = path.join(tokenDir, 'webhook_token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const am = await startAlertmanager({ configYaml: sampleAlertmanagerYaml(webhookUrl, tokenFile), ...options });
  return {
    ...am,
    tokenDir,
    stop: async () => {
      await am.stop();
      await removeTempDir(tokenDir);
    },
  };
}

export interface SamplePrometheusOptions {
  /** The sample's target addresses (`backend:3001`, `alertmanager:9093`…) → loopback `host:port`. */
  addresses: Record<string, string>;
  /** Replaces the sample's 5 s scrape and evaluation interval, e.g. '1s'. */
  interval?: string;
  /** A port picked beforehand (e.g. given to Vigil as PROMETHEUS_URL first); a free one otherwise. */
  port?: number;
}

export function samplePrometheusYaml(options: SamplePrometheusOptions & { self: string }): string {
  let text = readFileSync(sample('prometheus/prometheus.yml'), 'utf8');
  text = rewrite(text, "- rules/*.yml", `- ${JSON.stringify(sample('prometheus/rules/*.yml'))}`, 'prometheus.yml');
  text = rewrite(text, "'localhost:9090'", `'${options.self}'`, 'prometheus.yml');
  for (const [from, to] of Object.entries(options.addresses)) text = rewrite(text, `'${from}'`, `'${to}'`, 'prometheus.yml');
  if (options.interval !== undefined) {
    text = rewrite(text, 'scrape_interval: 5s', `scrape_interval: ${options.interval}`, 'prometheus.yml');
    text = rewrite(text, 'evaluation_interval: 5s', `evaluation_interval: ${options.interval}`, 'prometheus.yml');
  }
  return text;
}

/** A real Prometheus with the sample prometheus.yml and its rule files, on a loopback port. */
export async function startSamplePrometheus(options: SamplePrometheusOptions): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const port = options.port ?? await freePort();
  const running = await startPrometheus({ port, configYaml: samplePrometheusYaml({ ...options, self: `127.0.0.1:${port}` }) });
  return { ...running, port };
}

const HEALTH_PATH = { backend: '/api/health', frontend: '/healthz' } as const;

/** Runs a users-app part as `node src/main.ts`, the way its image does, on a loopback port. */
export async function startSampleApp(app: 'backend' | 'frontend', options: { port?: number; env?: Record<string, string> } = {}) {
  const port = options.port ?? await freePort();
  const proc = startProcess(process.execPath, [sample('users-app', app, 'src/main.ts')], {
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${HEALTH_PATH[app]}`, proc, 15_000);
  return { proc, url, port, address: `127.0.0.1:${port}` };
}
