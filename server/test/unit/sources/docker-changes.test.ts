// Change detection on real `docker inspect` output of two versions of one service (fixtures
// inspect-change-v1/v2.json, recorded 2026-12-06 on Docker 20.10.24): pure, no I/O.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, test } from 'vitest';
import { KIND } from '../../../src/domain/kinds.ts';
import { changeSignal, deploysService, differences, isNewer, snapshotOf } from '../../../src/sources/docker/changes.ts';

const fixtures = path.join(import.meta.dirname, '../../fixtures/docker');
const inspect = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as Docker.ContainerInspectInfo;
const v1 = inspect('inspect-change-v1.json');
const v2 = inspect('inspect-change-v2.json');
const ctx = (info: Docker.ContainerInspectInfo) => ({ host: 'local', service: 'shop', labels: info.Config.Labels });

describe('a service recreated from v1 to v2', () => {
  test('is a change naming both images, what else changed (env by name only) and who deployed it', () => {
    const signal = changeSignal(ctx(v2), snapshotOf(v1), snapshotOf(v2, ['vigil-chgfx-app@sha256:abc']));
    expect(signal).not.toBeNull();
    expect(signal?.kind).toBe(KIND.change);
    expect(signal?.service).toBe('shop');
    expect(signal?.container).toBe(v2.Id);
    expect(signal?.at).toBe('2026-12-06T02:53:46.003Z');
    expect(signal?.attributes).toMatchObject({
      containerId: v2.Id,
      name: 'vigil-chgfx-v2',
      oldContainerId: v1.Id,
      oldName: 'vigil-chgfx-v1',
      oldImage: 'vigil-chgfx-app:v1',
      newImage: 'vigil-chgfx-app:v2',
      oldImageId: v1.Image,
      newImageId: v2.Image,
      newDigests: ['vigil-chgfx-app@sha256:abc'],
      changed: ['image', 'env APP_VERSION', 'env NEW_FLAG', 'env SECRET_TOKEN'],
      changedBy: 'alice',
      revision: 'v2',
    });
  });

  test('never carries an env value, in the signal or in the snapshot kept', () => {
    const signal = changeSignal(ctx(v2), snapshotOf(v1), snapshotOf(v2));
    for (const text of [JSON.stringify(signal), JSON.stringify(snapshotOf(v1)), JSON.stringify(snapshotOf(v2))]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('s3cret');
    }
  });

  test('has the same id however it is found (live, replayed, at connect)', () => {
    const a = changeSignal(ctx(v2), snapshotOf(v1), snapshotOf(v2));
    const b = changeSignal(ctx(v2), snapshotOf(v1), snapshotOf(v2, ['x@sha256:1']));
    expect(a?.id).toMatch(/^chg_/);
    expect(a?.id).toBe(b?.id);
  });

  test('the older container seen after the newer one (its stop, rename, removal) is no change back', () => {
    expect(isNewer(snapshotOf(v2), snapshotOf(v1))).toBe(false);
    expect(changeSignal(ctx(v1), snapshotOf(v2), snapshotOf(v1))).toBeNull();
    expect(changeSignal(ctx(v2), snapshotOf(v2), snapshotOf(v2))).toBeNull();
  });
});

describe('what counts as a change', () => {
  const later = (info: Docker.ContainerInspectInfo, patch: (c: Docker.ContainerInspectInfo) => void) => {
    const copy = structuredClone(info);
    copy.Id = 'f'.repeat(64);
    copy.Created = '2026-12-06T03:00:00.123456789Z';
    patch(copy);
    return copy;
  };

  test('a replica with the same configuration is none', () => {
    const replica = later(v1, (c) => { c.Name = '/vigil-chgfx-v1-2'; c.Config.Labels = { ...c.Config.Labels, 'com.docker.compose.container-number': '2' }; });
    expect(differences(snapshotOf(v1), snapshotOf(replica))).toEqual([]);
    expect(changeSignal(ctx(replica), snapshotOf(v1), snapshotOf(replica))).toBeNull();
  });

  test('a new Swarm task of the same service definition is none; a Compose one-off does not deploy its service', () => {
    const task = (id: string, created: string) => later(v1, (c) => {
      c.Id = id;
      c.Created = created;
      c.Config.Labels = { ...c.Config.Labels, 'com.docker.swarm.task': '', 'com.docker.swarm.task.id': id.slice(0, 25), 'com.docker.swarm.task.name': `web.1.${id.slice(0, 25)}`, 'com.docker.swarm.node.id': 'n1', 'com.docker.swarm.service.name': 'web' };
    });
    const first = task('a'.repeat(64), '2026-12-06T03:00:00Z');
    const second = task('b'.repeat(64), '2026-12-06T03:01:00Z');
    expect(differences(snapshotOf(first), snapshotOf(second))).toEqual([]);
    const oneoff = later(v1, (c) => { c.Config.Labels = { ...c.Config.Labels, 'com.docker.compose.oneoff': 'True' }; c.Config.Cmd = ['node', 'migrate.js']; });
    expect(deploysService(oneoff)).toBe(false);
    expect(deploysService(v1)).toBe(true);
  });

  test('the same tag on another image id is one', () => {
    const retagged = later(v1, (c) => { c.Image = v2.Image; });
    expect(differences(snapshotOf(v1), snapshotOf(retagged))).toEqual(['image id']);
  });

  test('command, entrypoint, ports, labels and the Compose config hash are named', () => {
    const base = later(v1, (c) => { c.Config.Labels = { ...c.Config.Labels, 'com.docker.compose.config-hash': 'aaa' }; });
    const changed = later(v1, (c) => {
      c.Id = 'e'.repeat(64);
      c.Created = '2026-12-06T03:01:00Z';
      c.Config.Cmd = ['node', '/app.js', '--fast'];
      c.Config.Entrypoint = ['/tini'];
      c.HostConfig.PortBindings = { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '9999' }] };
      c.Config.Labels = { ...c.Config.Labels, team: 'core', 'com.docker.compose.config-hash': 'bbb' };
    });
    expect(differences(snapshotOf(base), snapshotOf(changed))).toEqual(['command', 'entrypoint', 'ports', 'label team', 'compose config']);
  });
});
