// Runs a real SMTP server for the e-mail channel's tests: Mailpit (built by scripts/install-mailpit.sh),
// on free loopback ports with its database in a temporary directory that stop() removes. What it
// received is read back through its HTTP API (GET /api/v1/messages, /api/v1/message/{ID}).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, startOnFreshPorts, waitForPort } from './ports.ts';
import { cachedTool, findExecutable } from './resources.ts';

const BUILD_HINT = 'build it with scripts/install-mailpit.sh (Go from the module proxy, cached)';

export interface MailpitAddress {
  Name: string;
  Address: string;
}

/** One entry of GET /api/v1/messages. */
export interface MailpitSummary {
  ID: string;
  MessageID: string;
  From: MailpitAddress;
  To: MailpitAddress[];
  Subject: string;
  Created: string;
}

/** GET /api/v1/message/{ID}: the parsed message. */
export interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}

export interface Mailpit {
  /** `smtp://127.0.0.1:PORT`: no authentication, no TLS. */
  smtpUrl: string;
  /** `http://127.0.0.1:PORT` */
  apiUrl: string;
  /** Newest first, as Mailpit lists them. */
  messages(): Promise<MailpitSummary[]>;
  message(id: string): Promise<MailpitMessage>;
  /** The list once it holds at least `count` messages; throws after `timeoutMs` saying how many came. */
  waitForMessages(count: number, timeoutMs?: number): Promise<MailpitSummary[]>;
  /** Deletes every message (DELETE /api/v1/messages). */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** MAILPIT_BIN, else the build cache, else `mailpit` on PATH; throws saying how to build it. */
export function mailpitBinary(): string {
  return findExecutable(['mailpit'], 'MAILPIT_BIN', BUILD_HINT, cachedTool('mailpit-bin'));
}

/** The probe for requireComponent: a binary that exists and says it is Mailpit. */
export function probeMailpit(): Promise<string> {
  const binary = mailpitBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, ['version', '--no-release-check'], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        reject(new Error(`${binary} version failed (${err.message.split('\n')[0] ?? ''}): ${BUILD_HINT}`));
        return;
      }
      if (!/v1\.\d+\.\d+/.test(stdout)) {
        reject(new Error(`${binary} is not a Mailpit v1 release (it said: ${stdout.trim().split('\n')[0] ?? ''}): ${BUILD_HINT}`));
        return;
      }
      resolve(binary);
    });
  });
}

function gone(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return await res.json() as T;
}

async function startOnce(binary: string, dir: string, args: string[]): Promise<Mailpit> {
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(binary, [
    `--smtp=127.0.0.1:${smtpPort}`,
    `--listen=127.0.0.1:${httpPort}`,
    `--database=${path.join(dir, 'mailpit.db')}`,
    '--disable-version-check',
    // No reverse DNS of the (loopback) sender: nothing here has a resolver worth waiting for.
    '--smtp-disable-rdns',
    '--quiet',
    ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  // Mailpit logs (errors only, --quiet) to either stream; the last of both explains an early exit.
  let stderr = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
  }
  const early = gone(child).then(() => {
    const why = spawnError ? spawnError.message : `code ${child.exitCode}, signal ${child.signalCode}`;
    throw new Error(`Mailpit exited at start (${why}): ${stderr.trim()}`);
  });
  early.catch(() => undefined);
  try {
    await Promise.race([Promise.all([waitForPort(smtpPort, 20_000), waitForPort(httpPort, 20_000)]), early]);
  } catch (err) {
    child.kill('SIGKILL');
    await gone(child);
    process.removeListener('exit', killOnExit);
    throw err;
  }

  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const messages = async (): Promise<MailpitSummary[]> => (await getJson<{ messages: MailpitSummary[] }>(`${apiUrl}/api/v1/messages?limit=500`)).messages;
  let stopping: Promise<void> | null = null;
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    apiUrl,
    messages,
    message: (id) => getJson<MailpitMessage>(`${apiUrl}/api/v1/message/${encodeURIComponent(id)}`),
    async waitForMessages(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await messages();
        if (list.length >= count) return list;
        if (Date.now() > deadline) throw new Error(`Mailpit holds ${list.length} message(s) after ${timeoutMs} ms, expected ${count}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async clear() {
      const res = await fetch(`${apiUrl}/api/v1/messages`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`DELETE /api/v1/messages answered ${res.status}`);
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await gone(child);
          clearTimeout(killTimer);
        }
        process.removeListener('exit', killOnExit);
      })();
      return stopping;
    },
  };
}

export interface MailpitOptions {
  /** Only these recipients accepted (Mailpit's --smtp-allowed-recipients, a regular expression); others get 550. */
  allowedRecipients?: string;
}

export function startMailpit(options: MailpitOptions = {}, binary = mailpitBinary()): Promise<Mailpit> {
  const args = options.allowedRecipients === undefined ? [] : [`--smtp-allowed-recipients=${options.allowedRecipients}`];
  return startOnFreshPorts('vigil-mailpit-', (dir) => startOnce(binary, dir, args));
}
