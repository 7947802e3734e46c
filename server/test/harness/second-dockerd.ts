// A second, private Docker daemon on this machine: its own socket, data root, exec root (so its own
// containerd), pid file and bridge, so nothing else on the machine watches it or is disturbed
// when a test stops and starts it. Loaded with the base image from the main daemon (no registry).
//
// Not `--bridge none`: a daemon started so deletes the interface docker0 (it "cleans up" the
// default bridge), which cuts every container the main daemon starts afterwards off its network.
import { execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BASE_IMAGE, ensureBaseImage } from './base-image.ts';
import { docker, dockerCli } from './docker.ts';
import { findExecutable, makeTempDir, removeTempDir, startProcess, type TrackedProcess } from './resources.ts';

const START_TIMEOUT_MS = 30_000;

export interface SecondDockerd {
  /** unix:///…/docker.sock, for DOCKER_HOSTS and `docker -H`. */
  endpoint: string;
  /** The docker CLI against this daemon. */
  cli(args: string[], timeoutMs?: number): Promise<string>;
  /** SIGTERM, and wait until it has exited (its containers are stopped by it, as on any shutdown). */
  stopDaemon(): Promise<void>;
  /** Starts it again on the same roots; resolves once it answers. */
  startDaemon(): Promise<void>;
  /** Removes its containers, stops it and deletes everything it had. */
  stop(): Promise<void>;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(findExecutable(['ip'], 'IP_BIN', 'apt-get install iproute2'), args, { timeout: 10_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** Lazily unmounts whatever is mounted below `dir` (deepest first). */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${dir}/`))
    .sort().reverse();
  for (const target of mounts) {
    await new Promise<void>((resolve) => {
      execFile(findExecutable(['umount'], 'UMOUNT_BIN', 'apt-get install mount'), ['-l', target], { timeout: 10_000 }, () => resolve());
    });
  }
}

/** A bridge of its own (name ≤ 15 bytes) on a /24 of 10.213.0.0/16 nobody else here uses. */
async function createBridge(): Promise<string> {
  const name = `vglbr${randomInt(1_000_000)}`;
  await ip(['link', 'add', name, 'type', 'bridge']);
  try {
    await ip(['addr', 'add', `10.213.${randomInt(1, 255)}.1/24`, 'dev', name]);
    await ip(['link', 'set', name, 'up']);
  } catch (err) {
    await ip(['link', 'del', name]).catch(() => undefined);
    throw err;
  }
  return name;
}

function pipeImage(tag: string, endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn(dockerCli(), ['save', tag], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn(dockerCli(), ['-H', endpoint, 'load', '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
    save.stdout.pipe(load.stdin);
    let stderr = '';
    for (const child of [save, load]) child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) reject(new Error(`docker save | docker -H ${endpoint} load failed: ${stderr.trim()}`));
      else if (--pending === 0) resolve();
    };
    save.once('exit', done);
    load.once('exit', done);
    save.once('error', reject);
    load.once('error', reject);
  });
}

export async function startSecondDockerd(images: string[] = [BASE_IMAGE]): Promise<SecondDockerd> {
  if (process.getuid?.() !== 0) throw new Error('only root may start a second dockerd here');
  const dockerd = findExecutable(['dockerd'], 'DOCKERD_BIN', 'apt-get install docker.io');
  if (images.includes(BASE_IMAGE)) await ensureBaseImage();
  // Short: unix socket paths must stay under 108 bytes, containerd's included.
  const root = makeTempDir('dockerd');
  const socket = path.join(root, 'docker.sock');
  const endpoint = `unix://${socket}`;
  const configFile = path.join(root, 'daemon.json');
  // An empty configuration of its own: the machine's /etc/docker/daemon.json is the main daemon's.
  writeFileSync(configFile, '{}\n');
  const bridge = await createBridge();
  const args = [
    '--host', endpoint,
    '--config-file', configFile,
    '--data-root', path.join(root, 'data'),
    '--exec-root', path.join(root, 'exec'),
    '--pidfile', path.join(root, 'docker.pid'),
    '--bridge', bridge, '--iptables=false', '--ip-masq=false', '--ip-forward=false',
  ];
  let proc: TrackedProcess | undefined;
  const cli = (a: string[], timeoutMs = 60_000) => docker(['-H', endpoint, ...a], { timeoutMs });

  async function startDaemon(): Promise<void> {
    proc = startProcess(dockerd, args);
    const started = proc;
    let exited: string | undefined;
    void started.exited.then((how) => { exited = how; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    let problem = 'no answer yet';
    while (Date.now() < deadline) {
      if (exited !== undefined) throw new Error(`second dockerd: ${exited}:\n${started.output()}`);
      try {
        await cli(['version', '--format', '{{.Server.APIVersion}}'], 3_000);
        return;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`second dockerd did not answer within ${START_TIMEOUT_MS / 1000} s (${problem}):\n${started.output()}`);
  }

  async function stopDaemon(): Promise<void> {
    await proc?.stop(30_000);
    // A container on the host network leaves the host's netns bound under exec/netns after the
    // daemon exits; it must be let go before the next start, or the roots removed.
    await unmountUnder(root);
  }

  try {
    await startDaemon();
    for (const image of images) await pipeImage(image, endpoint);
  } catch (err) {
    await stopDaemon();
    await removeTempDir(root);
    await ip(['link', 'del', bridge]).catch(() => undefined);
    throw err;
  }

  return {
    endpoint,
    cli,
    stopDaemon,
    startDaemon,
    async stop() {
      const ids = (await cli(['ps', '-aq']).catch(() => '')).split('\n').filter((id) => id !== '');
      if (ids.length > 0) await cli(['rm', '-f', '-v', ...ids]).catch(() => undefined);
      await stopDaemon();
      await removeTempDir(root);
      await ip(['link', 'del', bridge]).catch(() => undefined);
    },
  };
}
