// What a roll back does, worked out without I/O: who may do it (a plain container; Compose and Swarm
// own theirs), the exact command to give instead, and the create options of the container that runs
// the previous image with the current container's configuration.
import type Docker from 'dockerode';
import type { Change } from '../contract/index.ts';

export type RollbackPlan =
  | { kind: 'plain' }
  | { kind: 'compose'; command: string; message: string }
  | { kind: 'swarm'; command: string; message: string };

/** A shell word as is when it is plain, single-quoted otherwise. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Compose and Swarm keep the service's definition: a container recreated behind their back would be
 * undone by their next `up` or reconcile. `labels`: the current container's (Compose's working dir
 * and files, when it has them).
 */
export function rollbackPlan(change: Change, labels: Record<string, string> = {}): RollbackPlan {
  if (change.swarmService !== undefined) {
    return {
      kind: 'swarm',
      command: `docker service rollback ${shellWord(change.swarmService)}`,
      message: `${change.service} is a Swarm service's task: Swarm owns it and would replace a container Vigil made. Roll the service back with Swarm on a manager node.`,
    };
  }
  if (change.project === undefined) return { kind: 'plain' };
  const service = change.composeService ?? change.service;
  const dir = labels['com.docker.compose.project.working_dir'];
  const files = (labels['com.docker.compose.project.config_files'] ?? '').split(',').filter((f) => f !== '');
  const cd = dir === undefined ? '' : `cd ${shellWord(dir)} && `;
  const fileArgs = files.map((f) => ` -f ${shellWord(f)}`).join('');
  const up = `docker-compose${fileArgs} -p ${shellWord(change.project)} up -d --no-deps ${shellWord(service)}`;
  const oldImage = change.oldImage ?? '?';
  const newImage = change.newImage ?? '?';
  // The tag the compose file names is pointed back at the previous image, so `up` recreates the service with it.
  const retag = change.oldImageId !== undefined && newImage !== '?' ? `docker tag ${shellWord(change.oldImageId)} ${shellWord(newImage)} && ` : '';
  return {
    kind: 'compose',
    command: `${cd}${retag}${up}`,
    message: `${change.service} belongs to Compose project ${change.project}: Compose owns its definition, so Vigil does not recreate it. ` +
      `Pin the previous image (${oldImage}) in the compose file and run \`${cd}${up}\`, or run the command given, which points ${newImage} back at the previous image first.`,
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The create options of the container that replaces `current` (same name, configuration, host config,
 * networks) with `image`. What the current container only has because its image said so (env
 * defaults, command, entrypoint, labels, working dir, user, healthcheck of `currentImage`) is left
 * for the previous image to say again. `name`: the name to create it under.
 */
export function rollbackCreateOptions(
  current: Docker.ContainerInspectInfo,
  currentImage: Docker.ImageInspectInfo,
  image: string,
  name: string,
  extraLabels: Record<string, string> = {},
): Docker.ContainerCreateOptions {
  const config = current.Config;
  const fromImage = currentImage.Config ?? ({} as Docker.ImageInspectInfo['Config']);
  const imageEnv = new Set(fromImage.Env ?? []);
  const imageLabels = fromImage.Labels ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.Labels ?? {})) if (imageLabels[k] !== v) labels[k] = v;
  const options: Docker.ContainerCreateOptions = {
    name,
    Image: image,
    Env: (config.Env ?? []).filter((e) => !imageEnv.has(e)),
    Labels: { ...labels, ...extraLabels },
    HostConfig: { ...current.HostConfig, ...anonymousVolumes(current) },
  };
  if (!same(config.Cmd, fromImage.Cmd)) options.Cmd = config.Cmd;
  if (!same(config.Entrypoint, fromImage.Entrypoint)) options.Entrypoint = config.Entrypoint as string[] | undefined;
  if (config.WorkingDir && config.WorkingDir !== fromImage.WorkingDir) options.WorkingDir = config.WorkingDir;
  if (config.User && config.User !== fromImage.User) options.User = config.User;
  if (config.Healthcheck && !same(config.Healthcheck, (fromImage as { Healthcheck?: unknown }).Healthcheck)) options.Healthcheck = config.Healthcheck;
  for (const key of ['Hostname', 'Domainname', 'Tty', 'OpenStdin', 'StdinOnce', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'StopSignal', 'ExposedPorts', 'Volumes'] as const) {
    const value = (config as unknown as Record<string, unknown>)[key];
    // Docker makes up a hostname from the container id: the new container gets its own.
    if (key === 'Hostname' && typeof value === 'string' && current.Id.startsWith(value)) continue;
    if (value !== undefined && value !== null && value !== '') (options as Record<string, unknown>)[key] = value;
  }
  const primary = current.HostConfig?.NetworkMode;
  const endpoint = primary === undefined ? undefined : networkEndpoint(current, primary);
  if (primary !== undefined && endpoint !== undefined) options.NetworkingConfig = { EndpointsConfig: { [primary]: endpoint } };
  return options;
}

/**
 * The anonymous volumes the current container has (an image's VOLUME, `-v /data`): mounted again in
 * the new one, as Compose does on a recreate, so its data carries over instead of starting empty.
 */
export function anonymousVolumes(current: Docker.ContainerInspectInfo): { Mounts?: Docker.MountSettings[] } {
  const host = current.HostConfig ?? {};
  const named = new Set<string>([
    ...(host.Binds ?? []).map((b) => b.split(':')[1] ?? ''),
    ...(host.Mounts ?? []).map((m) => m.Target),
  ]);
  const carried = (current.Mounts ?? [])
    .filter((m) => m.Type === 'volume' && m.Name !== undefined && m.Name !== '' && !named.has(m.Destination))
    .map((m): Docker.MountSettings => ({ Type: 'volume', Source: m.Name as string, Target: m.Destination, ReadOnly: m.RW === false }));
  return carried.length === 0 ? {} : { Mounts: [...(host.Mounts ?? []), ...carried] };
}

/** The endpoint settings to connect the new container with on `network`: aliases (not the old id's), fixed addresses, links. */
export function networkEndpoint(current: Docker.ContainerInspectInfo, network: string): Docker.EndpointSettings | undefined {
  const networks = current.NetworkSettings?.Networks as Record<string, Docker.EndpointSettings & { IPAMConfig?: unknown }> | undefined;
  const found = networks?.[network];
  if (found === undefined) return undefined;
  const shortId = current.Id.slice(0, 12);
  const aliases = (found.Aliases ?? []).filter((a) => a !== shortId);
  return {
    ...(aliases.length > 0 ? { Aliases: aliases } : {}),
    ...(found.IPAMConfig ? { IPAMConfig: found.IPAMConfig as Docker.EndpointSettings['IPAMConfig'] } : {}),
    ...(found.Links && found.Links.length > 0 ? { Links: found.Links } : {}),
  };
}

/** Networks besides the primary one: connected after create (the API takes one at create). */
export function otherNetworks(current: Docker.ContainerInspectInfo): string[] {
  const primary = current.HostConfig?.NetworkMode;
  return Object.keys(current.NetworkSettings?.Networks ?? {}).filter((n) => n !== primary && !(primary === 'default' && n === 'bridge'));
}
