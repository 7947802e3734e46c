// A post-mortem's findings read the service's containers from the Docker inventory (no Docker call
// of their own) and say null for Prometheus when it cannot be asked.
import { expect, test } from 'vitest';
import type { IncidentWithTimeline } from '../../../src/contract/index.ts';
import type { ContainerFacts } from '../../../src/sources/docker/containers.ts';
import { prometheusApi } from '../../../src/sources/prometheus/client.ts';
import { stackFindingsProvider } from '../../../src/sources/stack-findings.ts';

function facts(name: string, service: string, extra: Partial<ContainerFacts> = {}): ContainerFacts {
  return {
    container: { id: `id-${name}`, name, host: 'local', service, image: 'img', state: 'running', supervised: false, restartCount: 0 },
    labels: {},
    restartPolicy: { name: '', maximumRetryCount: 0 },
    hasHealthcheck: false,
    ...extra,
  };
}

test("the service's containers as the inventory knows them; an unreachable Prometheus is null", async () => {
  const inventory = [
    facts('web-1', 'web'),
    facts('web-2', 'web', { restartPolicy: { name: 'always', maximumRetryCount: 0 }, hasHealthcheck: true }),
    facts('db-1', 'db'),
  ];
  inventory[1]!.container.supervised = true;
  // A closed port: Prometheus refuses the connection.
  const find = stackFindingsProvider({ docker: { containers: () => inventory }, prometheus: prometheusApi('http://127.0.0.1:9') });
  const at = '2026-01-01T00:00:00.000Z';
  const incident: IncidentWithTimeline = {
    id: 'i', title: 't', service: 'web', host: 'local', status: 'open', severity: 'warning', openedAt: at, lastEventAt: at, sources: [], timeline: [],
  };
  expect(await find(incident)).toEqual({
    containers: [
      { name: 'web-1', host: 'local', restartPolicy: '', hasHealthcheck: false, supervised: false },
      { name: 'web-2', host: 'local', restartPolicy: 'always', hasHealthcheck: true, supervised: true },
    ],
    prometheus: null,
  });
});
