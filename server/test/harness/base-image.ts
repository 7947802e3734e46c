// Container images for tests on machines with no image registry: the node base image, imported from
// the host's own Node when it cannot be pulled, and the project's Dockerfiles built on it offline.
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, copyFile, cp, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { docker, dockerCli } from './docker.ts';
import { findExecutable, makeTempDir, removeTempDir, trackImage } from './resources.ts';

export const BASE_IMAGE = 'node:24-bookworm-slim';
// Bumped whenever importHostNode changes what it puts in the image, so a cached import is redone.
const RECIPE = 'host-node-r2';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const NODE_UID = 1000;
// The rest of glibc that node itself does not link but native addons do (rolldown's needs librt),
// as the official slim image has it: copied from beside the host's libc.so.6 when there.
const GLIBC_EXTRAS = ['librt.so.1', 'libresolv.so.2', 'libutil.so.1', 'libanl.so.1', 'libmvec.so.1', 'libnss_dns.so.2', 'libnss_files.so.2'];

export interface BaseImage {
  tag: string;
  /** `local`: already there; `pulled`: from a registry; `imported`: built here from the host's Node. */
  source: 'local' | 'pulled' | 'imported';
}

/**
 * Makes sure `tag` exists locally: as it is (a real one, or our import by the current recipe),
 * pulled, or else imported from the host's Node runtime.
 */
