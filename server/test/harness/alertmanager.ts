// Runs a real Alertmanager (the machine's `prometheus-alertmanager`) on a free loopback port for a test.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { findExecutable, makeTempDir, removeTempDir, startProcess, waitForHttp, type TrackedProcess } from './resources.ts';

/** An HA member: gossip on 127.0.0.1:`listenPort`, joined to the peers' gossip ports. */
export interface AlertmanagerCluster {
  listenPort: number;
  peerPorts: number[];
  /** Alertmanager's wait per position in the cluster before it notifies (default 15s); short → members notify at once. */
  peerTimeout?: string;
}

export type AlertmanagerOptions = (
  | { configFile: string; configYaml?: never }
  /** Written into the instance's temp folder: relative paths in it (credentials_file…) resolve there. */
  | { configYaml: string; configFile?: never }
) & { cluster?: AlertmanagerCluster };

export interface RunningAlertmanager {
  /** Base URL without a trailing slash; also the externalURL Alertmanager puts in webhook payloads. */
  url: string;
  stop(): Promise<void>;
  /** Stops the process only: its port and its stored silences stay for `resume`. */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same storage (silences made before are still there). */
  resume(): Promise<void>;
}

export function alertmanagerBinary(): string {
  return findExecutable(['prometheus-alertmanager', 'alertmanager'], 'ALERTMANAGER_BIN', 'apt-get install prometheus-alertmanager');
}

/** `port`: one picked beforehand (e.g. given to Vigil as ALERTMANAGER_URL first); a free one otherwise. */
export async function startAlertmanager(options: AlertmanagerOptions & { port?: number }): Promise<RunningAlertmanager> {
  const binary = alertmanagerBinary();
  const dir = makeTempDir('alertmanager');
  let configFile: string;
  if (options.configFile !== undefined) {
    configFile = path.resolve(options.configFile);
  } else {
    configFile = path.join(dir, 'alertmanager.yml');
    await writeFile(configFile, options.configYaml);
  }
  const port = options.port ?? await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${url}/`,
    ...(options.cluster === undefined
      // Empty: no gossip cluster, so no extra port and no waiting for peers to settle.
      ? ['--cluster.listen-address=']
      : [
          `--cluster.listen-address=127.0.0.1:${options.cluster.listenPort}`,
          `--cluster.advertise-address=127.0.0.1:${options.cluster.listenPort}`,
          ...options.cluster.peerPorts.map((p) => `--cluster.peer=127.0.0.1:${p}`),
          ...(options.cluster.peerTimeout === undefined ? [] : [`--cluster.peer-timeout=${options.cluster.peerTimeout}`]),
        ]),
    '--log.level=warn',
  ];
  let proc: TrackedProcess | undefined;
  const run = async () => {
    proc = startProcess(binary, args, { cwd: dir });
    await waitForHttp(`${url}/-/ready`, proc);
  };
  const pause = async () => {
    await proc?.stop();
    proc = undefined;
  };
  const stop = async () => {
    await pause();
    await removeTempDir(dir);
  };
  try {
    await run();
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop, pause, resume: run };
}
