// What was deployed: a container of a service recreated with another image or configuration is a
// change (`container.change`). Pure: a snapshot of what `docker inspect` says, the difference between
// two snapshots, the signal. The tracker (change-tracker.ts) keeps the last snapshot per service.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { KIND } from '../../domain/kinds.ts';
import { stableId } from '../../domain/ids.ts';
import type { Signal } from '../../domain/signal.ts';
import { isoOf, serviceOf } from './containers.ts';

/** The label a deploy tool sets on the new container to say who deployed it (docs/api.md). */
export const CHANGED_BY_LABEL = 'vigil.changed-by';
const CONFIG_HASH_LABEL = 'com.docker.compose.config-hash';
/** Labels that differ between two containers of one unchanged service, or that the image brings (the image change says it). */
const VOLATILE_LABELS = [
  /^com\.docker\.compose\.(container-number|oneoff|config-hash|version|replace)$/,
  // A Swarm task's own: every new task has its own id and name, the service's definition is the same.
  /^com\.docker\.swarm\.(task|task\..*|node\.id)$/,
  /^org\.opencontainers\.image\./,
  /^vigil\.changed-by$/,
];
const MAX_CHANGED = 20;
/** Per list kept in a snapshot (env, labels, ports, volumes): what a real container has, many times over. */
const MAX_ITEMS = 500;
/** Per label value kept: long values (certificates, JSON) are kept as a hash. */
const MAX_LABEL_CHARS = 200;

/**
 * A container's deployable configuration. Env values are never kept, only a hash of each (env may
 * hold secrets): enough to say which variables changed, not what they hold.
 */
export interface ConfigSnapshot {
  containerId: string;
  name: string;
  /** Docker's `Created` (RFC 3339, nanoseconds): orders the containers of one service. */
  created: string;
  /** The image as asked for (`Config.Image`, usually a tag). */
  image: string;
  /** The image id the container was made from. */
  imageId: string;
  digests?: string[];
  /** Env name → short hash of its value. */
  env: Record<string, string>;
  cmd: string[];
  entrypoint: string[];
  ports: string[];
  volumes: string[];
  labels: Record<string, string>;
  configHash?: string;
}

