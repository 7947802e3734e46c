// The last known configuration of each service on each Docker host, and the `container.change` when a
// newer container of the service differs from it. Fed every inspect the inventory makes (at connect,
// after each event), so a change made while Vigil was down is found at the next connect. The
// snapshots are kept in the store's small-record table (source cursors, as maintenance mode does):
// one record per (host, service), env values only as hashes.
import type Docker from 'dockerode';
import type { Signal } from '../../domain/signal.ts';
import type { Logger } from '../../logger.ts';
import type { CursorRepository } from '../../store/types.ts';
import { describeError } from './api.ts';
import { changeSignal, deploysService, isNewer, serviceOfInspect, snapshotOf, type ConfigSnapshot } from './changes.ts';

const RECORD_SOURCE = 'docker.service-config';
const IMAGE_TIMEOUT_MS = 5_000;
/** Services remembered in memory; the store keeps them all. */
const CACHE_MAX = 10_000;

function parseSnapshot(text: string | null): ConfigSnapshot | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const s = value as Partial<ConfigSnapshot>;
    if (typeof s.containerId !== 'string' || typeof s.created !== 'string' || typeof s.image !== 'string' || typeof s.imageId !== 'string') return null;
    return {
      env: {}, cmd: [], entrypoint: [], ports: [], volumes: [], labels: {}, name: '', ...s,
    } as ConfigSnapshot;
  } catch {
    return null;
  }
}

export class ChangeTracker {
  private readonly cache = new Map<string, ConfigSnapshot | null>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly deps: { cursors: CursorRepository; logger: Logger; ingest: (signals: Signal[]) => Promise<unknown> };
  private readonly log: Logger;

  /** `ingest`: where a change goes (the pipeline); its snapshot is remembered only once it is stored. */
  constructor(deps: { cursors: CursorRepository; logger: Logger; ingest: (signals: Signal[]) => Promise<unknown> }) {
    this.deps = deps;
    this.log = deps.logger.child({ module: 'docker-changes' });
  }

  /** One inspect of a container on `host`: compared (in turn per service) with its service's last known configuration. */
  observe(host: string, info: Docker.ContainerInspectInfo, docker: Docker): Promise<void> {
    if (info.Config === undefined || typeof info.Image !== 'string' || !deploysService(info)) return Promise.resolve();
    const service = serviceOfInspect(info);
    const key = JSON.stringify([host, service]);
    const run = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.compare(host, service, key, info, docker))
      .catch((err: unknown) => this.log.warn({ host, service, container: info.Id, err: describeError(err) }, 'could not compare a container with its service\'s last configuration'));
    this.chains.set(key, run);
    void run.finally(() => { if (this.chains.get(key) === run) this.chains.delete(key); });
    return run;
  }

  private async known(key: string): Promise<ConfigSnapshot | null> {
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const stored = parseSnapshot(await this.deps.cursors.get(RECORD_SOURCE, key));
    this.remember(key, stored);
    return stored;
  }

  private remember(key: string, snapshot: ConfigSnapshot | null): void {
    this.cache.delete(key);
    this.cache.set(key, snapshot);
    if (this.cache.size > CACHE_MAX) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  private async compare(host: string, service: string, key: string, info: Docker.ContainerInspectInfo, docker: Docker): Promise<void> {
    const before = await this.known(key);
    const plain = snapshotOf(info);
    if (before !== null && !isNewer(before, plain)) return;
    // RepoDigests, when the image came from a registry: bounded, and the change goes out without them.
    let timer: NodeJS.Timeout | undefined;
    const digests = await Promise.race([
      docker.getImage(info.Image).inspect().then((image) => image.RepoDigests ?? [], () => undefined),
      new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), IMAGE_TIMEOUT_MS); }),
    ]).finally(() => clearTimeout(timer));
    const after = snapshotOf(info, digests);
    const signal = before === null ? null : changeSignal({ host, service, labels: info.Config.Labels ?? {} }, before, after);
    if (signal !== null) {
      await this.deps.ingest([signal]);
      this.log.info({ host, service, from: before?.image, to: after.image, changed: signal.attributes['changed'] }, 'a service changed');
    }
    await this.deps.cursors.set(RECORD_SOURCE, key, JSON.stringify(after));
    this.remember(key, after);
  }
}
