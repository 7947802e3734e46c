// The Docker source: a watcher per DOCKER_HOSTS endpoint, the container inventory across them, and
// the evidence gathered at each death. Actions (restart, supervisor) reach Docker through this.
import type Docker from 'dockerode';
import type { Config } from '../../config.ts';
import type { Container } from '../../contract/index.ts';
import { KIND } from '../../domain/index.ts';
import type { Signal } from '../../domain/index.ts';
import type { SignalSink } from '../../ingest/pipeline.ts';
import type { Logger } from '../../logger.ts';
import type { StatusBoard } from '../../status.ts';
import type { Store } from '../../store/types.ts';
import { describeError } from './api.ts';
import { dockerClient } from './connect.ts';
import type { ContainerFacts } from './containers.ts';
import { ChangeTracker } from './change-tracker.ts';
import { collectEvidence } from './evidence.ts';
import { Inventory } from './inventory.ts';
import { DockerWatcher } from './watcher.ts';
import { nodeSignalPerService } from '../swarm/events.ts';
import { SwarmPoller } from '../swarm/poller.ts';

/** A kill this long before a die is what caused it. */
const KILL_EXPLAINS_DIE_MS = 15_000;
/** Older deaths (a long replay) are past what inspect and the log tail can still tell about them. */
const EVIDENCE_MAX_AGE_MS = 60_000;
/** Evidence gatherings in flight, past which a new one is not waited for (each still runs). */
const PENDING_KEEP = 1_000;

/** Vigil's own actions in flight, as the actions layer tracks them (see actions/ledger.ts). */
export interface ActionTracker {
  /** Called for each Docker signal in stream order: who asked through Vigil for what caused it, if anyone. */
  observe(host: string, signal: Signal): string | undefined;
}

/** Where container changes go out (the realtime gateway). */
export interface ContainerBroadcaster {
  containerUpdate(container: Container): void;
}

export interface DockerHost {
  name: string;
  endpoint: string;
  docker: Docker;
  connected: boolean;
}

export class DockerSource {
  readonly inventory: Inventory;
  /** Each service's last configuration, and its changes (container.change). */
  readonly changes: ChangeTracker;
  private readonly watchers: DockerWatcher[];
  /** Per endpoint: its Swarm services and tasks, read while it is a Swarm manager. */
  readonly swarm: SwarmPoller[];
  private readonly log: Logger;
  private readonly kills = new Map<string, { signal: string; atMs: number }>();
  private readonly tracker: ActionTracker;
  private readonly now: () => Date;
  private readonly watchingListeners: Array<(host: string) => void> = [];
  /** Evidence being gathered, by the id of the signal it is about: what a heal waits for (see evidenceFor). */
  private readonly pendingEvidence = new Map<string, Promise<void>>();

  constructor(deps: {
    config: Pick<Config, 'dockerHosts' | 'dockerCertPath'>;
    store: Store;
    sink: SignalSink;
    status: StatusBoard;
    logger: Logger;
    ready: () => Promise<void>;
    broadcast: ContainerBroadcaster;
    /** Tells the deaths Vigil's own restarts cause from the others. */
    tracker: ActionTracker;
    /** Adds what others own (the supervisor's maintenance mode) to each container sent or listed. */
    decorate?: (container: Container) => Container;
    now?: () => Date;
  }) {
    this.log = deps.logger.child({ module: 'docker' });
    this.now = deps.now ?? (() => new Date());
    this.tracker = deps.tracker;
    this.changes = new ChangeTracker({ cursors: deps.store.cursors, logger: deps.logger, ingest: (signals) => deps.sink.ingest(signals) });
    this.inventory = new Inventory({
      logger: deps.logger, onChange: (c) => deps.broadcast.containerUpdate(c), ...(deps.decorate ? { decorate: deps.decorate } : {}),
      onInspect: (host, info, docker) => { void this.changes.observe(host, info, docker); },
    });
    this.watchers = deps.config.dockerHosts.map((endpoint) => new DockerWatcher({
      endpoint: endpoint.url,
      docker: dockerClient(endpoint, deps.config.dockerCertPath),
      store: deps.store,
      sink: deps.sink,
      status: deps.status,
      logger: deps.logger,
      ready: deps.ready,
      hooks: {
        received: (watcher, signal) => this.received(watcher, signal),
        connected: (watcher) => this.inventory.load(watcher.host, watcher.docker),
        watching: (watcher) => { for (const listener of this.watchingListeners) listener(watcher.host); },
      },
    }));
    this.swarm = this.watchers.map((w) => new SwarmPoller(w.host, w.docker, {
      sink: deps.sink, cursors: deps.store.cursors, logger: deps.logger, connected: () => w.connected,
    }));
  }

