// Deaths the event replay could not give back. `/events?since=` replays only the daemon's last 256
// events, and nothing from before the daemon itself restarted: a container whose last run ended
// inside the gap, with no die replayed for it, gets its die rebuilt from inspect (FinishedAt, ExitCode).
import type { Signal } from '../../domain/index.ts';
import type { ContainerFacts } from './containers.ts';
import { dockerEventToSignal } from './normalize.ts';
import { rfc3339ToNanos } from './stream.ts';

const SAME_DEATH_NS = 2_000_000_000n;

/**
 * `replayedDies`: container id → times (ns) of the die events the replay of (since, until] gave.
 * Returns a die signal for each container that ended in that window without one.
 */
export function missedDeaths(host: string, containers: readonly ContainerFacts[], replayedDies: ReadonlyMap<string, readonly bigint[]>, since: bigint, until: bigint): Signal[] {
  const out: Signal[] = [];
  for (const facts of containers) {
    const finished = facts.finishedAt === undefined ? undefined : rfc3339ToNanos(facts.finishedAt);
    if (finished === undefined || finished <= since || finished > until) continue;
    const id = facts.container.id;
    const seen = replayedDies.get(id) ?? [];
    if (seen.some((t) => (t > finished ? t - finished : finished - t) < SAME_DEATH_NS)) continue;
    const event = {
      Type: 'container',
      Action: 'die',
      Actor: {
        ID: id,
        Attributes: {
          ...facts.labels,
          name: facts.container.name,
          image: facts.container.image,
          ...(facts.exitCode === undefined ? {} : { exitCode: String(facts.exitCode) }),
        },
      },
      time: Number(finished / 1_000_000_000n),
      timeNano: finished.toString(),
      vigilReconstructed: 'from docker inspect: the daemon no longer had this event to replay',
    };
    const signal = dockerEventToSignal(event, host);
    if (signal === null) continue;
    signal.attributes['reconstructed'] = true;
    if (facts.oomKilled) signal.attributes['oomKilled'] = true;
    out.push(signal);
  }
  return out;
}
