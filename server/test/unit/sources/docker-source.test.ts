// The Docker source's pure parts: exact cursors from the event stream, the log demultiplexer, the
// evidence sentence, deaths rebuilt after a gap, and how Vigil's own restarts are told apart.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ActionLedger } from '../../../src/actions/ledger.ts';
import type { Signal } from '../../../src/domain/index.ts';
import type { ContainerFacts } from '../../../src/sources/docker/containers.ts';
import { demuxLogs, evidenceSummary } from '../../../src/sources/docker/evidence.ts';
import { missedDeaths } from '../../../src/sources/docker/reconcile.ts';
import { cursorOfEvent, cursorToNanos, nanosToCursor, parseEventLine, readEvents, rfc3339ToNanos } from '../../../src/sources/docker/stream.ts';

const LINE = '{"status":"die","id":"abc","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"137","name":"web","note":"\\"timeNano\\":1"}},"scope":"local","time":1795547226,"timeNano":1795547226866174241}';

describe('the event stream', () => {
  test('timeNano stays exact (it is above 2^53) and becomes a seconds.nanos cursor', () => {
    const event = parseEventLine(LINE);
    expect(event?.['timeNano']).toBe('1795547226866174241');
    expect(cursorOfEvent(event ?? {})).toBe('1795547226.866174241');
    expect(JSON.parse(LINE).timeNano).not.toBe(1795547226866174241n.toString());
    expect(parseEventLine('not json')).toBeNull();
  });

  test('cursors and RFC 3339 times convert without loss', () => {
    expect(nanosToCursor(cursorToNanos('1795547226.000000042') ?? 0n)).toBe('1795547226.000000042');
    expect(cursorToNanos('12.5')).toBe(12_500_000_000n);
    expect(rfc3339ToNanos('2026-11-24T19:07:08.735390977Z')).toBe(BigInt(Date.parse('2026-11-24T19:07:08Z')) * 1_000_000n + 735_390_977n);
    expect(rfc3339ToNanos('0001-01-01T00:00:00Z')).toBeUndefined();
  });

  test('events split across chunks are read whole; a dropped stream (aborted → error → close) resolves with why', async () => {
    const stream = new PassThrough();
    const seen: unknown[] = [];
    const done = readEvents(stream, (e) => seen.push(e['Action']));
    stream.write(LINE.slice(0, 40));
    stream.write(`${LINE.slice(40)}\n${LINE.replace('"die"', '"start"')}`);
    stream.write('\n');
    stream.emit('error', new Error('aborted'));
    stream.destroy();
    expect(await done).toBe('the event stream broke: aborted');
    expect(seen).toEqual(['die', 'die']);
  });
});

describe('evidence', () => {
  test('docker logs frames are split into stdout and stderr lines with their times', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    const buffer = Buffer.concat([frame(1, '2026-11-24T19:07:08.735390977Z hello\n'), frame(2, '2026-11-24T19:07:09.000000001Z boom\n')]);
    expect(demuxLogs(buffer, false)).toEqual([
      { stream: 'stdout', at: '2026-11-24T19:07:08.735Z', text: 'hello' },
      { stream: 'stderr', at: '2026-11-24T19:07:09.000Z', text: 'boom' },
    ]);
    expect(demuxLogs(Buffer.from('plain tty output\r\n'), true)).toEqual([{ stream: 'stdout', text: 'plain tty output' }]);
  });

  test('the sentence says what ended it and whether Docker will start it again', () => {
    const base = { service: 'backend', oomKilled: false, restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 }, policyWillFire: false, logLines: 100 };
    expect(evidenceSummary({ ...base, exitCode: 137, killSignal: '9' })).toBe(
      "backend death evidence: it was stopped through the Docker API with SIGKILL (docker kill, docker stop or the daemon itself, exit code 137) — requested, not a crash; Docker's restart policy (unless-stopped) will not fire for a kill; its last 100 log lines are attached",
    );
    expect(evidenceSummary({ ...base, exitCode: 137, oomKilled: true, policyWillFire: true })).toMatch(/ran out of memory and the kernel killed it \(OOMKilled, exit code 137\); Docker's restart policy \(unless-stopped\) will start it again/);
    expect(evidenceSummary({ ...base, exitCode: 139, restartPolicy: { name: '', maximumRetryCount: 0 }, logLines: 0 }))
      .toBe('backend death evidence: its process was terminated by signal 11 from inside the container or the host, not through the Docker API (exit code 139); it has no restart policy, so Docker will not start it again; it wrote no log output');
  });
});

describe('deaths the daemon could not replay', () => {
  const facts = (id: string, finishedAt: string | undefined): ContainerFacts => ({
    container: { id, name: `c-${id}`, host: 'h', service: 'svc', image: 'img', state: 'exited', supervised: false, restartCount: 0 },
    labels: { 'com.docker.compose.service': 'svc' },
    restartPolicy: { name: '', maximumRetryCount: 0 },
    hasHealthcheck: false,
    ...(finishedAt ? { finishedAt } : {}),
    exitCode: 2,
    oomKilled: false,
  });
  const ns = (iso: string) => rfc3339ToNanos(iso) ?? 0n;

  test('a container that ended inside the gap with no die replayed gets one, from inspect', () => {
    const since = ns('2026-11-24T10:00:00Z');
    const until = ns('2026-11-24T10:05:00Z');
    const out = missedDeaths('h', [
      facts('gap', '2026-11-24T10:01:00.123456789Z'),
      facts('replayed', '2026-11-24T10:02:00Z'),
      facts('before', '2026-11-24T09:59:00Z'),
      facts('never', undefined),
    ], new Map([['replayed', [ns('2026-11-24T10:02:00.000005Z')]]]), since, until);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'container.die', container: 'gap', service: 'svc', at: '2026-11-24T10:01:00.123Z', attributes: { exitCode: 2, reconstructed: true } });
    // The same gap seen again rebuilds the same signal (same id): stored once.
    expect(missedDeaths('h', [facts('gap', '2026-11-24T10:01:00.123456789Z')], new Map(), since, until)[0]?.id).toBe(out[0]?.id);
  });
});

describe("Vigil's own restarts", () => {
  const sig = (kind: string): Signal => ({ id: kind, source: 'docker', host: 'h', at: '2026-01-01T00:00:00.000Z', kind, container: 'c1', attributes: {}, raw: {} });

  test('the kill and die before the restart\'s start were asked for; a die after it is the container\'s own', () => {
    const ledger = new ActionLedger();
    try {
      expect(ledger.begin('h', 'c1', 'a1', 'rita')).toBe(true);
      expect(ledger.begin('h', 'c1', 'a2', 'sam')).toBe(false);
      expect(ledger.observe('h', sig('container.kill'))).toBe('rita');
      expect(ledger.observe('h', sig('container.die'))).toBe('rita');
      expect(ledger.observe('h', sig('container.start'))).toBeUndefined();
      expect(ledger.observe('h', sig('container.die'))).toBeUndefined();
      expect(ledger.current('h', 'c1')).toBeUndefined();
    } finally {
      ledger.close();
    }
  });
});
