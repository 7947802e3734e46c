// At a container's death: what inspect tells (OOM, exit code, signal, restart policy), whether the
// stop was asked for or the process crashed, and its last 100 log lines — kept as a signal of kind
// `container.evidence` next to the die, so the cause is on record after the container is gone.
import type Docker from 'dockerode';
import { stableId } from '../../domain/ids.ts';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import { restartPolicyFires, serviceOf, type RestartPolicy } from './containers.ts';
import { rfc3339ToNanos } from './stream.ts';

const LOG_LINES = 100;
const MAX_LINE = 2_000;
const TIMEOUT_MS = 5_000;

export interface LogLine {
  stream: 'stdout' | 'stderr';
  at?: string;
  text: string;
}

export interface DeathFacts {
  service: string;
  exitCode?: number;
  oomKilled: boolean;
  /** The signal of the Docker API kill/stop that came just before the death, if any. */
  killSignal?: string;
  restartPolicy: RestartPolicy;
  policyWillFire: boolean;
  logLines: number;
  logsError?: string;
}

const SIGNAL_NAMES: Record<string, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };

export function signalName(signal: string | number): string {
  const text = String(signal);
  return SIGNAL_NAMES[text] ?? (/^SIG/.test(text) ? text : `signal ${text}`);
}

/** One plain sentence: what ended the container, and whether Docker will start it again. */
export function evidenceSummary(f: DeathFacts): string {
  const exit = f.exitCode;
  const code = exit === undefined ? '' : `, exit code ${exit}`;
  let cause: string;
  if (f.oomKilled) cause = `it ran out of memory and the kernel killed it (OOMKilled${code})`;
  else if (f.killSignal !== undefined) {
    cause = `it was stopped through the Docker API with ${signalName(f.killSignal)} (docker kill, docker stop or the daemon itself${code}) — requested, not a crash`;
  } else if (exit === 0) cause = 'its process exited by itself with code 0';
  else if (exit !== undefined && exit > 128) {
    cause = `its process was terminated by ${signalName(exit - 128)} from inside the container or the host, not through the Docker API (exit code ${exit})`;
  } else cause = exit === undefined ? 'it stopped; the exit code is unknown' : `its process crashed with exit code ${exit}`;
  const policy = f.restartPolicy.name;
  let restart: string;
  if (f.policyWillFire) restart = `Docker's restart policy (${policy}) will start it again`;
  else if (f.killSignal !== undefined) restart = policy === '' ? 'it has no restart policy, and none would fire for a kill' : `Docker's restart policy (${policy}) will not fire for a kill`;
  else restart = policy === '' ? 'it has no restart policy, so Docker will not start it again' : `Docker's restart policy (${policy}) will not start it again`;
  const logs = f.logsError !== undefined ? `logs unavailable (${f.logsError})` : f.logLines === 0 ? 'it wrote no log output' : `its last ${f.logLines} log lines are attached`;
  return `${f.service} death evidence: ${cause}; ${restart}; ${logs}`;
}

/** `docker logs` of a container without a TTY: 8-byte frame headers (stream, 0, 0, 0, size BE) before each chunk. */
export function demuxLogs(buffer: Buffer, tty: boolean): LogLine[] {
  const chunks: Array<{ stream: LogLine['stream']; text: string }> = [];
  if (tty) chunks.push({ stream: 'stdout', text: buffer.toString('utf8') });
  else {
    let offset = 0;
    while (offset + 8 <= buffer.length) {
      const type = buffer[offset];
      const size = buffer.readUInt32BE(offset + 4);
      const end = Math.min(buffer.length, offset + 8 + size);
      chunks.push({ stream: type === 2 ? 'stderr' : 'stdout', text: buffer.subarray(offset + 8, end).toString('utf8') });
      offset = end;
    }
  }
  const lines: LogLine[] = [];
  for (const chunk of chunks) {
    for (const raw of chunk.text.split('\n')) {
      if (raw === '') continue;
      const m = /^(\d{4}-\d\d-\d\dT\S+Z) (.*)$/s.exec(raw);
      const nanos = m?.[1] === undefined ? undefined : rfc3339ToNanos(m[1]);
      const text = (m?.[2] ?? raw).replace(/\r$/, '').slice(0, MAX_LINE);
      lines.push({ stream: chunk.stream, ...(nanos === undefined ? {} : { at: new Date(Number(nanos / 1_000_000n)).toISOString() }), text });
    }
  }
  return lines.slice(-LOG_LINES);
}

