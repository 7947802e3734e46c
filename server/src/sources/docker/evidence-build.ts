// The evidence signal from what Docker answered (inspect, image inspect, the log tail): pure, so it
// is tested from recorded answers. Every part is bounded: log lines, line length, the log text in
// all, the health probes kept and each probe's output.
import type Docker from 'dockerode';
import { stableId } from '../../domain/ids.ts';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import { restartPolicyFires, serviceOf, type RestartPolicy } from './containers.ts';
import { rfc3339ToNanos } from './stream.ts';

export const LOG_LINES = 100;
const MAX_LINE = 1_000;
/** All log text kept, oldest lines dropped first. */
const MAX_LOG_CHARS = 48_000;
export const MAX_PROBES = 5;
const MAX_PROBE_OUTPUT = 500;
/** A probe that started this long after the trigger ran in a later run (the restarted container). */
const PROBE_SLACK_MS = 1_000;

export interface LogLine {
  stream: 'stdout' | 'stderr';
  at?: string;
  text: string;
}

export interface HealthProbe {
  start: string;
  end?: string;
  exitCode: number;
  output: string;
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
  /** The last health probes of the run that ended (oldest first), when it has a health check. */
  probes?: HealthProbe[];
  failingStreak?: number;
  restartCount?: number;
}

const SIGNAL_NAMES: Record<string, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGUSR1', 12: 'SIGUSR2', 15: 'SIGTERM' };

export function signalName(signal: string | number): string {
  const text = String(signal);
  return SIGNAL_NAMES[text] ?? (/^SIG/.test(text) ? text : `signal ${text}`);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** "its health check had failed 5 times in a row; the last probe (exit code 1) said "…"" — or nothing without probes. */
function healthClause(f: Pick<DeathFacts, 'probes' | 'failingStreak'>): string | undefined {
  const final = f.probes?.at(-1);
  if (final === undefined) return undefined;
  // A probe cut short by the stop (exit 137, no output) says nothing: quote the last one that did.
  const last = f.probes?.findLast((p) => p.output !== '') ?? final;
  const failed = f.probes?.filter((p) => p.exitCode !== 0).length ?? 0;
  const streak = f.failingStreak !== undefined && f.failingStreak > 0 ? `its health check had failed ${f.failingStreak} time${f.failingStreak === 1 ? '' : 's'} in a row`
    : failed > 0 ? `${failed} of its last ${f.probes?.length} health probes failed` : 'its health probes passed';
  const said = last.output === '' ? 'printed nothing' : `said "${oneLine(last.output, 120)}"`;
  return `${streak}; the last probe${last === final ? '' : ' to answer'} (exit code ${last.exitCode}) ${said}`;
}

function logsClause(f: Pick<DeathFacts, 'logsError' | 'logLines'>): string {
  return f.logsError !== undefined ? `logs unavailable (${f.logsError})` : f.logLines === 0 ? 'it wrote no log output' : `its last ${f.logLines} log lines are attached`;
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
  if (f.restartCount !== undefined && f.restartCount > 0) restart += ` (Docker has restarted it ${f.restartCount} time${f.restartCount === 1 ? '' : 's'} so far)`;
  const health = healthClause(f);
  return `${f.service} death evidence: ${cause}; ${restart}; ${health === undefined ? '' : `${health}; `}${logsClause(f)}`;
}

/** The sentence for a container that turned unhealthy (still running): its failing probes first. */
export function unhealthySummary(f: Pick<DeathFacts, 'service' | 'probes' | 'failingStreak' | 'logLines' | 'logsError'>): string {
  const health = healthClause(f) ?? 'Docker kept no health probe results';
  return `${f.service} health evidence: ${health}; ${logsClause(f)}`;
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
  return boundLines(lines);
}

/** The newest lines that fit: at most LOG_LINES, at most MAX_LOG_CHARS of text. */
function boundLines(lines: LogLine[]): LogLine[] {
  const kept: LogLine[] = [];
  let chars = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < LOG_LINES; i -= 1) {
    const line = lines[i] as LogLine;
    chars += line.text.length;
    if (chars > MAX_LOG_CHARS) break;
    kept.push(line);
  }
  return kept.reverse();
}

/** The last probes Docker kept that ran before `beforeMs` (+ slack): those of the run the trigger is about. */
export function probesOf(health: Docker.ContainerInspectInfo['State']['Health'] | undefined, beforeMs: number): HealthProbe[] {
  const log = Array.isArray(health?.Log) ? health.Log : [];
  return log
    .filter((p) => !(Date.parse(p.Start) > beforeMs + PROBE_SLACK_MS))
    .slice(-MAX_PROBES)
    .map((p) => {
      const output = String(p.Output ?? '').replace(/\s+$/, '');
      return {
        start: p.Start, ...(p.End ? { end: p.End } : {}), exitCode: Number(p.ExitCode),
        output: output.length > MAX_PROBE_OUTPUT ? `${output.slice(0, MAX_PROBE_OUTPUT - 1)}…` : output,
      };
    });
}

/** What image inspect told of the container's image: its registry digests, or why there are none. */
export type ImageFacts = { digests: string[] } | { error: string };

export interface EvidenceInput {
  /** The die, or the `health_status: unhealthy` the evidence is about. */
  trigger: Signal;
  info: Docker.ContainerInspectInfo;
  image: ImageFacts;
  logs: LogLine[] | { error: string };
  killSignal?: string;
  nowMs: number;
}

