// The supervisor's rules without Docker: back-off, Docker's own restart policy, the breaker, stale reports.
import { describe, expect, test } from 'vitest';
import {
  afterRestart, backoffMs, decide, DEFAULT_POLICY, FRESH_STATE, openBreaker, triggerReason, type Decision, type SupervisionState, type Trigger,
} from '../../../src/actions/supervisor-policy.ts';
import { restartPolicyFires } from '../../../src/sources/docker/containers.ts';

const P = { ...DEFAULT_POLICY, maxRestarts: 3, windowMs: 60_000 };
const ctx = (nowMs: number) => ({ service: 'backend', nowMs });
const killed: Trigger = { type: 'death', exitCode: 137, killSignal: '9', restartPolicy: 'unless-stopped', policyWillFire: false };
const crashed: Trigger = { type: 'death', exitCode: 3, restartPolicy: '', policyWillFire: false };

describe('back-off', () => {
  test('0.5 s, doubling, capped at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffMs(a, DEFAULT_POLICY))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  test('restarts in a row back off further; a container that stayed up starts again at the base', () => {
    let s: SupervisionState = FRESH_STATE;
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 3; i++) {
      const d = decide(s, crashed, ctx(now), { ...P, maxRestarts: 10 });
      if (d.action !== 'restart') throw new Error(d.action);
      delays.push(d.delayMs);
      s = afterRestart(s, d.attempt, now, P);
      now += 1_000;
    }
    expect(delays).toEqual([500, 1_000, 2_000]);
    const later = decide(s, crashed, ctx(now + P.stableAfterMs + 1), { ...P, maxRestarts: 10 });
    expect(later).toMatchObject({ action: 'restart', attempt: 1, delayMs: 500, nextBackoffMs: 1_000 });
  });
});

describe('decisions and their reasons', () => {
  test('a docker kill is restarted, and the reason says no restart policy would', () => {
    const d = decide(FRESH_STATE, killed, ctx(0), P);
    expect(d).toMatchObject({ action: 'restart', attempt: 1, delayMs: 500 });
    expect(d.action === 'restart' && d.message).toBe(
      "backend was killed with SIGKILL through the Docker API, and Docker's restart policies never restart a kill; the supervisor restarts it in 500 ms (attempt 1)",
    );
  });

  test('a crash Docker\'s policy will restart is left to Docker for a moment', () => {
    const d = decide(FRESH_STATE, { type: 'death', exitCode: 1, restartPolicy: 'on-failure', policyWillFire: true }, ctx(0), P);
    expect(d).toMatchObject({ action: 'defer', delayMs: P.dockerGraceMs });
    expect(d.action === 'defer' && d.message).toMatch(/Docker's restart policy \(on-failure\) will start it again, so the supervisor leaves it to Docker/);
  });

  test('the breaker opens at the death after maxRestarts restarts within the window, and then nothing more happens', () => {
    let s: SupervisionState = FRESH_STATE;
    for (const at of [0, 1_000, 3_000]) s = afterRestart(s, s.attempts + 1, at, P);
    const d = decide(s, crashed, ctx(5_000), P);
    expect(d).toMatchObject({ action: 'breaker', restarts: 3 });
    expect(d.action === 'breaker' && d.message).toMatch(/already restarted it 3 times in 1 min, so it stops here and leaves backend as it is/);
    expect(decide(openBreaker(s, 5_000), killed, ctx(6_000), P)).toEqual({ action: 'ignore' });
    // Restarts older than the window no longer count.
    expect(decide(s, crashed, ctx(61_500), P).action).toBe('restart');
  });

  test('unhealthy and Prometheus-down are reasons too; a down report older than the container\'s start is stale', () => {
    expect(triggerReason('backend', { type: 'unhealthy' })).toBe('backend is unhealthy: its health check keeps failing');
    const fresh = decide(FRESH_STATE, { type: 'service_down', downSinceMs: 10_000, startedAtMs: 5_000, instance: 'backend:3001' }, ctx(12_000), P);
    expect(fresh.action === 'restart' && fresh.message).toMatch(/^Prometheus reports backend down \(backend:3001\) while Docker says its container runs; the supervisor restarts it/);
    const stale = decide(FRESH_STATE, { type: 'service_down', downSinceMs: 10_000, startedAtMs: 11_000 }, ctx(12_000), P);
    expect(stale.action).toBe('ignore');
    expect(stale.action === 'ignore' && stale.message).toMatch(/started 1 s after that; the report is about its previous run/);
  });

  test('an exit with code 0 is said as such', () => {
    expect(triggerReason('jobs', { type: 'death', exitCode: 0, restartPolicy: 'on-failure', policyWillFire: false }))
      .toBe("jobs exited (exit code 0) and Docker's restart policy (on-failure) did not restart it");
  });
});

describe("Docker's restart policies (FACTS.md)", () => {
  const policy = (name: string, maximumRetryCount = 0) => ({ name, maximumRetryCount });
  test('a kill is never restarted; a crash is by always, unless-stopped and on-failure (until its retry count)', () => {
    for (const name of ['always', 'unless-stopped', 'on-failure']) {
      expect(restartPolicyFires(policy(name), { killed: true, exitCode: 137, restartCount: 0 })).toBe(false);
      expect(restartPolicyFires(policy(name), { killed: false, exitCode: 1, restartCount: 0 })).toBe(true);
    }
    expect(restartPolicyFires(policy(''), { killed: false, exitCode: 1, restartCount: 0 })).toBe(false);
    expect(restartPolicyFires(policy('on-failure'), { killed: false, exitCode: 0, restartCount: 0 })).toBe(false);
    expect(restartPolicyFires(policy('always'), { killed: false, exitCode: 0, restartCount: 0 })).toBe(true);
    expect(restartPolicyFires(policy('on-failure', 2), { killed: false, exitCode: 1, restartCount: 1 })).toBe(true);
    expect(restartPolicyFires(policy('on-failure', 2), { killed: false, exitCode: 1, restartCount: 2 })).toBe(false);
  });
});

describe('vigil.restartable=false', () => {
  test('wins over vigil.supervise=true for every trigger, before back-off, Docker\'s policy or the breaker', () => {
    const triggers: Trigger[] = [killed, crashed, { type: 'unhealthy' }, { type: 'service_down', downSinceMs: 0 },
      { type: 'death', exitCode: 1, restartPolicy: 'on-failure', policyWillFire: true }];
    for (const state of [FRESH_STATE, openBreaker(FRESH_STATE, 0)]) {
      for (const t of triggers) {
        const d: Decision = decide(state, t, { service: 'backend', nowMs: 1_000, restartable: false }, P);
        expect(d.action).toBe('refuse');
        expect(d.action === 'refuse' && d.message).toMatch(/labelled vigil.supervise=true but also vigil.restartable=false, and Vigil never restarts a container labelled so/);
      }
    }
    expect(decide(FRESH_STATE, killed, { service: 'backend', nowMs: 0, restartable: true }, P).action).toBe('restart');
  });
});
