// A private PostgreSQL cluster for the benchmarks (Debian's postgresql package), on a free loopback
// port with its data in a temporary directory: FerretDB's PostgreSQL backend runs on it. PostgreSQL
// refuses to run as root, so as root the cluster belongs to the `postgres` system user.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from '../../server/test/harness/ports.ts';

export interface Postgres {
  /** `postgres://postgres@127.0.0.1:PORT/ferretdb` */
  url: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(root, v, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  if (found === undefined) throw new Error('no PostgreSQL server here: apt-get install postgresql');
  return found;
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = (file: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]);
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  execFileSync(...as(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']), { stdio: 'ignore' });
  const port = await freePort();
  const child = spawn(...as(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=on']), { stdio: 'ignore' });
  await waitForPort(port, 30_000);
  execFileSync(...as(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'ferretdb']), { stdio: 'ignore' });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/ferretdb`,
    stop: async () => {
      // pg_ctl, not a signal to the child: as root the child is runuser, which does not pass signals on.
      try {
        execFileSync(...as(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']), { stdio: 'ignore', timeout: 30_000 });
      } catch {
        child.kill('SIGKILL');
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
