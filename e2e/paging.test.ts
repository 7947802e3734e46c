// Paging in a real browser, against Vigil started by `npm start` (embedded store), the real dockerd
// and a real SMTP server (Mailpit): an admin adds an e-mail channel and an escalation policy in the
// UI → a container is killed → the page arrives by mail with the incident and ack links → the ack
// link shows a confirmation (changing nothing) and its button acknowledges as the person paged →
// the incident page shows the acknowledgement and the delivered page.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { ensureBaseImage } from '../server/test/harness/base-image.ts';
import { docker, ensureDockerDaemon, removeContainer } from '../server/test/harness/docker.ts';
import { mailpitBinary, startMailpit, type Mailpit, type MailpitMessage } from '../server/test/harness/mailpit.ts';
import { freePort } from '../server/test/harness/ports.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { runTestContainer, screenshot, type TestContainer } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const parts = await requireComponent('dockerd, the base image and Mailpit', async () => ({
  daemon: await ensureDockerDaemon(),
  base: await ensureBaseImage(),
  mailpit: mailpitBinary(),
}));
const ready: Availability<{ executablePath: string; endpoint: string; image: string }> = chromium.ok && parts.ok
  ? { ok: true, value: { executablePath: chromium.value, endpoint: parts.value.daemon.endpoint, image: parts.value.base.tag } }
  : { ok: false, reason: chromium.ok ? (parts.ok ? '' : parts.reason) : chromium.reason };

const suffix = randomUUID().slice(0, 8);
const SERVICE = `e2e-paged-${suffix}`;
const RECIPIENT = `oncall-${suffix}@example.test`;

describeWith(ready, 'paging in a browser', ({ executablePath, endpoint, image }) => {
  let vigil: VigilProcess;
  let mailpit: Mailpit;
  let browser: BrowserSession;
  let target: TestContainer;

  beforeAll(async () => {
    mailpit = await startMailpit();
    target = await runTestContainer({
      image, name: `vigil-e2e-paged-${suffix}`, labels: { 'com.docker.compose.service': SERVICE }, script: 'setInterval(() => {}, 1 << 30)',
    });
    const port = await freePort();
    vigil = await startVigil({
      name: 'paging', port,
      env: { DOCKER_HOSTS: endpoint, SMTP_URL: mailpit.smtpUrl, SMTP_FROM: 'Vigil <vigil@example.test>', NOTIFY_ALLOW_PRIVATE: 'true', PUBLIC_URL: `http://127.0.0.1:${port}`, QUIET_PERIOD_SECONDS: '600' },
    });
    browser = await openBrowser(executablePath, { signIn: { vigil } });
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    await mailpit?.stop();
    if (target) await removeContainer(target.id);
  });

  it('an admin sets up paging in the UI; a killed container pages by mail; the ack link acknowledges; the incident page shows it', async () => {
    const page = browser.page;
    await page.goto(`${vigil.baseUrl}/admin?tab=paging`);
    const channels = page.getByTestId('paging-channels');
    await channels.getByRole('button', { name: 'New channel' }).click();
    const channelForm = page.getByTestId('channel-form');
    await channelForm.getByLabel('Name').fill('on-call mail');
    await channelForm.getByLabel('Type').selectOption('email');
    await channelForm.getByLabel('Recipients').fill(RECIPIENT);
    await channelForm.getByRole('button', { name: 'Add channel' }).click();
    await expect.poll(() => channels.getByTestId('channels-table').textContent(), { timeout: 10_000 }).toContain('on-call mail');

    // "Send test" reaches the real SMTP server before anything is on fire.
    await channels.getByRole('button', { name: 'Send a test to on-call mail' }).click();
    await expect.poll(() => channels.getByTestId('test-result').textContent(), { timeout: 15_000 }).toMatch(/deliver/i);
    const [test] = await mailpit.waitForMessages(1, 15_000);
    expect(test?.Subject).toContain('test');
    await mailpit.clear();

    const policies = page.getByTestId('paging-policies');
    await policies.getByRole('button', { name: 'New policy' }).click();
    const policyForm = page.getByTestId('policy-form');
    await policyForm.getByLabel('Name', { exact: true }).fill('e2e services');
    await policyForm.getByLabel('Services').fill(SERVICE);
    await policyForm.getByLabel('Step 1 pages').selectOption({ label: 'on-call mail (E-mail)' });
    await policyForm.getByRole('button', { name: 'Add', exact: true }).click();
    await policyForm.getByRole('button', { name: 'Add policy' }).click();
    await expect.poll(() => policies.getByTestId('policies-table').textContent(), { timeout: 10_000 }).toContain('e2e services');
    await screenshot(page, 'paging-admin.png');

    await docker(['kill', target.id]);
    const [summary] = await mailpit.waitForMessages(1, 20_000);
    expect(summary?.To.map((t) => t.Address)).toEqual([RECIPIENT]);
    expect(summary?.From.Address).toBe('vigil@example.test');
    expect(summary?.Subject).toContain(SERVICE);
    const mail: MailpitMessage = await mailpit.message(summary?.ID ?? '');
    const incidentUrl = mail.Text.match(/http:\/\/127\.0\.0\.1:\d+\/incidents\/[A-Za-z0-9_-]+/)?.[0];
    const ackUrl = mail.Text.match(/http:\/\/127\.0\.0\.1:\d+\/api\/ack\/[A-Za-z0-9_-]+/)?.[0];
    expect(incidentUrl, mail.Text).toBeDefined();
    expect(ackUrl, mail.Text).toBeDefined();
    expect(mail.HTML).toContain(ackUrl ?? '');
    // The death evidence Docker left: how it ended, and that nothing will restart it.
    expect(mail.Text).toMatch(/SIGKILL|signal 9/);
    expect(mail.Text).toMatch(/restart policy .* will not fire/);

    // Opening the link (as a mail scanner would) changes nothing.
    const incidentId = incidentUrl?.split('/').pop() ?? '';
    const admin = new Client(vigil.baseUrl);
    expect((await admin.login('admin', vigil.adminPassword)).status).toBe(200);
    await page.goto(ackUrl ?? '');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Acknowledge?');
    expect((await admin.request('GET', `/api/incidents/${incidentId}`)).body.status).toBe('open');
    await screenshot(page, 'paging-ack-confirm.png');
    await page.getByRole('button', { name: /Acknowledge as/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Acknowledged');
    const after = await admin.request('GET', `/api/incidents/${incidentId}`);
    expect(after.body.status).toBe('acknowledged');
    expect(after.body.acknowledgedBy).toBe('ack-link');

    await page.goto(incidentUrl ?? '');
    const panel = page.getByTestId('incident-paging');
    await expect.poll(() => panel.getByTestId('delivery').first().getAttribute('data-state'), { timeout: 10_000 }).toBe('delivered');
    expect(await panel.textContent()).toContain('on-call mail');
    await expect.poll(() => page.locator('body').textContent(), { timeout: 10_000 }).toMatch(/acknowledged by ack-link/i);
    await screenshot(page, 'paging-incident.png');
  });
});