function imageAttributes(info: Docker.ContainerInspectInfo, image: ImageFacts): Record<string, unknown> {
  const attrs: Record<string, unknown> = { image: info.Config?.Image ?? '', imageId: info.Image };
  if ('error' in image) attrs['imageDigestNote'] = `unknown: the image could not be inspected (${image.error})`;
  else if (image.digests.length === 0) attrs['imageDigestNote'] = 'none: the image was built or imported on this host, never pulled from a registry';
  else attrs['imageDigest'] = image.digests.slice(0, 3).join(', ');
  return attrs;
}

/** The evidence signal: stored next to its trigger, so the cause is on record after the container is gone or healed. */
export function buildEvidence(input: EvidenceInput): Signal {
  const { trigger, info } = input;
  const id = trigger.container ?? info.Id;
  const triggerMs = Date.parse(trigger.at);
  const death = trigger.kind === KIND.die;
  const logsError = 'error' in input.logs ? input.logs.error : undefined;
  // A death's log tail and probes stop at the death: lines of a run Docker already started again are not its.
  const lines = 'error' in input.logs ? [] : boundLines(input.logs.filter((l) => !death || l.at === undefined || Date.parse(l.at) <= triggerMs + PROBE_SLACK_MS).map((l) => ({ ...l, text: l.text.slice(0, MAX_LINE) })));
  const health = info.State.Health;
  const probes = probesOf(health, triggerMs);
  const started = rfc3339ToNanos(info.State.StartedAt);
  // Inspect answered after the container was started again: its health status is the new run's.
  const restartedSince = started !== undefined && Number(started / 1_000_000n) > triggerMs;
  const labels = info.Config?.Labels ?? {};
  const name = info.Name.replace(/^\//, '');
  const service = trigger.service ?? serviceOf(labels, name);
  const killed = input.killSignal !== undefined;
  const attributes: Record<string, unknown> = { containerId: id, name, triggerSignalId: trigger.id };
  let summary: string;
  const healthFacts: Record<string, unknown> = {};
  if (health !== undefined) {
    if (!restartedSince) healthFacts['healthStatus'] = health.Status;
    if (!restartedSince) healthFacts['failingStreak'] = health.FailingStreak;
    healthFacts['healthProbes'] = probes;
  }
  const streak = restartedSince || health === undefined ? undefined : health.FailingStreak;
  if (death) {
    const dieExit = Number(trigger.attributes['exitCode']);
    const exitCode = Number.isInteger(dieExit) ? dieExit : info.State.ExitCode;
    // Inspect describes this death only if its last run ended then (not a later one).
    const finished = rfc3339ToNanos(info.State.FinishedAt);
    const sameDeath = finished !== undefined && Math.abs(Number(finished / 1_000_000n) - triggerMs) < 2_000;
    const restartPolicy: RestartPolicy = {
      name: info.HostConfig?.RestartPolicy?.Name === 'no' ? '' : info.HostConfig?.RestartPolicy?.Name ?? '',
      maximumRetryCount: info.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
    };
    const facts: DeathFacts = {
      service, exitCode, oomKilled: sameDeath && info.State.OOMKilled,
      ...(killed ? { killSignal: input.killSignal } : {}),
      restartPolicy,
      // Restarting: Docker is about to start it. RestartCount has already moved on once it has restarted it.
      policyWillFire: (info.State.Restarting && !killed)
        || restartPolicyFires(restartPolicy, { killed, exitCode, restartCount: Math.max(0, info.RestartCount - (info.State.Running ? 1 : 0)) }),
      logLines: lines.length,
      ...(logsError === undefined ? {} : { logsError }),
      ...(health === undefined ? {} : { probes }),
      ...(streak === undefined ? {} : { failingStreak: streak }),
      restartCount: info.RestartCount,
    };
    summary = evidenceSummary(facts);
    Object.assign(attributes, {
      dieSignalId: trigger.id, exitCode, oomKilled: facts.oomKilled,
      restartPolicy: restartPolicy.name === '' ? 'no' : restartPolicy.name,
      restartPolicyWillFire: facts.policyWillFire,
      stopRequested: killed ? 'through the Docker API' : 'no: the process ended by itself',
    });
    if (killed) attributes['killSignal'] = input.killSignal;
    if (sameDeath && info.State.Error) attributes['error'] = String(info.State.Error).slice(0, MAX_LINE);
  } else {
    summary = unhealthySummary({ service, probes, ...(streak === undefined ? {} : { failingStreak: streak }), logLines: lines.length, ...(logsError === undefined ? {} : { logsError }) });
  }
  // In the order a reader wants them: health first, then restarts, then which image.
  Object.assign(attributes, { summary, ...healthFacts, restartCount: info.RestartCount, ...imageAttributes(info, input.image), logs: lines });
  if (logsError !== undefined) attributes['logsError'] = logsError.slice(0, MAX_LINE);
  const at = new Date(Math.max(input.nowMs, triggerMs + 1)).toISOString();
  return {
    id: stableId('dke', trigger.id),
    source: 'docker',
    host: trigger.host,
    at,
    kind: KIND.evidence,
    ...(trigger.service === undefined ? {} : { service: trigger.service }),
    container: id,
    attributes,
    // The state without the health log (its probes are above, bounded): Docker keeps up to 4 KB of output per probe.
    raw: {
      state: { ...info.State, Health: health === undefined ? undefined : { Status: health.Status, FailingStreak: health.FailingStreak } },
      restartCount: info.RestartCount, restartPolicy: info.HostConfig?.RestartPolicy ?? null, image: info.Config?.Image ?? null, imageId: info.Image,
    },
  };
}
