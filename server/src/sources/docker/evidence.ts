// At a container's death, or when it turns unhealthy: what inspect tells (OOM, exit code, signal,
// restart policy, restart count, the last health probes and their output), the image and its registry
// digest, whether the stop was asked for, and its last log lines of both streams — kept as a signal of
// kind `container.evidence` next to the trigger, so the cause is on record after the container is gone
// or healed. The building is pure (evidence-build.ts); this file asks Docker, each call time-bounded.
import type Docker from 'dockerode';
import type { Signal } from '../../domain/index.ts';
import { describeError } from './api.ts';
import { buildEvidence, demuxLogs, LOG_LINES, type ImageFacts, type LogLine } from './evidence-build.ts';

export { buildEvidence, demuxLogs, evidenceSummary, probesOf, signalName, unhealthySummary } from './evidence-build.ts';
export type { DeathFacts, HealthProbe, LogLine } from './evidence-build.ts';

const TIMEOUT_MS = 5_000;
/** The image's digest is a detail: it must not hold the rest up. */
const IMAGE_TIMEOUT_MS = 2_000;

/** dockerode's image inspect takes no abort signal: the answer is raced against a timer (cleared either way). */
async function imageFacts(docker: Docker, imageId: string): Promise<ImageFacts> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const image = await Promise.race([
      // By its bare hex id: what a socket proxy's narrow rule for image inspect allows (docs/security.md).
      docker.getImage(imageId.replace(/^sha256:/, '')).inspect(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${IMAGE_TIMEOUT_MS} ms`)), IMAGE_TIMEOUT_MS); }),
    ]);
    return { digests: Array.isArray(image.RepoDigests) ? image.RepoDigests.filter((d): d is string => typeof d === 'string') : [] };
  } catch (err) {
    return { error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

async function logTail(handle: Docker.Container, tty: boolean): Promise<LogLine[] | { error: string }> {
  try {
    const buffer = await handle.logs({ stdout: true, stderr: true, tail: LOG_LINES, timestamps: true, follow: false, abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
    return demuxLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)), tty);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Inspects the container (first: the health log and state are what they were), then its logs and image together. */
export async function collectEvidence(docker: Docker, trigger: Signal, context: { killSignal?: string; now: () => Date }): Promise<Signal> {
  const handle = docker.getContainer(trigger.container ?? '');
  const info = await handle.inspect({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
  const [logs, image] = await Promise.all([logTail(handle, info.Config?.Tty === true), imageFacts(docker, info.Image)]);
  return buildEvidence({ trigger, info, image, logs, ...(context.killSignal === undefined ? {} : { killSignal: context.killSignal }), nowMs: context.now().getTime() });
}
