// What a roll back does, on recorded inspect output (fixtures inspect-change-v2.json and
// image-change-v2.json): the create options of the replacement, and who owns the container.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import type { Change } from '../../../src/contract/index.ts';
import { anonymousVolumes, rollbackCreateOptions, rollbackPlan, shellWord } from '../../../src/actions/rollback-spec.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/docker');
const read = <T>(name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as T;
const current = read<Docker.ContainerInspectInfo>('inspect-change-v2.json');
const image = read<Docker.ImageInspectInfo>('image-change-v2.json');

const change: Change = {
  id: 'chg_1', at: '2026-12-06T02:53:46.003Z', service: 'shop', host: 'local', containerId: current.Id, containerName: 'vigil-chgfx-v2',
  oldImage: 'vigil-chgfx-app:v1', newImage: 'vigil-chgfx-app:v2', oldImageId: 'sha256:e3ff', newImageId: current.Image, changed: ['image'],
};

describe('the replacement container', () => {
  const options = rollbackCreateOptions(current, image, 'vigil-chgfx-app:v1', 'vigil-chgfx-v2', { 'vigil.changed-by': 'rhea (roll back through Vigil)' });

  test('keeps the container\'s own env and labels, and leaves what v2\'s image said to v1\'s', () => {
    expect(options).toMatchObject({ name: 'vigil-chgfx-v2', Image: 'vigil-chgfx-app:v1' });
    expect(options.Env).toEqual(['SECRET_TOKEN=s3cret', 'MODE=a', 'NEW_FLAG=1']);
    expect(options.Labels).toEqual({ 'vigil.service': 'shop', 'vigil.changed-by': 'rhea (roll back through Vigil)' });
    // The command is the image's own: v1's says it again.
    expect(options.Cmd).toBeUndefined();
    expect(options.Entrypoint).toBeUndefined();
    // Docker's made-up hostname (the old id) is not carried over.
    expect(options.Hostname).toBeUndefined();
  });

  test('keeps the host configuration: ports, restart policy, network', () => {
    expect(options.HostConfig?.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(options.HostConfig?.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(options.HostConfig?.NetworkMode).toBe('default');
    expect(options.ExposedPorts).toEqual(current.Config.ExposedPorts);
  });

  test('mounts the anonymous volumes again (named ones and binds are in the host configuration already)', () => {
    const withVolumes = structuredClone(current);
    withVolumes.HostConfig.Binds = ['/srv/conf:/conf:ro'];
    withVolumes.Mounts = [
      { Type: 'volume', Name: 'abc123', Source: '/var/lib/docker/volumes/abc123/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'bind', Source: '/srv/conf', Destination: '/conf', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ];
    expect(anonymousVolumes(withVolumes)).toEqual({ Mounts: [{ Type: 'volume', Source: 'abc123', Target: '/data', ReadOnly: false }] });
    expect(anonymousVolumes(current)).toEqual({});
  });
});

describe('who rolls back', () => {
  test('Vigil, for a plain container', () => {
    expect(rollbackPlan(change)).toEqual({ kind: 'plain' });
  });

  test('Compose, for its service: the command points the tag back at the previous image and recreates only that service', () => {
    const plan = rollbackPlan({ ...change, project: 'shop', composeService: 'backend' }, {
      'com.docker.compose.project.working_dir': "/srv/it's here", 'com.docker.compose.project.config_files': '/srv/a.yml,/srv/b.yml',
    });
    expect(plan).toMatchObject({
      kind: 'compose',
      command: "cd '/srv/it'\\''s here' && docker tag sha256:e3ff vigil-chgfx-app:v2 && docker-compose -f /srv/a.yml -f /srv/b.yml -p shop up -d --no-deps backend",
    });
    expect(rollbackPlan({ ...change, project: 'shop' })).toMatchObject({ command: 'docker tag sha256:e3ff vigil-chgfx-app:v2 && docker-compose -p shop up -d --no-deps shop' });
  });

  test('Swarm, for a task: docker service rollback', () => {
    expect(rollbackPlan({ ...change, swarmService: 'web' })).toMatchObject({ kind: 'swarm', command: 'docker service rollback web' });
  });

  test('shell words are quoted only when they need it', () => {
    expect(shellWord('registry:5000/app:v1')).toBe('registry:5000/app:v1');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });
});