function short(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** What a container's inspect says about its configuration (`digests`: the image's RepoDigests, when read). */
export function snapshotOf(info: Docker.ContainerInspectInfo, digests?: string[]): ConfigSnapshot {
  const labels = info.Config?.Labels ?? {};
  const env: Record<string, string> = {};
  for (const entry of (info.Config?.Env ?? []).slice(0, MAX_ITEMS)) {
    const at = entry.indexOf('=');
    const name = at < 0 ? entry : entry.slice(0, at);
    env[name] = short(at < 0 ? '' : entry.slice(at + 1));
  }
  const bindings = info.HostConfig?.PortBindings ?? {};
  const ports = Object.entries(bindings as Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>)
    .flatMap(([port, list]) => (list && list.length > 0 ? list.map((b) => `${b.HostIp ?? ''}:${b.HostPort ?? ''}->${port}`) : [port]))
    .sort().slice(0, MAX_ITEMS);
  const volumes = (info.Mounts ?? []).slice(0, MAX_ITEMS).map((m) => `${m.Name ?? m.Source}:${m.Destination}${m.RW === false ? ':ro' : ''}`).sort();
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels).slice(0, MAX_ITEMS)) {
    if (!VOLATILE_LABELS.some((r) => r.test(k))) kept[k] = v.length > MAX_LABEL_CHARS ? `sha256:${short(v)}` : v;
  }
  return {
    containerId: info.Id,
    name: info.Name.replace(/^\//, ''),
    created: info.Created,
    image: info.Config?.Image ?? info.Image,
    imageId: info.Image,
    ...(digests && digests.length > 0 ? { digests: [...digests].sort() } : {}),
    env,
    cmd: list(info.Config?.Cmd).slice(0, MAX_ITEMS),
    entrypoint: list(info.Config?.Entrypoint).slice(0, MAX_ITEMS),
    ports,
    volumes,
    labels: kept,
    ...(labels[CONFIG_HASH_LABEL] ? { configHash: labels[CONFIG_HASH_LABEL] } : {}),
  };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Names of what differs, short and free of values: `image`, `env NAME`, `command`, `label NAME`… */
export function differences(before: ConfigSnapshot, after: ConfigSnapshot): string[] {
  const out: string[] = [];
  if (before.image !== after.image) out.push('image');
  else if (before.imageId !== after.imageId) out.push('image id');
  const envNames = [...new Set([...Object.keys(before.env), ...Object.keys(after.env)])].sort();
  for (const name of envNames) if (before.env[name] !== after.env[name]) out.push(`env ${name}`);
  if (!same(before.cmd, after.cmd)) out.push('command');
  if (!same(before.entrypoint, after.entrypoint)) out.push('entrypoint');
  if (!same(before.ports, after.ports)) out.push('ports');
  if (!same(before.volumes, after.volumes)) out.push('volumes');
  const labelNames = [...new Set([...Object.keys(before.labels), ...Object.keys(after.labels)])].sort();
  for (const name of labelNames) if (before.labels[name] !== after.labels[name]) out.push(`label ${name}`);
  if (before.configHash !== undefined && after.configHash !== undefined && before.configHash !== after.configHash) out.push('compose config');
  return out.length > MAX_CHANGED ? [...out.slice(0, MAX_CHANGED - 1), `${out.length - MAX_CHANGED + 1} more`] : out;
}

function createdNanos(created: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(created);
  if (m === null) return BigInt(Date.parse(created) || 0) * 1_000_000n;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** `after` is a container made later than `before`'s (the one Docker created last is the service's current one). */
export function isNewer(before: ConfigSnapshot, after: ConfigSnapshot): boolean {
  return after.containerId !== before.containerId && createdNanos(after.created) > createdNanos(before.created);
}

export interface ChangeContext {
  host: string;
  service: string;
  /** The new container's labels, as inspect gave them (who deployed, Compose project, Swarm task). */
  labels: Record<string, string>;
}

/** The `container.change` signal for `before` → `after`, or null when nothing deployable differs. */
export function changeSignal(ctx: ChangeContext, before: ConfigSnapshot, after: ConfigSnapshot): Signal | null {
  if (!isNewer(before, after)) return null;
  const changed = differences(before, after);
  if (changed.length === 0) return null;
  const { labels } = ctx;
  const optional: Record<string, unknown> = {
    oldDigests: before.digests,
    newDigests: after.digests,
    changedBy: labels[CHANGED_BY_LABEL],
    revision: labels['org.opencontainers.image.revision'] ?? labels['org.opencontainers.image.version'],
    project: labels['com.docker.compose.project'],
    composeService: labels['com.docker.compose.service'],
    swarmService: labels['com.docker.swarm.service.name'],
  };
  const attributes: Record<string, unknown> = {
    containerId: after.containerId,
    name: after.name,
    oldContainerId: before.containerId,
    oldName: before.name,
    oldImage: before.image,
    newImage: after.image,
    oldImageId: before.imageId,
    newImageId: after.imageId,
    changed,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined && v !== '') attributes[k] = v;
  return {
    // The new container makes the change: seen live, replayed or found at connect, it is one signal.
    id: stableId('chg', ctx.host, ctx.service, after.containerId),
    source: 'docker',
    host: ctx.host,
    at: isoOf(after.created) ?? new Date(0).toISOString(),
    kind: KIND.change,
    service: ctx.service,
    container: after.containerId,
    attributes,
    raw: null,
  };
}

/**
 * Whether a container stands for its service's deployed configuration: not a one-off of it
 * (`docker-compose run`), which runs another command on purpose and replaces nothing.
 */
export function deploysService(info: Docker.ContainerInspectInfo): boolean {
  const oneoff = info.Config?.Labels?.['com.docker.compose.oneoff'];
  return oneoff === undefined || oneoff.toLowerCase() !== 'true';
}

/** The service a container's inspect belongs to, as the rest of the Docker source names it. */
export function serviceOfInspect(info: Docker.ContainerInspectInfo): string {
  return serviceOf(info.Config?.Labels ?? {}, info.Name.replace(/^\//, ''));
}