  start(): void {
    for (const w of this.watchers) w.start();
    for (const p of this.swarm) p.start();
  }

  /** Called after each (re)connect of a host, once its inventory is loaded and the missed events replayed. */
  onWatching(listener: (host: string) => void): void {
    this.watchingListeners.push(listener);
  }

  async close(): Promise<void> {
    this.inventory.close();
    await Promise.all([...this.swarm.map((p) => p.close()), ...this.watchers.map((w) => w.close())]);
  }

  hosts(): DockerHost[] {
    return this.watchers.map((w) => ({ name: w.host, endpoint: w.endpoint, docker: w.docker, connected: w.connected }));
  }

  host(name: string): DockerHost | undefined {
    return this.hosts().find((h) => h.name === name);
  }

  /** The inventory of the hosts connected now: a daemon out of reach has nothing to say about today. */
  containers(): ContainerFacts[] {
    const connected = new Set(this.watchers.filter((w) => w.connected).map((w) => w.host));
    return this.inventory.all().filter((f) => connected.has(f.container.host));
  }

  /**
   * Resolves once the evidence of `triggerId` (a die or an unhealthy) is gathered and queued for the
   * timeline, or at once when none is being gathered, or after `timeoutMs` at the latest: a heal
   * waits for it, since a restarted container's health log, state and logs are no longer the dead one's.
   */
  async evidenceFor(triggerId: string, timeoutMs: number): Promise<void> {
    const pending = this.pendingEvidence.get(triggerId);
    if (pending === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
    clearTimeout(timer);
  }

  private gatherEvidence(watcher: DockerWatcher, trigger: Signal, killSignal: string | undefined): void {
    const gathering = collectEvidence(watcher.docker, trigger, { ...(killSignal === undefined ? {} : { killSignal }), now: this.now })
      .then((evidence) => watcher.enqueueSignal(evidence))
      .catch((err: unknown) => this.log.warn({ host: trigger.host, container: trigger.container, err: describeError(err) }, 'could not gather evidence'))
      .finally(() => this.pendingEvidence.delete(trigger.id));
    if (this.pendingEvidence.size < PENDING_KEEP) this.pendingEvidence.set(trigger.id, gathering);
  }

  /** Each new signal of a watcher, in stream order: the signal to store, with why a die happened added. */
  private received(watcher: DockerWatcher, received: Signal): Signal {
    const host = received.host;
    const id = received.container;
    if (received.kind === KIND.swarmNodeDown || received.kind === KIND.swarmNodeUp) {
      const node = received.attributes['nodeId'];
      const services = this.swarm.find((p) => p.host === host)?.servicesOnNode(typeof node === 'string' ? node : '') ?? [];
      for (const signal of nodeSignalPerService(received, services)) watcher.enqueueSignal(signal);
    }
    if (id === undefined) return received;
    const key = `${host}/${id}`;
    const requestedBy = this.tracker.observe(host, received);
    let signal = received;
    if (signal.kind === KIND.kill) {
      const sent = signal.attributes['signal'];
      this.kills.set(key, { signal: String(sent ?? '?'), atMs: Date.parse(signal.at) });
    }
    if (signal.kind === KIND.die) {
      const kill = this.kills.get(key);
      this.kills.delete(key);
      const dieMs = Date.parse(signal.at);
      const killSignal = kill !== undefined && dieMs - kill.atMs <= KILL_EXPLAINS_DIE_MS ? kill.signal : undefined;
      // Recorded on the die itself, so whoever reads it later (supervisor, post-mortem) knows why it ended.
      signal = {
        ...signal,
        attributes: {
          ...signal.attributes,
          ...(killSignal === undefined ? {} : { killSignal }),
          ...(requestedBy === undefined ? {} : { requestedBy }),
        },
      };
      if (requestedBy === undefined && this.now().getTime() - dieMs <= EVIDENCE_MAX_AGE_MS) this.gatherEvidence(watcher, signal, killSignal);
    }
    // Turned unhealthy while running (not on its way down after a kill): its failing probes, before a heal restarts it.
    if (signal.kind === KIND.unhealthy && requestedBy === undefined && !this.kills.has(key)
      && this.now().getTime() - Date.parse(signal.at) <= EVIDENCE_MAX_AGE_MS) this.gatherEvidence(watcher, signal, undefined);
    if (signal.kind === KIND.destroy) this.kills.delete(key);
    this.inventory.apply(host, signal, watcher.docker);
    return signal;
  }
}
