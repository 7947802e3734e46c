// Which replica leads, as a person sees it: two Vigils started by `npm start` on one FerretDB, a
// browser signed in on the follower. Its header names this replica and the leader; the Status page
// adds the term; when the leader stops, the header names this replica as the leader without a
// reload (the `cluster:leader` event); with the store gone no replica can lead, and the page says a
// failover is under way.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWith, requireComponent, type Availability } from '../server/test/harness/components.ts';
import { probeFerretDb, startFerretDb, type FerretDb } from '../server/test/harness/ferretdb.ts';
import { startVigil, type VigilProcess } from './harness/server.ts';
import { chromiumAvailability, type BrowserSession } from './harness/browser.ts';
import { screenshotThemes } from './harness/flow.ts';
import { openBrowser, signIn } from './harness/session.ts';

const chromium = await chromiumAvailability();
const ferret = await requireComponent('FerretDB', probeFerretDb);
const both: Availability<string> = !chromium.ok ? chromium : !ferret.ok ? { ok: false, reason: ferret.reason } : chromium;

interface Cluster { replica: string; role: string; leader: string | null; term: number }

async function clusterOf(vigil: VigilProcess): Promise<Cluster | undefined> {
  const res = await fetch(`${vigil.baseUrl}/readyz`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const body = await res.json() as { cluster?: Cluster };
  return body.cluster;
}

/** Polls `probe` until it gives `want` (beforeAll has no expect.poll). */
async function waitFor<T>(what: string, probe: () => Promise<T>, want: T, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: expected ${String(want)} within ${timeoutMs} ms, last ${String(last)}`);
}

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();

describeWith(both, 'which replica leads, in the browser', (executablePath) => {
  let db: FerretDb;
  let leader: VigilProcess;
  let follower: VigilProcess;
  let browser: BrowserSession;
  let page: Page;
  const adminPassword = 'e2e-cluster-admin-password';

  beforeAll(async () => {
    db = await startFerretDb();
    const env = { MONGODB_URL: `${db.url}vigil-e2e-cluster` };
    // One after the other: `npm start` builds the UI, and the first must lead.
    leader = await startVigil({ name: 'cluster-a', adminPassword, env: { ...env, REPLICA_NAME: 'e2e-a' } });
    await waitFor('the first replica leads', async () => (await clusterOf(leader))?.role, 'leader');
    follower = await startVigil({ name: 'cluster-b', adminPassword, env: { ...env, REPLICA_NAME: 'e2e-b' } });
    await waitFor('the second replica sees the first lead', async () => (await clusterOf(follower))?.leader, 'e2e-a');
    browser = await openBrowser(executablePath);
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await follower?.stop();
    await leader?.stop();
    await db?.stop();
  });

  it('names this replica and the leader in the header, and the term on the Status page', async () => {
    await signIn(page, follower.baseUrl, 'admin', adminPassword);
    const header = page.getByTestId('cluster');
    await header.waitFor();
    expect(await text(page, 'cluster')).toBe('replica e2e-b · leader e2e-a');
    expect(await header.getAttribute('data-failover')).toBeNull();
    await screenshotThemes(page, 'cluster-follower');

    await page.getByRole('link', { name: 'Status' }).click();
    await page.waitForURL((url) => url.pathname === '/status');
    const term = (await clusterOf(follower))?.term;
    expect(await text(page, 'replica')).toBe(`e2e-b · leader e2e-a · term ${term}`);
  });

  it('names this replica as the leader, without a reload, once the leader stops', async () => {
    const before = (await clusterOf(follower))?.term ?? 0;
    await leader.stop();
    await expect.poll(() => text(page, 'cluster'), { timeout: 20_000 }).toBe('replica e2e-b · leader this one');
    const now = await clusterOf(follower);
    expect(now).toMatchObject({ replica: 'e2e-b', role: 'leader', leader: 'e2e-b' });
    expect(now?.term).toBeGreaterThan(before);
    await expect.poll(() => text(page, 'replica'), { timeout: 20_000 }).toBe(`e2e-b · leader this one · term ${now?.term}`);
    await screenshotThemes(page, 'cluster-took-over');
  });

  it('says a failover is under way while no replica can hold the lease (the store is gone)', async () => {
    await db.stop();
    // The lease lapses 10 s after its last renewal; the page reads /readyz every 15 s meanwhile.
    const header = page.getByTestId('cluster');
    await expect.poll(() => header.getAttribute('data-failover'), { timeout: 45_000 }).toBe('true');
    expect(await text(page, 'cluster')).toBe('Failover under way · e2e-b');
    const banner = page.getByTestId('status-banner');
    expect(await banner.textContent()).toMatch(/Failover under way — no replica leads; restarts and pages wait for the next leader\s*since \d{2}:\d{2}:\d{2} UTC/);
    expect(await text(page, 'replica')).toMatch(/^e2e-b failover under way, no replica leads · last term \d+$/);
    await screenshotThemes(page, 'cluster-failover');
  });
});
