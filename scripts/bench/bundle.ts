// The JavaScript a browser loads before the first page shows: build the client into a scratch
// directory (client/dist may be in use), then gzip what its index.html loads (module script + preloads).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { INITIAL_JS_BUDGET_GZIP_BYTES } from '../../client/build/initial-size.ts';
import { row, type Row } from './stats.ts';
import { repoRoot } from './vigil.ts';

function viteBuild(outDir: string): Promise<void> {
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: path.join(repoRoot, 'client'),
      env: { ...process.env, NODE_ENV: 'production' },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, _stdout, stderr) => (err ? reject(new Error(`vite build failed: ${stderr.trim() || err.message}`)) : resolve()));
  });
}

export async function bundleBench(): Promise<Row[]> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-client-'));
  try {
    await viteBuild(outDir);
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const tags = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
    const files = tags.flatMap((tag) => {
      const isModule = tag.startsWith('<script') && /type="module"/.test(tag);
      const isPreload = tag.startsWith('<link') && /rel="modulepreload"/.test(tag);
      const ref = /(?:src|href)="([^"]+\.js)"/.exec(tag)?.[1];
      return (isModule || isPreload) && ref ? [ref.replace(/^\//, '')] : [];
    });
    if (files.length === 0) throw new Error('the built index.html loads no JavaScript');
    let raw = 0;
    let gzip = 0;
    for (const f of new Set(files)) {
      const code = fs.readFileSync(path.join(outDir, f));
      raw += code.length;
      gzip += gzipSync(code, { level: 9 }).length;
    }
    const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
    return [row('bundle', 'client initial JS (gzip)', kb(gzip), 'kB', { kind: 'max', value: INITIAL_JS_BUDGET_GZIP_BYTES / 1024 },
      `${new Set(files).size} files loaded by index.html (module script + modulepreload), ${kb(raw)} kB before gzip (level 9); goal = the client build's own budget`)];
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