/** Inspects the container and reads its logs; the die's own exit code wins over inspect's. */
export async function collectEvidence(docker: Docker, die: Signal, context: { killSignal?: string; now: () => Date }): Promise<Signal> {
  const id = die.container ?? '';
  const handle = docker.getContainer(id);
  const info = await handle.inspect({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
  let logLines: LogLine[] = [];
  let logsError: string | undefined;
  try {
    const buffer = await handle.logs({ stdout: true, stderr: true, tail: LOG_LINES, timestamps: true, follow: false, abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
    logLines = demuxLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)), info.Config?.Tty === true);
  } catch (err) {
    logsError = err instanceof Error ? err.message : String(err);
  }
  const dieExit = Number(die.attributes['exitCode']);
  const exitCode = Number.isInteger(dieExit) ? dieExit : info.State.ExitCode;
  // Inspect describes this death only if its last run ended then (not a later one).
  const finished = rfc3339ToNanos(info.State.FinishedAt);
  const sameDeath = finished !== undefined && Math.abs(Number(finished / 1_000_000n) - Date.parse(die.at)) < 2_000;
  const labels = info.Config?.Labels ?? {};
  const restartPolicy: RestartPolicy = {
    name: info.HostConfig?.RestartPolicy?.Name === 'no' ? '' : info.HostConfig?.RestartPolicy?.Name ?? '',
    maximumRetryCount: info.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
  };
  const killed = context.killSignal !== undefined;
  const facts: DeathFacts = {
    service: die.service ?? serviceOf(labels, info.Name.replace(/^\//, '')),
    exitCode,
    oomKilled: sameDeath && info.State.OOMKilled,
    ...(killed ? { killSignal: context.killSignal } : {}),
    restartPolicy,
    // Restarting: Docker is about to start it. RestartCount has already moved on once it has restarted it.
    policyWillFire: (info.State.Restarting && !killed)
      || restartPolicyFires(restartPolicy, { killed, exitCode, restartCount: Math.max(0, info.RestartCount - (info.State.Running ? 1 : 0)) }),
    logLines: logLines.length,
    ...(logsError === undefined ? {} : { logsError }),
  };
  const at = new Date(Math.max(context.now().getTime(), Date.parse(die.at) + 1)).toISOString();
  const attributes: Record<string, unknown> = {
    containerId: id,
    name: info.Name.replace(/^\//, ''),
    dieSignalId: die.id,
    summary: evidenceSummary(facts),
    exitCode,
    oomKilled: facts.oomKilled,
    restartPolicy: restartPolicy.name === '' ? 'no' : restartPolicy.name,
    restartPolicyWillFire: facts.policyWillFire,
    stopRequested: killed ? 'through the Docker API' : 'no: the process ended by itself',
    logs: logLines,
  };
  if (killed) attributes['killSignal'] = context.killSignal;
  if (sameDeath && info.State.Error) attributes['error'] = info.State.Error;
  if (logsError !== undefined) attributes['logsError'] = logsError;
  return {
    id: stableId('dke', die.id),
    source: 'docker',
    host: die.host,
    at,
    kind: KIND.evidence,
    ...(die.service === undefined ? {} : { service: die.service }),
    container: id,
    attributes,
    raw: { state: info.State, restartCount: info.RestartCount, restartPolicy: info.HostConfig?.RestartPolicy ?? null },
  };
}
