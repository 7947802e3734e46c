// Build contexts for the sample apps' Dockerfiles that need neither npm nor a registry: the app's
// folder plus its production node_modules, copied from the repository's existing npm install.
import { cp, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, removeTempDir } from './resources.ts';

/**
 * A copy of a workspace app's folder with its production node_modules added, taken from the
 * repository's existing npm install (hoisted at the root), so its Dockerfile builds with no npm and
 * no registry. Remove it with removeTempDir when done.
 */
export async function stageBuildContext(appDir: string): Promise<string> {
  const app = path.resolve(appDir);
  const staged = makeTempDir('build-context');
  try {
    await cp(app, staged, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' });
    const packages = await productionClosure(app);
    for (const [relative, source] of packages) {
      // Nested node_modules are copied as packages of their own, and only those in the closure.
      const nested = path.join(source, 'node_modules');
      await cp(source, path.join(staged, 'node_modules', relative), { recursive: true, filter: (src) => src !== nested });
    }
    return staged;
  } catch (err) {
    await removeTempDir(staged);
    throw err;
  }
}

interface PackageManifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

async function readManifest(dir: string): Promise<PackageManifest> {
  const parsed: unknown = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${dir}/package.json is not an object`);
  return parsed as PackageManifest;
}

/** Node's lookup: `from/node_modules/name`, then each parent folder's; returns the package folder found. */
async function resolvePackage(name: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await stat(path.join(candidate, 'package.json')).then(() => true, () => false)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Every package the app needs at run time, keyed by its path below node_modules (as installed, so
 * nested copies keep their place and Node resolves the same versions inside the image).
 */
async function productionClosure(app: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const queue: Array<{ dir: string; manifest: PackageManifest }> = [{ dir: app, manifest: await readManifest(app) }];
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { dir, manifest } = item;
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
      ...Object.keys(manifest.peerDependencies ?? {}).map((name) => ({ name, optional: manifest.peerDependenciesMeta?.[name]?.optional === true })),
    ];
    for (const { name, optional } of wanted) {
      const pkg = await resolvePackage(name, dir);
      if (!pkg) {
        if (optional) continue;
        throw new Error(`${name} (needed by ${dir}) is not installed: run npm ci at the repository root first`);
      }
      const relative = pkg.slice(pkg.indexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules/'.length);
      const already = found.get(relative);
      if (already === pkg) continue;
      if (already !== undefined) throw new Error(`two installed copies of ${name} would land at node_modules/${relative}: ${already} and ${pkg}`);
      found.set(relative, pkg);
      queue.push({ dir: pkg, manifest: await readManifest(pkg) });
    }
  }
  return found;
}
