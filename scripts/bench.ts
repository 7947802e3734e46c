// `npm run bench`: Vigil's latency, throughput, fan-out, query and size figures against real
// components, printed as a table with each goal and written to bench-results/<timestamp>.json.
// `--quick` runs small sizes and few trials (for development); `--only a,b` runs the named benchmarks.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { baselineBench } from './bench/baseline.ts';
import { bundleBench } from './bench/bundle.ts';
import { dockerBenches } from './bench/docker.ts';
import { fanoutBench, fanoutReplicasBench } from './bench/fanout.ts';
import { failoverBench } from './bench/failover.ts';
import { pagingBench } from './bench/paging.ts';
import { ingestBench } from './bench/ingest.ts';
import { queriesBench } from './bench/queries.ts';
import { webhookBench } from './bench/webhook.ts';
import { printTable } from './bench/report.ts';
import { failed, type Row } from './bench/stats.ts';
import { repoRoot } from './bench/vigil.ts';

const BENCHES = ['detection', 'heal', 'paging', 'ingest', 'webhook', 'fanout', 'fanout-replicas', 'failover', 'queries', 'bundle'] as const;
type BenchName = typeof BENCHES[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    baseline: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`usage: npm run bench -- [--quick] [--only ${BENCHES.join(',')}] [--baseline GIT-REV]\n`);
  process.exit(0);
}
const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
for (const name of only) {
  if (!(BENCHES as readonly string[]).includes(name)) {
    process.stderr.write(`bench: unknown benchmark "${name}"; known: ${BENCHES.join(', ')}\n`);
    process.exit(2);
  }
}
const selected = (name: BenchName) => only.length === 0 || only.includes(name);
const quick = values.quick;

const sizes = quick
  ? { failoverKills: 3, detectionTrials: 5, healTrials: 3, pagingStorm: 30, pagingOutageSeconds: 15, pagingOutageIncidents: 20, signals: 2_000, mongoSignals: 500, servicesOpen: 1_000, mongoServicesOpen: 200, webhookAlerts: 2_000, webhookServices: 200, stormAlerts: 10_000, clients: 200, replicaClients: 400, fanoutRounds: 5, incidents: 2_000, entriesPerIncident: 10, mongoIncidents: 300, queryRuns: 50, mongoQueryRuns: 30 }
  : { failoverKills: 10, detectionTrials: 50, healTrials: 12, pagingStorm: 200, pagingOutageSeconds: 120, pagingOutageIncidents: 20, signals: 20_000, mongoSignals: 3_000, servicesOpen: 10_000, mongoServicesOpen: 1_000, webhookAlerts: 20_000, webhookServices: 2_000, stormAlerts: 100_000, clients: 1_000, replicaClients: 2_000, fanoutRounds: 30, incidents: 100_000, entriesPerIncident: 10, mongoIncidents: 1_000, queryRuns: 500, mongoQueryRuns: 100 };

const resultsDir = path.join(repoRoot, 'bench-results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const logDir = path.join(resultsDir, `${stamp}-logs`);

function commandOutput(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    uname: commandOutput('uname', ['-a']),
    node: process.version,
    docker: commandOutput('docker', ['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})']),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function guarded(name: string, work: () => Promise<Row[]>): Promise<Row[]> {
  const started = Date.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const rows = await work();
    process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return rows;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bench: ${name} failed: ${reason}\n`);
    return [failed(name, reason.split('\n')[0] ?? reason)];
  }
}

const info = machine();
const started = new Date();
const rows: Row[] = [];
if (selected('detection') || selected('heal')) {
  rows.push(...await guarded(['detection', 'heal'].filter((n) => selected(n as BenchName)).join(' + '), () => dockerBenches({
    detectionTrials: sizes.detectionTrials, healTrials: sizes.healTrials, logDir,
    runDetection: selected('detection'), runHeal: selected('heal'),
  })));
}
if (selected('paging')) {
  rows.push(...await guarded('paging', () => pagingBench({
    trials: sizes.detectionTrials, storm: sizes.pagingStorm, outageMs: sizes.pagingOutageSeconds * 1_000, outageIncidents: sizes.pagingOutageIncidents, logDir,
  })));
}
if (values.baseline !== undefined) {
  // Only what the baseline had: the benchmarks named in it that are selected here.
  const theirs = ['ingest', 'queries', 'fanout'].filter((n) => selected(n as BenchName));
  const rev = values.baseline;
  if (theirs.length > 0) rows.push(...await guarded(`baseline ${rev}`, () => baselineBench(rev, theirs, quick)));
}
if (selected('ingest')) {
  rows.push(...await guarded('ingest', () => ingestBench({
    signals: sizes.signals, mongoSignals: sizes.mongoSignals, servicesOpen: sizes.servicesOpen, mongoServicesOpen: sizes.mongoServicesOpen, logDir,
  })));
}
if (selected('webhook')) {
  rows.push(...await guarded('webhook', () => webhookBench({ alerts: sizes.webhookAlerts, services: sizes.webhookServices, stormAlerts: sizes.stormAlerts, logDir })));
}
if (selected('fanout')) rows.push(...await guarded('fanout', () => fanoutBench({ clients: sizes.clients, rounds: sizes.fanoutRounds, logDir })));
if (selected('fanout-replicas')) rows.push(...await guarded('fanout-replicas', () => fanoutReplicasBench({ clients: sizes.replicaClients, rounds: sizes.fanoutRounds, logDir })));
if (selected('failover')) rows.push(...await guarded('failover', () => failoverBench({ kills: sizes.failoverKills, logDir })));
if (selected('queries')) {
  rows.push(...await guarded('queries', () => queriesBench({
    incidents: sizes.incidents, entriesPerIncident: sizes.entriesPerIncident, mongoIncidents: sizes.mongoIncidents, runs: sizes.queryRuns, mongoRuns: sizes.mongoQueryRuns, logDir,
  })));
}
if (selected('bundle')) rows.push(...await guarded('bundle', () => bundleBench()));

const report = {
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  only: only.length > 0 ? only : undefined,
  sizes,
  machine: { ...info, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  results: rows,
};
fs.mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${stamp}.json`);
fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
printTable(rows, `Vigil benchmarks (${report.mode}) on ${info.nproc} cores, ${info.memoryGiB} GiB, Node ${info.node}, Docker ${info.docker}`);
process.stdout.write(`\nJSON: ${path.relative(process.cwd(), file)}   server logs: ${path.relative(process.cwd(), logDir)}/\n`);
// Harness helpers leave nothing running; a lingering socket must not keep the process alive.
process.exit(rows.some((r) => r.verdict === 'FAIL') ? 1 : 0);