export async function ensureBaseImage(tag = BASE_IMAGE): Promise<BaseImage> {
  const recipe = await docker(['image', 'inspect', '--format', '{{index .Config.Labels "vigil.base-image"}}', tag]).catch(() => undefined);
  // A pulled image has no such label (""), an import by an older recipe has another value.
  if (recipe === '' || recipe === '<no value>' || recipe === RECIPE) return { tag, source: 'local' };
  try {
    await docker(['pull', tag], { timeoutMs: 120_000 });
    return { tag, source: 'pulled' };
  } catch {
    // No registry answers (the normal case on the test machines): build it from what the host has.
  }
  await importHostNode(tag);
  return { tag, source: 'imported' };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The absolute paths of the shared libraries and the loader a dynamic binary needs; none for a static one. */
async function sharedLibraries(binary: string): Promise<string[]> {
  // ldd exits non-zero for a static binary ("not a dynamic executable"): nothing to copy then.
  const out = await run('ldd', [binary]).catch(() => '');
  return out.split('\n').flatMap((line) => {
    const lib = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(0x/.exec(line)?.[1];
    return lib ? [lib] : [];
  });
}

/**
 * Copies a binary to `dest` inside `root`, and every library it needs to the same path it has on
 * the host; returns those libraries' host paths.
 */
async function copyWithLibraries(binary: string, root: string, dest: string): Promise<string[]> {
  const libraries = await sharedLibraries(binary);
  for (const [from, to] of [[binary, dest] as const, ...libraries.map((lib) => [lib, lib] as const)]) {
    const target = path.join(root, to);
    if (existsSync(target)) continue;
    await mkdir(path.dirname(target), { recursive: true });
    // copyFile follows symlinks (libc.so.6 → libc-2.36.so): the soname path gets the real content.
    await copyFile(from, target);
  }
  return libraries;
}

/** Debian's static busybox when installed (apt-get install busybox-static); optional. */
function findBusybox(): string | undefined {
  try {
    return findExecutable(['busybox'], 'BUSYBOX_BIN', 'apt-get install busybox-static');
  } catch {
    return undefined;
  }
}

/**
 * The folder of the host's npm when it is the self-contained package (…/node_modules/npm, as in
 * Node's own tarballs); Debian's npm leans on /usr/share/nodejs and would not work when copied.
 */
async function findHostNpm(): Promise<string | undefined> {
  try {
    const cli = await realpath(findExecutable(['npm'], 'NPM_BIN', 'npm'));
    const dir = path.dirname(path.dirname(cli));
    const selfContained = path.basename(cli) === 'npm-cli.js' && path.basename(dir) === 'npm' && path.basename(path.dirname(dir)) === 'node_modules';
    return selfContained ? dir : undefined;
  } catch {
    return undefined;
  }
}

async function importHostNode(tag: string): Promise<void> {
  const wantedMajor = /^node:(\d+)/.exec(tag)?.[1];
  const hostMajor = process.versions.node.split('.')[0];
  if (wantedMajor !== undefined && wantedMajor !== hostMajor) {
    throw new Error(`cannot make ${tag} from this host: the running Node is ${process.versions.node}`);
  }
  const root = makeTempDir('base-rootfs');
  try {
    // mkdtemp makes 0700: as the image's "/" that would lock the node user out of everything.
    await chmod(root, 0o755);
    const libc = (await copyWithLibraries(process.execPath, root, '/usr/local/bin/node')).find((lib) => path.basename(lib) === 'libc.so.6');
    for (const extra of libc ? GLIBC_EXTRAS.map((name) => path.join(path.dirname(libc), name)) : []) {
      if (existsSync(extra)) await copyWithLibraries(extra, root, extra);
    }
    const extras = await addShellAndNpm(root);
    const hasCaBundle = await writeSystemFiles(root);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chown(path.join(root, 'home/node'), NODE_UID, NODE_UID);

    const changes = [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `ENV NODE_VERSION=${process.versions.node}`,
      // Node trusts only its built-in CA list; the host's bundle may add a proxy's CA that npm needs.
      ...(hasCaBundle ? [`ENV NODE_EXTRA_CA_CERTS=${HOST_CA_BUNDLE}`] : []),
      `LABEL vigil.base-image=${RECIPE}`,
      `LABEL vigil.base-image.extras=${extras.join(',') || 'none'}`,
      'CMD ["node"]',
    ];
    // Not root: we cannot chown, so make every file root's (home/node stays unwritable for node).
    const owner = asRoot ? [] : ['--owner=0', '--group=0'];
    await pipeTarIntoImport(root, owner, changes, tag);
  } finally {
    await removeTempDir(root);
  }
}

/** /bin/sh and /usr/bin/env from busybox, then npm, when the host has them; returns what was added. */
async function addShellAndNpm(root: string): Promise<string[]> {
  const busybox = findBusybox();
  if (!busybox) return [];
  await copyWithLibraries(busybox, root, '/bin/busybox');
  await symlink('busybox', path.join(root, 'bin/sh'));
  // npm and other scripts start with #!/usr/bin/env node.
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await symlink('/bin/busybox', path.join(root, 'usr/bin/env'));
  // npm where the official image has it; without the shell above its bin scripts could not start.
  const npm = await findHostNpm();
  if (!npm) return ['busybox'];
  await cp(npm, path.join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(root, 'usr/local/bin/npx'));
  return ['busybox', 'npm'];
}

/** Users root and node (uid 1000), name lookup, the CA bundle, /tmp; returns whether the bundle was there. */
async function writeSystemFiles(root: string): Promise<boolean> {
  const etc = path.join(root, 'etc');
  await mkdir(path.join(etc, 'ssl/certs'), { recursive: true });
  await writeFile(path.join(etc, 'passwd'), [
    'root:x:0:0:root:/root:/bin/sh',
    `node:x:${NODE_UID}:${NODE_UID}::/home/node:/bin/sh`,
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    '',
  ].join('\n'));
  await writeFile(path.join(etc, 'group'), ['root:x:0:', `node:x:${NODE_UID}:`, 'nogroup:x:65534:', ''].join('\n'));
  await writeFile(path.join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  await mkdir(path.join(root, 'tmp'));
  await chmod(path.join(root, 'tmp'), 0o1777);
  await mkdir(path.join(root, 'root'), { mode: 0o700 });
  await mkdir(path.join(root, 'home/node'), { recursive: true });
  if (!existsSync(HOST_CA_BUNDLE)) return false;
  await copyFile(HOST_CA_BUNDLE, path.join(etc, 'ssl/certs/ca-certificates.crt'));
  return true;
}

function pipeTarIntoImport(root: string, tarOwner: string[], changes: string[], tag: string): Promise<void> {
  const tar = spawn('tar', ['--numeric-owner', ...tarOwner, '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const importer = spawn(dockerCli(), ['import', ...changes.flatMap((c) => ['--change', c]), '-', tag], { stdio: ['pipe', 'ignore', 'pipe'] });
  tar.stdout.pipe(importer.stdin);
  const finished = (child: typeof tar | typeof importer, name: string) => new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} exited with ${code}: ${stderr.trim()}`));
    });
  });
  return Promise.all([finished(tar, 'tar'), finished(importer, `docker import ${tag}`)]).then(() => undefined);
}

export interface BuildOptions {
  /** Labels for the image; `vigil.test=1` by default, so leftovers are easy to find. */
  labels?: Record<string, string>;
  /** Leave the image after the test process exits (otherwise it is removed then, if not before). */
  keep?: boolean;
}

/**
 * `docker build` with the classic builder: it uses local images as they are and never asks a
 * registry. Of a multi-stage build only the last stage is tagged (and removed with the tag).
 */
export async function buildImage(contextDir: string, dockerfile: string, tag: string, options: BuildOptions = {}): Promise<string> {
  const labels = options.labels ?? { 'vigil.test': '1' };
  if (!options.keep) trackImage(tag);
  await docker([
    'build',
    // A failed step's container would otherwise stay behind.
    '--force-rm',
    '-f', path.resolve(contextDir, dockerfile),
    '-t', tag,
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    contextDir,
  ], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000 });
  return tag;
}
