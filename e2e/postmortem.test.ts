// The post-mortem in a real browser against Vigil started by `npm start`, the incident made through
// the real Alertmanager webhook: Vigil's draft → edit → save → reload is byte for byte; two saves at
// once → one 409 and the merge view (edit merged, take theirs, keep mine); the version list and a
// diff; hostile Markdown renders inert (raw HTML as text, no javascript: links, no handler even
// attempted — Chromium would report one to the CSP); no image from another origin; a viewer reads only; print, .md and chart PNG export; an
// action item ticked on the board. Screenshots in both themes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleMessage, Page } from 'playwright-core';
import { describeWith } from '../server/test/harness/components.ts';
import { Client } from '../server/test/harness/vigil.ts';
import { artifactsDir, startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { alertmanagerWebhook, postWebhook, screenshot, setTheme } from './harness/flow.ts';
import { openBrowser } from './harness/session.ts';

const chromium = await chromiumAvailability();
const TOKEN = `pm-${randomUUID()}`;
const run = randomUUID().slice(0, 6);
const SERVICE = `pm-api-${run}`;
const RITA = { username: 'rita', password: `responder-${randomUUID()}` };
const VERA = { username: 'vera', password: `viewer-${randomUUID()}` };
const ITEM_RESTART = `E2E: give ${SERVICE} a restart policy`;
const ITEM_RULE = `E2E: alert on up == 0 for ${SERVICE}`;
/** What a person types beyond the draft: action items, and text a careless save would mangle. */
const EDIT = `- [ ] ${ITEM_RESTART}\n- [ ] ${ITEM_RULE}\n\nNotes:\ttab, trailing spaces   \nÜnïcødé — 3 a.m. ✓ 🚨 "quotes" & <angle> \\backslash\n\n\n`;

describeWith(chromium, 'the post-mortem in a browser', (executablePath) => {
  let vigil: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  let admin: Client;
  let rita: Client;
  let incidentId = '';
  let pmPath = '';
  /** The text saved as version 1 (the draft plus EDIT). */
  let saved = '';

  // Answers the page handles, not faults: the 409 of a stale save (the merge view), and the 503 of a
  // metrics query while Vigil has not yet noticed that this suite's Prometheus is absent (the chart says so).
  const ignore = (msg: ConsoleMessage): boolean =>
    (msg.text().includes('status of 409') && /\/postmortem(\/action-items\/\d+)?$/.test(msg.location().url))
    || (msg.text().includes('status of 503') && /\/api\/metrics\/query_range\?/.test(msg.location().url));
  const editor = () => page.getByTestId('postmortem-editor');
  const status = () => page.getByTestId('postmortem-status');
  const latest = async (): Promise<{ markdown: string; version: number; updatedBy: string }> => {
    const res = await admin.request('GET', `/api/incidents/${incidentId}/postmortem`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const ritaSaves = async (change: (md: string) => string): Promise<number> => {
    const current = await latest();
    const res = await rita.send('PUT', `/api/incidents/${incidentId}/postmortem`, { markdown: change(current.markdown), version: current.version });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.version;
  };

  beforeAll(async () => {
    vigil = await startVigil({ name: 'postmortem', env: { WEBHOOK_TOKEN: TOKEN, QUIET_PERIOD_SECONDS: '600' } });
    const res = await postWebhook(vigil.baseUrl, TOKEN, alertmanagerWebhook([
      { name: 'ApiDown', service: SERVICE, severity: 'critical', summary: `${SERVICE} is down`, status: 'firing' },
    ], run));
    expect(res.status, res.text).toBe(200);
    admin = new Client(vigil.baseUrl);
    await admin.login('admin', vigil.adminPassword);
    // The webhook answers 200 once the alert is stored; the incident follows through the engine.
    for (let i = 0; i < 100 && !incidentId; i++) {
      const open = await admin.request('GET', '/api/incidents?status=open');
      incidentId = (open.body.items as Array<{ id: string; service: string }>).find((x) => x.service === SERVICE)?.id ?? '';
      if (!incidentId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(incidentId, `no open incident for ${SERVICE}`).not.toBe('');
    pmPath = `/incidents/${encodeURIComponent(incidentId)}/postmortem`;
    for (const [user, role] of [[RITA, 'responder'], [VERA, 'viewer']] as const) {
      const created = await admin.send('POST', '/api/users', { ...user, role });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    rita = new Client(vigil.baseUrl);
    expect((await rita.login(RITA.username, RITA.password)).status).toBe(200);

    browser = await openBrowser(executablePath, { ignoreConsole: ignore, signIn: { vigil } });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('links the post-mortem from the incident page and generates Vigil\'s draft on request', async () => {
    await page.goto(`${vigil.baseUrl}/incidents/${encodeURIComponent(incidentId)}`);
    await page.getByTestId('postmortem-link').click();
    await page.waitForURL((url) => url.pathname === pmPath);
    const empty = page.getByTestId('postmortem-empty');
    await empty.waitFor();
    expect(await status().textContent()).toContain('No post-mortem saved yet');
    expect(await editor().count()).toBe(0);

    await page.getByTestId('postmortem-generate').click();
    await editor().waitFor();
    const draft = await editor().inputValue();
    for (const section of ['1. Summary', '2. Impact', '3. Timeline of Events (UTC)', '4. Root Cause', '5. Resolution', '6. Lessons Learned', '7. Action Items']) {
      expect(draft).toContain(`## ${section}`);
    }
    expect(draft).toContain(SERVICE);
    const preview = page.getByTestId('postmortem-preview');
    await preview.locator('h2', { hasText: '7. Action Items' }).waitFor();
    expect(await preview.locator('table').count()).toBeGreaterThan(0);
    expect(await status().textContent()).toContain('not saved yet');
    expect(await page.getByTestId('postmortem-save').isEnabled()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pm-markdown');
  });

  it('saves an edit (Ctrl+S) and a reload, the API and the .md download return it byte for byte', async () => {
    saved = `${await editor().inputValue()}${EDIT}`;
    await editor().fill(saved);
    await page.getByTestId('postmortem-unsaved').waitFor();
    await editor().press('Control+s');
    await expect.poll(() => status().textContent()).toMatch(/Version 1 · saved by admin at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(await page.getByTestId('postmortem-unsaved').count()).toBe(0);
    expect((await latest()).markdown).toBe(saved);

    await page.reload();
    await editor().waitFor();
    expect(await editor().inputValue()).toBe(saved);
    expect(await status().textContent()).toContain('Version 1');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('postmortem-download').click()]);
    expect(download.suggestedFilename()).toBe(`postmortem-${incidentId}.md`);
    const file = await download.path();
    expect(fs.readFileSync(file, 'utf8')).toBe(saved);
    await screenshot(page, 'postmortem-light.png');
  });

  it('meets a concurrent save with a 409 and a merge view: edit the merged text, take theirs, keep mine', async () => {
    // Rita saves version 2 while the page still edits version 1: a different section.
    const ritaLine = 'Rita: the alert fired late; shorten for: to 30s.';
    expect(await ritaSaves((md) => md.replace('- Where we got lucky: _to fill in_', `- Where we got lucky: _to fill in_\n- ${ritaLine}`))).toBe(2);

    const mine = 'Admin: the container was killed by the OOM killer.';
    await editor().fill(saved.replace('## 2. Impact', `${mine}\n\n## 2. Impact`));
    const [conflict] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/postmortem')),
      page.getByTestId('postmortem-save').click(),
    ]);
    expect(conflict.status()).toBe(409);
    const merge = page.getByTestId('merge-view');
    await merge.waitFor();
    expect(await merge.textContent()).toMatch(/rita saved version 2 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC while you were editing/);
    expect(await page.getByTestId('merge-theirs').textContent()).toContain(ritaLine);
    expect(await page.getByTestId('merge-yours').textContent()).toContain(mine);
    expect(await merge.getByTestId('diff').locator('li[data-kind="added"]').filter({ hasText: mine }).count()).toBe(1);
    expect(await merge.getByTestId('diff').locator('li[data-kind="removed"]').filter({ hasText: ritaLine }).count()).toBe(1);
    expect(await page.getByTestId('merge-proposal').textContent()).toContain('touch different lines');
    expect((await latest()).version).toBe(2);
    await screenshot(page, 'postmortem-merge-light.png');

    // Edit merged text: both edits in the editor, based on version 2; saving makes version 3.
    await merge.getByRole('button', { name: 'Edit merged text' }).click();
    await merge.waitFor({ state: 'detached' });
    const merged = await editor().inputValue();
    expect(merged).toContain(mine);
    expect(merged).toContain(ritaLine);
    await page.getByTestId('postmortem-save').click();
    await expect.poll(() => status().textContent()).toContain('Version 3 · saved by admin');
    expect((await latest()).markdown).toBe(merged);

    // Take theirs: Rita saves 4; the page's edit is dropped for hers.
    const ritaV4 = await ritaSaves((md) => md.replace(ritaLine, `${ritaLine} (agreed)`));
    await editor().fill(merged.replace(mine, `${mine} Confirmed.`));
    await page.getByTestId('postmortem-save').click();
    await merge.waitFor();
    await merge.getByRole('button', { name: 'Take theirs' }).click();
    expect(await editor().inputValue()).toBe((await latest()).markdown);
    expect(await status().textContent()).toContain(`Version ${ritaV4} · saved by rita`);

    // Keep mine: Rita saves 5; the page's text goes on top as 6, and hers stays in the history.
    await ritaSaves((md) => `${md}\nRita was here.\n`);
    const keep = (await editor().inputValue()).replace('## 4. Root Cause', '## 4. Root Cause\n\nKeep this line.');
    await editor().fill(keep);
    await page.getByTestId('postmortem-save').click();
    await merge.waitFor();
    await merge.getByRole('button', { name: 'Keep mine (save over v5)' }).click();
    await expect.poll(() => status().textContent()).toContain('Version 6 · saved by admin');
    expect((await latest()).markdown).toBe(keep);
    saved = keep;
  });

  it('lists every version with author and UTC time, and shows a diff between any two', async () => {
    const list = page.getByTestId('postmortem-versions');
    await expect.poll(() => list.locator('li[data-version]').count()).toBe(6);
    const rows = await list.locator('li[data-version]').allTextContents();
    expect(rows[0]).toMatch(/v6\s*admin\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(rows[4]).toMatch(/v2\s*rita/);
    await page.getByTestId('diff-from').selectOption({ label: 'v1 · admin' });
    await page.getByTestId('diff-to').selectOption({ label: 'v2 · rita' });
    const diff = list.getByTestId('diff');
    expect(await diff.locator('figcaption').textContent()).toMatch(/v1\s*→\s*v2:\s*\+1 line added,\s*−0 lines removed/);
    const added = diff.locator('li[data-kind="added"]');
    expect(await added.count()).toBe(1);
    expect(await added.textContent()).toContain('+');
    expect(await added.locator('ins').textContent()).toContain('added: - Rita: the alert fired late');
  });

  it('renders <script>, onerror= and javascript: links in the Markdown inert', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss().catch(() => undefined); });
    const hostile = `${saved}\n## Hostile\n\n<script>alert(1); window.__pmxss = 'script'</script>\n\n`
      + `<img src=x onerror="window.__pmxss='img'; alert(2)">\n\n`
      + `[x](javascript:alert(3)) and [runbook](https://runbooks.invalid/api) and <a href="javascript:alert(4)" onclick="alert(5)">raw</a>\n\n`
      + `<svg><script>alert(6)</script></svg><iframe src="javascript:alert(7)"></iframe><form action="javascript:alert(8)"><button>go</button></form>\n`;
    await editor().fill(hostile);
    const preview = page.getByTestId('postmortem-preview');
    await preview.locator('h2', { hasText: 'Hostile' }).waitFor();
    // Raw HTML shows as the text it is; the Markdown links lose their javascript: targets.
    await preview.getByText('x', { exact: true }).click();
    await page.waitForTimeout(500);
    const found = await preview.evaluate((el) => ({
      scripts: el.querySelectorAll('script').length,
      handlers: [...el.querySelectorAll('*')].flatMap((n) => [...n.attributes].map((a) => a.name)).filter((a) => a.startsWith('on')),
      javascriptUrls: [...el.querySelectorAll('[href], [src], [action]')].map((n) => n.getAttribute('href') ?? n.getAttribute('src') ?? n.getAttribute('action') ?? '')
        .filter((u) => /^\s*javascript:/i.test(u)),
      frames: el.querySelectorAll('iframe, form, button').length,
      links: [...el.querySelectorAll('a[href]')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel') })),
      images: el.querySelectorAll('img').length,
    }));
    expect(found.scripts).toBe(0);
    expect(found.handlers).toEqual([]);
    expect(found.javascriptUrls).toEqual([]);
    expect(found.frames).toBe(0);
    expect(found.images).toBe(0);
    const shown = await preview.textContent();
    expect(shown).toContain('<script>alert(1); window.__pmxss = \'script\'</script>');
    expect(shown).toContain('<img src=x onerror=');
    expect(shown).toContain('<a href="javascript:alert(4)" onclick="alert(5)">raw</a>');
    expect(found.links).toEqual([{ href: 'https://runbooks.invalid/api', rel: 'noopener noreferrer' }]);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pmxss?: unknown }).__pmxss ?? null)).toBeNull();
    // Back to the saved text: nothing unsaved when the test moves on.
    await editor().fill(saved);
    await preview.locator('h2', { hasText: 'Hostile' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('postmortem-unsaved').count()).toBe(0);
  });

  it('shows no image from another origin: Markdown images from elsewhere are dropped before the browser asks for them', async () => {
    // An image from another host is a beacon (who read the post-mortem, when, from where). The CSP
    // would block the request; the sanitizer must not leave it to the CSP (issue 18.8).
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => { if (!r.url().startsWith(vigil.baseUrl) && !r.url().startsWith('data:')) asked.push(r.url()); };
    page.on('request', onRequest);
    await page.evaluate(() => {
      const w = window as unknown as { __pmBlocked: string[] };
      w.__pmBlocked = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__pmBlocked.push(e.blockedURI));
    });
    const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    const beacons = `${saved}\n## Beacons\n\n![tracker](https://beacon.example.invalid/p.png?who=admin)\n\n`
      + `![relative to scheme](//beacon.example.invalid/s.png) ![shouted](HTTPS://BEACON.EXAMPLE.INVALID/u.png)\n\n`
      + `![by reference][ref]\n\n[ref]: http://beacon.example.invalid/r.png\n\n`
      + `[![in a link](https://beacon.example.invalid/l.png)](https://runbooks.invalid/x)\n\n![inline pixel](${pixel})\n`;
    await editor().fill(beacons);
    const preview = page.getByTestId('postmortem-preview');
    await preview.locator('h2', { hasText: 'Beacons' }).waitFor();
    const images = await preview.evaluate((el) => [...el.querySelectorAll('img')].map((img) => ({ src: img.getAttribute('src'), alt: img.getAttribute('alt') })));
    expect(images).toEqual([{ src: pixel, alt: 'inline pixel' }]);
    const shown = await preview.textContent();
    expect(shown).toContain('[image "tracker" from beacon.example.invalid not shown: post-mortems show images from Vigil itself only]');
    expect(shown).toContain('[image "by reference" from beacon.example.invalid not shown');
    expect(shown).toContain('[image "shouted" from beacon.example.invalid not shown');
    expect(shown).toContain('[image "relative to scheme" from beacon.example.invalid not shown');
    expect(await preview.locator('a[href="https://runbooks.invalid/x"]').textContent()).toContain('[image "in a link" from beacon.example.invalid not shown');
    await page.waitForTimeout(300);
    expect(asked).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pmBlocked: string[] }).__pmBlocked)).toEqual([]);
    page.off('request', onRequest);
    await editor().fill(saved);
    await preview.locator('h2', { hasText: 'Beacons' }).waitFor({ state: 'detached' });
    expect(await page.getByTestId('postmortem-unsaved').count()).toBe(0);
  });

  it('prints the preview alone, black on white, without navigation or buttons', async () => {
    await setTheme(page, 'dark');
    await page.emulateMedia({ media: 'print' });
    try {
      const seen = await page.evaluate(() => {
        const shown = (sel: string) => [...document.querySelectorAll(sel)].some((e) => e.getClientRects().length > 0);
        const preview = document.querySelector('[data-testid="postmortem-preview"]');
        return {
          header: shown('header.header'), buttons: shown('button'), editor: shown('textarea'), versions: shown('[data-testid="postmortem-versions"]'),
          preview: preview !== null && preview.getClientRects().length > 0,
          text: preview ? getComputedStyle(preview).color : '', background: getComputedStyle(document.body).backgroundColor,
        };
      });
      expect(seen).toEqual({ header: false, buttons: false, editor: false, versions: false, preview: true, text: 'rgb(0, 0, 0)', background: 'rgb(255, 255, 255)' });
      await screenshot(page, 'postmortem-print.png');
      await page.pdf({ path: path.join(artifactsDir, 'postmortem.pdf'), format: 'A4' });
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    await screenshot(page, 'postmortem-dark.png');
    await setTheme(page, 'light');
  });

  it('downloads the downtime chart as a PNG', async () => {
    await page.getByTestId('chart-panel').locator('canvas').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-download').click()]);
    expect(download.suggestedFilename()).toBe(`postmortem-${incidentId}-chart.png`);
    const bytes = fs.readFileSync(await download.path());
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.length).toBeGreaterThan(1_000);
    await download.saveAs(path.join(artifactsDir, 'postmortem-chart.png'));
  });

  it('lets a viewer read and download it, and says why they cannot save', async () => {
    const viewer = await openBrowser(executablePath, { signIn: { vigil, as: VERA } });
    try {
      await viewer.page.goto(`${vigil.baseUrl}${pmPath}`);
      const box = viewer.page.getByTestId('postmortem-editor');
      await box.waitFor();
      expect(await box.inputValue()).toBe(saved);
      expect(await box.getAttribute('readonly')).not.toBeNull();
      expect(await viewer.page.getByTestId('postmortem-save').isDisabled()).toBe(true);
      expect(await viewer.page.getByTestId('postmortem-refusal').textContent()).toContain('Only responders and admins can edit post-mortems; you are signed in as viewer');
      await viewer.page.goto(`${vigil.baseUrl}/`);
      const item = viewer.page.getByTestId('action-item').filter({ hasText: ITEM_RESTART });
      await item.waitFor();
      expect(await item.locator('input[type="checkbox"]').isDisabled()).toBe(true);
      expect(viewer.problems).toEqual([]);
    } finally {
      await viewer.close();
    }
  });

  it('shows open action items on the board, linked to their incident, and a responder ticks one done', async () => {
    await page.goto(`${vigil.baseUrl}/`);
    const panel = page.getByTestId('action-items');
    const item = panel.getByTestId('action-item').filter({ hasText: ITEM_RESTART });
    await item.waitFor();
    expect(await panel.getByTestId('action-item').filter({ hasText: ITEM_RULE }).count()).toBe(1);
    expect(await item.getByRole('link', { name: /ApiDown|pm-api/ }).first().getAttribute('href')).toBe(`/incidents/${encodeURIComponent(incidentId)}`);
    await screenshot(page, 'board-action-items-light.png');

    const before = (await latest()).version;
    const [tick] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH'),
      item.getByLabel(ITEM_RESTART).check(),
    ]);
    expect(tick.status()).toBe(200);
    await expect.poll(() => item.getAttribute('data-done')).toBe('true');
    const after = await latest();
    expect(after.version).toBe(before + 1);
    expect(after.markdown).toContain(`- [x] ${ITEM_RESTART}`);
    expect(after.markdown).toContain(`- [ ] ${ITEM_RULE}`);
    const open = await admin.request('GET', '/api/action-items?status=open');
    expect((open.body.items as Array<{ text: string }>).map((i) => i.text)).not.toContain(ITEM_RESTART);

    // The second item of the same post-mortem ticks without a conflict with the first.
    await panel.getByTestId('action-item').filter({ hasText: ITEM_RULE }).getByLabel(ITEM_RULE).check();
    await expect.poll(async () => (await latest()).markdown).toContain(`- [x] ${ITEM_RULE}`);

    await setTheme(page, 'dark');
    await screenshot(page, 'board-action-items-dark.png');
    await setTheme(page, 'light');
  });

  it('fits a phone: editor above preview, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${vigil.baseUrl}${pmPath}`);
      await editor().waitFor();
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await screenshot(page, 'postmortem-phone.png');
    } finally {
      await page.setViewportSize({ width: 1280, height: 720 });
    }
    expect(browser.problems).toEqual([]);
  });
});
