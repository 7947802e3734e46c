// The evidence a container left, read in a real browser against Vigil started by `npm start` and the
// real dockerd: a container whose health check fails opens an incident; its page shows the failing
// probes (time, "failed" in words, exit code, what the probe printed), the image with its short id
// and why there is no digest, the restart count, and both log streams. Screenshots in both themes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { ensureBaseImage } from '../server/test/harness/base-image.ts';
import { ensureDockerDaemon, removeContainer } from '../server/test/harness/docker.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { runTestContainer, screenshotThemes, type TestContainer } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const parts = await requireComponent('dockerd and the base image', async () => ({ daemon: await ensureDockerDaemon(), base: await ensureBaseImage() }));
const ready: Availability<{ executablePath: string; endpoint: string; image: string }> = chromium.ok && parts.ok
  ? { ok: true, value: { executablePath: chromium.value, endpoint: parts.value.daemon.endpoint, image: parts.value.base.tag } }
  : { ok: false, reason: chromium.ok ? (parts.ok ? '' : parts.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const SERVICE = `e2e-sick-${suffix}`;
const PROBE = "node -e \"console.log('GET /health -> 503');console.error('db: connection refused');process.exit(1)\"";

describeWith(ready, 'the evidence in a browser', ({ executablePath, endpoint, image }) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let target: TestContainer | undefined;

  beforeAll(async () => {
    vigil = await startVigil({ name: 'evidence', env: { DOCKER_HOSTS: endpoint, QUIET_PERIOD_SECONDS: '600' } });
    browser = await openBrowser(executablePath, { signIn: { vigil } });
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    if (target) await removeContainer(target.id);
  });

  it('an unhealthy container\'s incident shows its failing probes, image, digest note, restart count and both log streams', async () => {
    const admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    target = await runTestContainer({
      image, name: `vigil-e2e-sick-${suffix}`, labels: { 'com.docker.compose.service': SERVICE },
      health: ['--health-cmd', PROBE, '--health-interval', '500ms', '--health-retries', '2', '--health-timeout', '5s'],
      script: "console.log('listening on :3000');console.error('warn: db pool exhausted');setInterval(() => {}, 1 << 30)",
    });
    let id = '';
    await expect.poll(async () => {
      const list = (await admin.request('GET', `/api/incidents?status=all&service=${encodeURIComponent(SERVICE)}`)).body as { items?: Array<{ id: string }> };
      id = list.items?.[0]?.id ?? '';
      return id;
    }, { timeout: 30_000, interval: 200 }).not.toBe('');
    const page = browser.page;
    await page.goto(`${vigil.baseUrl}/incidents/${id}`);
    const probes = page.getByTestId('evidence-probes');
    await probes.waitFor({ timeout: 30_000 });
    await expect.poll(() => probes.locator('summary').textContent()).toMatch(/^Last \d health probes?: \d failed \(UTC\)$/);
    const first = probes.locator('li').first();
    expect(await first.locator('.verdict').textContent()).toBe('failed');
    expect(await first.textContent()).toContain('exit 1');
    expect(await first.locator('pre').textContent()).toMatch(/GET \/health -> 503/);
    const evidence = page.getByTestId('evidence').filter({ has: probes });
    const facts = Object.fromEntries(await evidence.locator('.facts > div').evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('dt')?.textContent ?? '', r.querySelector('dd')?.textContent ?? ''])));
    expect(facts['image']).toBe(image);
    expect(facts['image id']).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(facts['restart count']).toBe('0');
    expect(facts['digest']).toMatch(/^none: the image was built or imported on this host/);
    expect(await evidence.locator('.logs').textContent()).toContain('listening on :3000');
    expect(await evidence.locator('.logs .err').first().textContent()).toContain('warn: db pool exhausted');
    await screenshotThemes(page, 'evidence', 300);
  });
});
