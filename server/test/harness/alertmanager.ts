// Runs a real Alertmanager (the machine's `prometheus-alertmanager`) on a free loopback port for a test.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { findExecutable, makeTempDir, startUntilReady } from './resources.ts';

export type AlertmanagerOptions =
  | { configFile: string; configYaml?: never }
  /** Written into the instance's temp folder: relative paths in it (credentials_file…) resolve there. */
  | { configYaml: string; configFile?: never };

export interface RunningAlertmanager {
  /** Base URL without a trailing slash; also the externalURL Alertmanager puts in webhook payloads. */
  url: string;
  stop(): Promise<void>;
}

export function alertmanagerBinary(): string {
  return findExecutable(['prometheus-alertmanager', 'alertmanager'], 'ALERTMANAGER_BIN', 'apt-get install prometheus-alertmanager');
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const binary = alertmanagerBinary();
  const dir = makeTempDir('alertmanager');
  let configFile: string;
  if (options.configFile !== undefined) {
    configFile = path.resolve(options.configFile);
  } else {
    configFile = path.join(dir, 'alertmanager.yml');
    await writeFile(configFile, options.configYaml);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stop = await startUntilReady(binary, [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${url}/`,
    // Empty: no gossip cluster, so no extra port and no waiting for peers to settle.
    '--cluster.listen-address=',
    '--log.level=warn',
  ], dir, `${url}/-/ready`);
  return { url, stop };
}
