// Incident replay in a real browser, against Vigil started by `npm start` on the real dockerd: a
// service of two containers, one killed (`docker kill`), an Alertmanager webhook firing for the
// service, a responder's restart healing it, the alert resolved. Replay is scrubbed to three
// instants — before the kill, after it with the alert firing, after the heal — each screenshotted
// and checked for each container's state and the alerts; the URL carries the instant and opening
// it again restores it; ← on the slider steps to the previous event.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { ensureBaseImage } from '../server/test/harness/base-image.ts';
import { docker, ensureDockerDaemon, removeContainer } from '../server/test/harness/docker.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { alertmanagerWebhook, postWebhook, runTestContainer, screenshot, type TestContainer } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const parts = await requireComponent('dockerd and the base image', async () => ({ daemon: await ensureDockerDaemon(), base: await ensureBaseImage() }));
const ready: Availability<{ executablePath: string; endpoint: string; image: string }> = chromium.ok && parts.ok
  ? { ok: true, value: { executablePath: chromium.value, endpoint: parts.value.daemon.endpoint, image: parts.value.base.tag } }
  : { ok: false, reason: chromium.ok ? (parts.ok ? '' : parts.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const SERVICE = `e2e-replay-${suffix}`;
const WEBHOOK_TOKEN = `e2e-${randomUUID()}`;
const IDLE = "process.on('SIGTERM',()=>process.exit(0));console.log('up');setInterval(()=>{},1<<30)";

interface Sig { id: string; at: string; kind: string; container?: string; receivedAt?: string }

/** Replay shows a signal from when Vigil knew of it: when it happened, or when stored if later. */
const known = (s: Sig): string => (s.receivedAt !== undefined && s.receivedAt > s.at ? s.receivedAt : s.at);

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Polls wait this long at most: the full suite runs on two busy cores. */
const POLL = { timeout: 20_000, interval: 100 };
const mid = (a: string, b: string): number => {
  if (!(a < b)) throw new Error(`expected ${a} before ${b}`);
  return Math.floor((Date.parse(a) + Date.parse(b)) / 2);
};

describeWith(ready, 'incident replay in a browser', ({ executablePath, endpoint, image }) => {
  let vigil: VigilProcess;
  let admin: Client;
  let browser: BrowserSession;
  let page: Page;
  let victim: TestContainer;
  let calm: TestContainer;
  let incidentId = '';
  let signals: Sig[] = [];
  let alertAt = '';
  let alertEnd = '';

  async function replaySignals(): Promise<Sig[]> {
    const r = await admin.request('GET', `/api/incidents/${incidentId}/replay`);
    if (r.status !== 200) throw new Error(`replay answered ${r.status}`);
    return r.body.signals as Sig[];
  }
  const first = (kind: string, container: string, list = signals): Sig | undefined => list.find((s) => s.kind === kind && s.container === container);

  beforeAll(async () => {
    // Vigil first: the containers' create and start are then on its events stream.
    vigil = await startVigil({ name: 'replay', env: { DOCKER_HOSTS: endpoint, WEBHOOK_TOKEN, QUIET_PERIOD_SECONDS: '600' } });
    admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    calm = await runTestContainer({ image, name: `vigil-e2e-replay-calm-${suffix}`, labels: { 'com.docker.compose.service': SERVICE }, script: IDLE });
    victim = await runTestContainer({ image, name: `vigil-e2e-replay-victim-${suffix}`, labels: { 'com.docker.compose.service': SERVICE }, script: IDLE });
    await until('both containers listed running', 20_000, async () => {
      const all = (await admin.request('GET', '/api/containers')).body as Array<{ id: string; state: string }>;
      return all.filter((c) => (c.id === calm.id || c.id === victim.id) && c.state === 'running').length === 2 ? true : undefined;
    });

    // The kill: an incident opens at the die.
    await docker(['kill', victim.id]);
    incidentId = await until('the incident of the kill', 20_000, async () => {
      const list = (await admin.request('GET', `/api/incidents?status=all&service=${encodeURIComponent(SERVICE)}`)).body.items as Array<{ id: string }>;
      return list[0]?.id;
    });
    const die = await until('the die in replay', 20_000, async () => first('container.die', victim.id, await replaySignals()));

    // The alert fires just after the die (as Alertmanager would post it, with its own startsAt).
    alertAt = iso(Date.parse(die.at) + 20);
    const firing = alertmanagerWebhook([{ name: 'ReplayDown', service: SERVICE, severity: 'critical', summary: `${SERVICE} is down`, status: 'firing' }], suffix) as { alerts: Array<Record<string, unknown>> };
    for (const a of firing.alerts) a['startsAt'] = alertAt;
    expect((await postWebhook(vigil.baseUrl, WEBHOOK_TOKEN, firing)).status).toBe(200);
    await until('the alert in replay', 20_000, async () => ((await replaySignals()).some((s) => s.kind === 'alert.firing') ? true : undefined));

    // The heal: a responder's restart through Vigil; then the alert resolves.
    expect((await admin.send('POST', `/api/containers/${victim.id}/restart`)).status).toBe(202);
    const healed = await until('the victim started again', 30_000, async () => {
      const list = await replaySignals();
      return list.find((s) => s.kind === 'container.start' && s.container === victim.id && s.at > die.at);
    });
    alertEnd = iso(Date.parse(healed.at) + 20);
    const resolved = alertmanagerWebhook([{ name: 'ReplayDown', service: SERVICE, severity: 'critical', summary: `${SERVICE} is down`, status: 'resolved' }], suffix) as { alerts: Array<Record<string, unknown>> };
    for (const a of resolved.alerts) { a['startsAt'] = alertAt; a['endsAt'] = alertEnd; }
    expect((await postWebhook(vigil.baseUrl, WEBHOOK_TOKEN, resolved)).status).toBe(200);
    signals = await until('the resolved alert in replay', 20_000, async () => {
      const list = await replaySignals();
      return list.some((s) => s.kind === 'alert.resolved') ? list : undefined;
    });

    // No Prometheus here: the charts' queries answer 503 (the panel says so), an expected console line.
    browser = await openBrowser(executablePath, { signIn: { vigil }, ignoreConsole: (msg) => msg.location().url.includes('/api/metrics/query_range') });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (victim) await removeContainer(victim.id);
    if (calm) await removeContainer(calm.id);
  });

  const row = (name: string) => page.getByTestId('replay-containers').locator(`li[data-container="${name}"]`);

  async function scrubTo(ms: number): Promise<void> {
    await page.getByTestId('replay-slider').fill(String(ms));
    await expect.poll(() => page.getByTestId('replay-panel').getAttribute('data-at'), POLL).toBe(iso(ms));
    // The URL follows (router.replace, debounced).
    await expect.poll(() => new URL(page.url()).searchParams.get('at'), POLL).toBe(iso(ms));
  }

  async function expectState(want: { victim: string; calm: string; alerts: string[]; status: string }): Promise<void> {
    await expect.poll(() => row(victim.name).getAttribute('data-state'), POLL).toBe(want.victim);
    await expect.poll(() => row(calm.name).getAttribute('data-state'), POLL).toBe(want.calm);
    await expect.poll(() => page.getByTestId('replay-panel').locator('[data-alert]').evaluateAll((els) => els.map((e) => e.getAttribute('data-alert'))), POLL).toEqual(want.alerts);
    await expect.poll(() => page.getByTestId('replay-status').getAttribute('data-status'), POLL).toBe(want.status);
    // Every chart draws the instant (the charts load in their own chunk).
    const at = await page.getByTestId('replay-panel').getAttribute('data-at');
    await expect.poll(() => page.getByTestId('metric-chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-cursor'))), POLL).toEqual([at, at]);
  }

  it('scrubs to before the kill, to the kill with the alert firing, and to after the heal', async () => {
    const kill = first('container.kill', victim.id);
    const die = first('container.die', victim.id);
    const calmStart = first('container.start', calm.id);
    const victimStart = first('container.start', victim.id);
    expect(kill && die && calmStart && victimStart, JSON.stringify(signals.map((s) => [s.kind, s.container?.slice(0, 8), s.at]))).toBeTruthy();
    const requested = signals.find((s) => s.kind === 'user.restart_requested');
    expect(requested).toBeDefined();
    const healed = signals.filter((s) => s.kind === 'container.start' && s.container === victim.id).at(-1);

    await page.goto(`${vigil.baseUrl}/incidents/${incidentId}`);
    await page.getByTestId('replay-open').click();
    await page.getByTestId('replay-slider').waitFor();

    // 1. Before the kill: both running, no alert, the incident not open yet.
    const before = mid([known(victimStart!), known(calmStart!)].sort().at(-1)!, known(kill!));
    await scrubTo(before);
    await expectState({ victim: 'running', calm: 'running', alerts: [], status: 'not-open' });
    await expect.poll(() => page.getByTestId('timeline').getByTestId('timeline-entry').count(), POLL).toBe(0);
    await screenshot(page, 'replay-1-before-kill.png');

    // ← → on the slider step by event: from here the next event is the kill.
    await page.getByTestId('replay-slider').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('replay-panel').getAttribute('data-at'), POLL).toBe(known(kill!));
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => Date.parse((await page.getByTestId('replay-panel').getAttribute('data-at')) ?? '') < Date.parse(known(kill!)), POLL).toBe(true);

    // 2. After the kill, the alert firing, before the restart was asked for.
    const firingSignal = signals.find((s) => s.kind === 'alert.firing');
    expect(firingSignal?.at).toBe(alertAt);
    const down = mid(known(firingSignal!), known(requested!));
    await scrubTo(down);
    await expectState({ victim: 'dead', calm: 'running', alerts: ['ReplayDown'], status: 'open' });
    expect(await row(victim.name).textContent()).toContain('exit 137');
    expect(await page.getByTestId('timeline-hidden-later').textContent()).toMatch(/later entr(y|ies) hidden/);
    await screenshot(page, 'replay-2-killed-alert-firing.png');

    // 3. After the heal and the alert's end: both running, no alert, the incident mitigated.
    const resolvedSignal = signals.find((s) => s.kind === 'alert.resolved');
    expect(resolvedSignal?.at).toBe(alertEnd);
    const after = Math.max(Date.parse(known(healed!)), Date.parse(known(resolvedSignal!))) + 1_000;
    await scrubTo(after);
    await expectState({ victim: 'running', calm: 'running', alerts: [], status: 'mitigated' });
    await screenshot(page, 'replay-3-after-heal.png');

    // The URL carries the instant: opening it again restores the same moment.
    const shared = page.url();
    await page.goto(`${vigil.baseUrl}/`);
    await page.goto(shared.replace(/at=[^&]+/, `at=${encodeURIComponent(iso(down))}`));
    await expect.poll(() => page.getByTestId('replay-panel').getAttribute('data-at'), POLL).toBe(iso(down));
    await expectState({ victim: 'dead', calm: 'running', alerts: ['ReplayDown'], status: 'open' });

    // A bad instant in a link falls back to live, and says so.
    await page.goto(`${vigil.baseUrl}/incidents/${incidentId}?at=not-a-time`);
    await expect.poll(() => page.getByTestId('replay-note').textContent(), POLL).toMatch(/showing the incident live/);
    expect(await page.getByTestId('replay-panel').getAttribute('data-at')).toBe('');
    // Back to live: the panel closes and `at` leaves the URL.
    await page.getByTestId('replay-close').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('at'), POLL).toBe(false);
    await expect.poll(() => page.getByTestId('replay-panel').count(), POLL).toBe(0);
    expect(browser.problems).toEqual([]);
  });
});
