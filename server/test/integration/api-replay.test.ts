// GET /api/incidents/:id/replay on a real daemon, on both stores: a service with two containers,
// one killed — replay carries the other's signals too (it never failed, so it is not on the
// timeline), bounded to the incident's window; viewers may read it, strangers may not.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBaseImage } from '../harness/base-image.ts';
import { describeWith, requireComponent } from '../harness/components.ts';
import { docker, ensureDockerDaemon } from '../harness/docker.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../harness/ferretdb.ts';
import { Client } from '../harness/vigil.ts';
import { IDLE, incidentWith, removeCreated, runContainer, startDockerVigil, uniqueName, until, userClient, type DockerVigil } from './docker-support.ts';

const daemon = await requireComponent('Docker', async () => {
  const d = await ensureDockerDaemon();
  await ensureBaseImage();
  return d;
});
const ferret = await requireComponent('FerretDB', probeFerretDb);

interface ReplayBody {
  incidentId: string;
  service: string;
  from: string;
  to: string;
  truncated: boolean;
  limit: number;
  signals: Array<{ id: string; at: string; kind: string; host: string; container?: string; service?: string; attributes: Record<string, unknown> }>;
}

function replaySuite(name: string, env: () => Promise<{ env: Record<string, string>; stop?: () => Promise<void> }>): void {
  describeWith(daemon, name, ({ endpoint }) => {
    let v: DockerVigil;
    let stopStore: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const store = await env();
      stopStore = store.stop;
      v = await startDockerVigil([endpoint], store.env);
    });
    afterAll(async () => {
      await v?.stop();
      await stopStore?.();
      await removeCreated();
    });

    test('replay carries every container of the service over the window, the one that never failed included', async () => {
      const service = uniqueName('replay');
      const killed = await runContainer({ name: uniqueName('rp-a'), script: IDLE, labels: { 'vigil.service': service } });
      const calm = await runContainer({ name: uniqueName('rp-b'), script: IDLE, labels: { 'vigil.service': service } });
      await until('both listed', 10_000, async () => {
        const all = (await v.admin.request('GET', '/api/containers')).body as Array<{ id: string }>;
        return all.filter((c) => c.id === killed || c.id === calm).length === 2 ? true : undefined;
      });
      await docker(['kill', killed]);
      const incident = await incidentWith(v.admin, service, 'container.die', 20_000);
      // The calm container never failed: nothing on the timeline names it.
      expect(JSON.stringify(incident.timeline)).not.toContain(calm);

      const replay = await until('the start of both and the die in replay', 10_000, async () => {
        const r = await v.admin.request('GET', `/api/incidents/${incident.id}/replay`);
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        const body = r.body as ReplayBody;
        const has = (container: string, kind: string) => body.signals.some((s) => s.container === container && s.kind === kind);
        return has(calm, 'container.start') && has(killed, 'container.start') && has(killed, 'container.die') ? body : undefined;
      }, 200);
      expect(replay).toMatchObject({ incidentId: incident.id, service, truncated: false, limit: 5_000 });
      const opened = Date.parse((await v.admin.request('GET', `/api/incidents/${incident.id}`)).body.openedAt);
      expect(Date.parse(replay.from)).toBe(opened - 600_000);
      expect(Date.parse(replay.to)).toBeGreaterThan(opened + 600_000 - 1);
      for (const s of replay.signals) {
        expect(s.service).toBe(service);
        expect(s.host).toBe(endpoint);
        expect(s).not.toHaveProperty('raw');
      }
      const times = replay.signals.map((s) => s.at);
      expect(times).toEqual([...times].sort());
      expect(String(replay.signals.find((s) => s.container === killed && s.kind === 'container.kill')?.attributes['signal'])).toBe('9');

      // A viewer reads it; without a session it is 401; an unknown incident is 404 with a sentence.
      const viewer = await userClient(v.vigil, v.admin, `viewer${randomBytes(3).toString('hex')}`, 'viewer');
      expect((await viewer.request('GET', `/api/incidents/${incident.id}/replay`)).status).toBe(200);
      const stranger = await new Client(v.vigil.url).request('GET', `/api/incidents/${incident.id}/replay`);
      expect(stranger.status).toBe(401);
      const missing = await v.admin.request('GET', '/api/incidents/inc_nope/replay');
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ code: 'not_found' });
      expect(missing.body.error.message).toMatch(/inc_nope/);
    });
  });
}

replaySuite('incident replay on the embedded store', async () => ({ env: {} }));

describeWith(ferret, 'on MongoDB (FerretDB)', (binary) => {
  let db: FerretDb | undefined;
  replaySuite('incident replay on MongoDB (FerretDB)', async () => {
    db = await startFerretDb(binary);
    return { env: { MONGODB_URL: `${db.url}vigil_replay_${randomBytes(4).toString('hex')}` }, stop: async () => db?.stop() };
  });
});
