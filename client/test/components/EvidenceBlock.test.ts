// @vitest-environment happy-dom
// The evidence of a container turned unhealthy, as the Docker source stores it: the failing probes
// with their exit code and output (failed said in words, not colour alone), the image with its short
// id and why it has no digest, the restart count, and both log streams.
import { describe, expect, it } from 'vitest';
import EvidenceBlock from '../../src/components/incident/EvidenceBlock.vue';
import { evidenceOf } from '../../src/lib/timeline.ts';
import { entry } from '../fixtures.ts';
import { mountIn } from './mount.ts';

const attributes = {
  summary: 'api health evidence: its health check had failed 5 times in a row; the last probe (exit code 1) said "GET /health -> 503"; its last 2 log lines are attached',
  restartCount: 2, image: 'node:24-bookworm-slim', imageId: 'sha256:4840ce5a39513969f0604b1ca98873c970cf13cb53e84cd323bc74a043cd7a5e',
  imageDigestNote: 'none: the image was built or imported on this host, never pulled from a registry',
  healthStatus: 'unhealthy', failingStreak: 5,
  healthProbes: [
    { start: '2026-12-06T02:53:42.598072853Z', end: '2026-12-06T02:53:42.672268566Z', exitCode: 0, output: 'ok' },
    { start: '2026-12-06T02:53:43.179481277Z', end: '2026-12-06T02:53:43.264028761Z', exitCode: 1, output: 'GET /health -> 503\ndb: connection refused' },
    { start: 'not a time', exitCode: 1, output: 'dropped' },
  ],
  logs: [{ stream: 'stdout', text: 'listening on :3000' }, { stream: 'stderr', text: 'db pool exhausted' }],
};

describe('EvidenceBlock', () => {
  it('shows the probes, the image, digest and restart count readably', () => {
    const evidence = evidenceOf(entry({ kind: 'container.evidence', data: { signals: [{ kind: 'container.evidence', attributes }] } }));
    expect(evidence?.probes).toEqual([
      { at: '2026-12-06T02:53:42.598072853Z', exitCode: 0, durationMs: 74, output: 'ok' },
      { at: '2026-12-06T02:53:43.179481277Z', exitCode: 1, durationMs: 85, output: 'GET /health -> 503\ndb: connection refused' },
    ]);
    expect(evidence?.facts).toEqual(expect.arrayContaining([
      { label: 'restart count', value: '2' }, { label: 'image', value: 'node:24-bookworm-slim' }, { label: 'image id', value: 'sha256:4840ce5a3951' },
      { label: 'digest', value: 'none: the image was built or imported on this host, never pulled from a registry' }, { label: 'failing streak', value: '5' },
    ]));
    if (evidence === null) throw new Error('no evidence read');
    const w = mountIn(EvidenceBlock, { props: { evidence } });
    const probes = w.get('[data-testid="evidence-probes"]');
    expect(probes.get('summary').text()).toBe('Last 2 health probes: 1 failed (UTC)');
    const rows = probes.findAll('li');
    expect(rows.map((r) => r.get('.verdict').text())).toEqual(['passed', 'failed']);
    expect(rows[1]?.classes()).toContain('failed');
    expect(rows[1]?.text()).toContain('exit 1');
    expect(rows[1]?.get('pre').text()).toBe('GET /health -> 503\ndb: connection refused');
    expect(w.text()).toContain('sha256:4840ce5a3951');
    expect(w.get('.logs').text()).toContain('db pool exhausted');
    expect(w.find('.err').text()).toBe('db pool exhausted');
  });

  it('draws no probe list without a health check', () => {
    const evidence = evidenceOf(entry({ kind: 'container.evidence', data: { signals: [{ kind: 'container.evidence', attributes: { exitCode: 3, logs: ['x'] } }] } }));
    expect(evidence?.probes).toBeUndefined();
    if (evidence === null) throw new Error('no evidence read');
    expect(mountIn(EvidenceBlock, { props: { evidence } }).find('[data-testid="evidence-probes"]').exists()).toBe(false);
  });
});
