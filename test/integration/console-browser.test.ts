/**
 * The web console in a real browser (Chromium) against a real site over HTTP on loopback: sign-in
 * with a token, the synchronization status of the site and of its child, SyncNow refused for a read
 * token and run for an operator's, live state until the run finishes, the run history and the
 * status messages; data shown as text, never as markup; no script errors.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createApiToken } from '../../src/api/auth.ts';
import { buildHttpServer } from '../../src/app-http.ts';
import { browserSkip, chromiumPath } from '../helpers/browser.ts';
import { IDS } from '../helpers/revisions.ts';
import { type ChildFixture, createChild, SUBSCRIPTION, startUpstream, type UpstreamFixture } from '../helpers/sites.ts';
import { startUpstreamProxy, type UpstreamProxy } from '../helpers/upstream-proxy.ts';

const WAIT_MS = 20_000;

describe('the web console in a browser', { skip: browserSkip, concurrency: 1 }, () => {
  let upstream: UpstreamFixture;
  /** Between the site and its upstream, so a test can hold the sync mid-way. */
  let proxy: UpstreamProxy;
  let site: ChildFixture;
  let child: ChildFixture;
  let siteHttp: FastifyInstance;
  let childHttp: FastifyInstance;
  let base = '';
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const tokens = { read: '', operator: '', admin: '', marked: '' };

  before(async () => {
    upstream = await startUpstream(200, 'console');
    proxy = await startUpstreamProxy(upstream.url);
    site = await createChild(proxy.url, { ...SUBSCRIPTION, siteCode: 'CS1', supName: 'sup1.contoso.test' });
    siteHttp = await buildHttpServer({ site: site.site });
    base = await siteHttp.listen({ host: '127.0.0.1', port: 0 });
    child = await createChild(base, { ...SUBSCRIPTION, siteCode: 'PS1', supName: 'sup1.ps1.contoso.test' });
    childHttp = await buildHttpServer({ site: child.site });
    const childUrl = await childHttp.listen({ host: '127.0.0.1', port: 0 });
    const childToken = (await createApiToken(child.site.store, 'parent CS1', 'operator', () => new Date())).token;
    await site.site.store.putChildSite({
      siteCode: 'PS1',
      url: childUrl,
      token: childToken,
      addedAt: new Date().toISOString(),
    });
    const store = site.site.store;
    tokens.read = (await createApiToken(store, 'console reader', 'read', () => new Date())).token;
    tokens.operator = (await createApiToken(store, 'console operator', 'operator', () => new Date())).token;
    tokens.admin = (await createApiToken(store, 'console admin', 'admin', () => new Date())).token;
    tokens.marked = (await createApiToken(store, '<b>bold</b> operator', 'operator', () => new Date())).token;
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (m) => {
      // A refused API call is also logged by the browser itself; only the page's own errors count.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await childHttp?.close();
    await child?.site.close();
    await siteHttp?.close();
    await site?.site.close();
    await proxy?.close();
    await upstream?.close();
  });

  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
  /** The newest row of the run history once it shows `state` (and `also`), as its cells' texts. */
  const newestRun = async (state: string, also?: string) => {
    const run = page.locator('#runs tbody tr').first();
    await run
      .filter({ hasText: state })
      .filter({ hasText: also ?? '' })
      .waitFor({ timeout: WAIT_MS });
    return run.locator('td').allInnerTexts();
  };
  const signIn = async (token: string) => {
    await page.fill('#token', token);
    await page.click('#sign-in-form button[type=submit]');
  };

  it('is served under /console with a strict content security policy, and asks for a token', async () => {
    const res = await page.goto(`${base}/console`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/console/');
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(res?.headers()['x-content-type-options'], 'nosniff');
    assert.equal(await page.locator('#sign-in').isVisible(), true);
    assert.equal(await page.locator('#console').isVisible(), false);
  });

  it('refuses a token the site does not know', async () => {
    await signIn(`sup_${'x'.repeat(43)}`);
    await page.locator('#sign-in').waitFor({ timeout: WAIT_MS });
    await page.locator('#sign-in-error').filter({ hasText: 'AUTH_REQUIRED' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await text('#sign-in-error'), 'This site did not accept that token (AUTH_REQUIRED).');
    assert.equal(await page.locator('#console').isVisible(), false);
  });

  it('with a read token: the status of a site that never synced, and no control its role may not use', async () => {
    await signIn(tokens.read);
    const first = page.locator('#sup-status tbody tr').first();
    await first.filter({ hasText: 'Never synchronized' }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual((await first.locator('td').allTextContents()).slice(0, 2), ['CS1', 'sup1.contoso.test']);
    assert.match(await text('#site-name'), /^Site CS1 · sup1\.contoso\.test$/);
    assert.equal(await text('#caller'), 'console reader (read)');
    assert.equal(await page.locator('#sync-delta').isDisabled(), true);
    assert.equal(await page.locator('#sync-full').isDisabled(), true);
    assert.equal(await page.locator('#upstream-test').isDisabled(), true);
    assert.equal(await page.locator('#update-deployed').isDisabled(), true);
    assert.equal(await page.locator('#sync-stop').isDisabled(), true);
    await page.locator('#pick-classifications input').first().waitFor({ timeout: WAIT_MS });
    const pickerBoxes = page.locator('#subscription-picker input');
    assert.ok((await pickerBoxes.count()) > 0);
    for (const disabled of await pickerBoxes.evaluateAll((boxes) =>
      boxes.map((b) => (b as unknown as { disabled: boolean }).disabled),
    ))
      assert.equal(disabled, true, 'the subscription is for admins');
    await page.locator('#settings input[name="schedule"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#settings-save').isDisabled(), true);
    assert.equal(await page.locator('#settings input[name="schedule"]').isEditable(), false);
    assert.equal(await page.locator('#runs tbody tr').count(), 0, 'nothing was started');
  });

  it('with an operator token: SyncNow starts a sync, followed until it has succeeded, with its status messages', async () => {
    await page.click('#sign-out');
    await signIn(tokens.operator);
    await page.locator('#console').waitFor({ timeout: WAIT_MS });
    assert.equal(await text('#caller'), 'console operator (operator)');
    assert.equal(await page.locator('#settings-save').isDisabled(), true, 'settings are for admins');
    await page.click('#upstream-test');
    await page
      .locator('#action-result')
      .filter({ hasText: /^Upstream / })
      .waitFor({ timeout: WAIT_MS });
    assert.match(
      await text('#action-result'),
      new RegExp(
        `^Upstream ${proxy.url.replaceAll('.', '\\.')} answered in \\d+ ms \\(protocol 1\\.20, 100 updates per request\\)$`,
      ),
    );
    // The updates phase's GetUpdateData (the second: the first is the categories') waits until the
    // console shows that phase, which reaches it over the run's event stream.
    const streams: { path: string; authorization: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events'))
        streams.push({ path: new URL(r.url()).pathname, authorization: r.headers().authorization });
    });
    const held = proxy.hold('GetUpdateData', 2);
    let shownTotal = '';
    await page.click('#sync-delta');
    await page
      .locator('#action-result')
      .filter({ hasText: /^Sync #1 / })
      .waitFor({ timeout: WAIT_MS });
    try {
      await held.reached;
      await page
        .locator('#progress-detail')
        .filter({ hasText: /^processed 0 out of \d+ items \(0%\)$/ })
        .waitFor({ timeout: WAIT_MS });
      shownTotal = (await text('#progress-detail')).split(' ')[4] ?? '';
      assert.equal(await text('#progress-phase'), 'Run #1: Synchronizing updates');
      assert.equal(await page.locator('#progress').isVisible(), true);
      assert.deepEqual(streams, [{ path: '/api/v1/runs/1/events', authorization: `Bearer ${tokens.operator}` }]);
    } finally {
      held.release();
    }
    const cells = await newestRun('succeeded');
    assert.equal(cells[0], '#1');
    assert.equal(cells[1], 'succeeded');
    assert.equal(cells[2], 'full', 'the first sync is full whatever was asked');
    assert.equal(cells[3], 'first synchronization from this upstream');
    assert.equal(cells[4], 'api (console operator)');
    assert.match(cells[6] ?? '', /^0d00h\d\dm\d\ds$/);
    assert.match(cells[7] ?? '', /^\d+ \/ \d+ \/ 0 \/ \d+ \/ 0 \/ 0$/);
    assert.equal(cells[7]?.split(' / ')[0], shownTotal, 'the progress counted what the run listed');
    assert.equal(cells[8], '1');
    const own = page.locator('#sup-status tbody tr').first();
    await own.filter({ hasText: 'Synchronization completed (6702)' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#progress').isVisible(), false, 'no progress once the run is over');
    const ids = await page.locator('#messages tbody tr td:nth-child(2)').allInnerTexts();
    assert.deepEqual(ids.slice(0, 4), ['6702', '6705', '6704', '6701']);
    // wsyncmgr.log, newest first (its last 100 entries): the run's updates below its success, its
    // sync time above it.
    const succeeded = 'Sync succeeded. Setting sync alert to canceled state on site CS1';
    await page.locator('#log tbody tr').filter({ hasText: succeeded }).waitFor({ timeout: WAIT_MS });
    const lines = await page.locator('#log tbody td:nth-child(3)').allTextContents();
    const at = (find: (line: string) => boolean) => lines.findIndex(find);
    assert.ok(at((l) => l.startsWith('Sync time: 0d00h')) < at((l) => l === succeeded), lines.join('\n'));
    assert.ok(at((l) => l === succeeded) < at((l) => l.startsWith('Synchronizing update ')), lines.join('\n'));
    assert.equal(lines.length, 100);
    assert.equal(await text('#log-path'), join(site.dir, 'logs', 'wsyncmgr.log'));
  });

  it('searches the updates the site holds, as GET /updates answers, and pages through them', async () => {
    const apiTotal = async (query: string) => {
      const res = await fetch(`${base}/api/v1/updates?${query}`, {
        headers: { authorization: `Bearer ${tokens.read}` },
      });
      return ((await res.json()) as { total: number }).total;
    };
    const summary = page.locator('#updates-summary');
    const search = async () => {
      await page.click('#updates-form button[type=submit]');
      await summary.filter({ hasNotText: 'Searching' }).waitFor({ timeout: WAIT_MS });
      return (await summary.textContent()) ?? '';
    };
    const all = await apiTotal('');
    assert.ok(all > 0);
    assert.equal(await search(), `1–${Math.min(all, 50)} of ${all} updates`);

    await page.selectOption('#f-product', { label: 'Windows 11' });
    await page.selectOption('#f-superseded', 'false');
    const current = await apiTotal(`productId=${IDS.windows11}&superseded=false`);
    assert.ok(current > 0 && current < all, `${current} of ${all}`);
    assert.equal(await search(), `1–${Math.min(current, 50)} of ${current} updates`);
    assert.ok((await page.locator('#updates tbody td:nth-child(6)').allTextContents()).every((c) => c === ''));

    const kb = (await page.locator('#updates tbody tr td:first-child').first().textContent()) ?? '';
    assert.match(kb, /^\d+$/);
    await page.fill('#f-kb', `KB${kb}`);
    await search();
    const kbs = await page.locator('#updates tbody td:first-child').allTextContents();
    assert.ok(kbs.length > 0 && kbs.every((k) => k === kb), kbs.join(','));

    await page.fill('#f-kb', '');
    await page.selectOption('#f-product', '');
    await page.selectOption('#f-superseded', '');
    await page.fill('#f-text', 'no such update title');
    assert.equal(await search(), 'No updates match.');
    await page.fill('#f-text', '');
    await page.selectOption('#f-deployed', 'true');
    assert.equal(await search(), 'No updates match.', 'nothing is deployed yet');
    await page.selectOption('#f-deployed', 'false');
    assert.equal(await search(), `1–${Math.min(all, 50)} of ${all} updates`);
    await page.selectOption('#f-deployed', '');

    await page.fill('#f-text', '');
    await search();
    assert.equal(await page.locator('#updates-prev').isDisabled(), true);
    if (all > 50) {
      await page.click('#updates-next');
      await summary.filter({ hasText: /^51–/ }).waitFor({ timeout: WAIT_MS });
      assert.equal(await summary.textContent(), `51–${Math.min(all, 100)} of ${all} updates`);
    }
  });

  it("shows an update's details with its categories by name, follows what supersedes it; an operator marks it deployed", async () => {
    const api = async <T>(path: string): Promise<T> =>
      (await (
        await fetch(`${base}/api/v1/${path}`, { headers: { authorization: `Bearer ${tokens.read}` } })
      ).json()) as T;
    type Update = { CI_UniqueID: string; LocalizedDisplayName: string; SupersededBy: string[]; IsDeployed: boolean };
    const [superseded] = (await api<{ items: Update[] }>(`updates?productId=${IDS.windows11}&superseded=true&limit=1`))
      .items;
    assert.ok(superseded, 'the catalog has a superseded Windows 11 update');
    const fields = () =>
      page.$$eval('#update-fields dt', (dts) =>
        Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ''])),
      );
    const details = page.locator('#update-details');
    const showing = (id: string) =>
      page
        .locator('#update-fields dd')
        .filter({ hasText: new RegExp(`^${id}$`) })
        .waitFor({ timeout: WAIT_MS });

    await page.selectOption('#f-product', { label: 'Windows 11' });
    await page.selectOption('#f-superseded', 'true');
    await page.click('#updates-form button[type=submit]');
    const link = page.locator('#updates tbody tr td:nth-child(2) button', { hasText: superseded.LocalizedDisplayName });
    await link.first().click();
    await showing(superseded.CI_UniqueID);
    assert.equal(await details.isVisible(), true);
    assert.equal(await text('#update-title'), superseded.LocalizedDisplayName);
    const shown = await fields();
    assert.match(shown.Products ?? '', /(^|, )Windows 11(,|$)/);
    assert.notEqual(shown.Classifications, '');
    assert.doesNotMatch(shown.Classifications ?? '', /[0-9a-f]{8}-/, 'classifications by name, not id');
    assert.equal(shown.Superseded, `Yes, by: ${superseded.SupersededBy.join(' ')}`);
    assert.equal(shown.Deployed, 'No');

    // What supersedes it is one click away.
    const by = superseded.SupersededBy[0] as string;
    await page.locator('#update-fields dd button', { hasText: by }).click();
    await showing(by);
    const superseding = await api<Update>(`updates/${by}`);
    assert.equal(await text('#update-title'), superseding.LocalizedDisplayName);

    // An operator marks it deployed, and takes the mark off again.
    assert.equal(await page.locator('#update-deployed').isDisabled(), false);
    await page.click('#update-deployed');
    await page.locator('#update-deployed', { hasText: 'Mark not deployed' }).waitFor({ timeout: WAIT_MS });
    assert.equal((await fields()).Deployed, 'Yes');
    assert.equal((await api<Update>(`updates/${by}`)).IsDeployed, true);
    await page.click('#update-deployed');
    await page.locator('#update-deployed', { hasText: /^Mark deployed$/ }).waitFor({ timeout: WAIT_MS });
    assert.equal((await api<Update>(`updates/${by}`)).IsDeployed, false);
    await page.selectOption('#f-product', '');
    await page.selectOption('#f-superseded', '');
  });

  it('an operator stops a running sync; the run history says it was cancelled, and by whom', async () => {
    const held = proxy.hold('GetRevisionIdList', 1);
    await page.click('#sync-delta');
    try {
      await held.reached;
      await page.locator('#progress').waitFor({ state: 'visible', timeout: WAIT_MS });
      assert.equal(await page.locator('#sync-stop').isDisabled(), false);
      await page.click('#sync-stop');
      await page
        .locator('#action-result')
        .filter({ hasText: /^Sync #\d+ stops at its next safe point$/ })
        .waitFor({ timeout: WAIT_MS });
    } finally {
      held.release();
    }
    const cells = await newestRun('cancelled');
    assert.equal(cells[1], 'cancelled');
    assert.equal(cells[9], 'ABORTED: cancelled by console operator');
    await page.locator('#progress').waitFor({ state: 'hidden', timeout: WAIT_MS });
  });

  it('an admin changes settings, all together or none; the answer says when the next sync becomes full', async () => {
    const settings = async () => {
      const res = await fetch(`${base}/api/v1/settings`, { headers: { authorization: `Bearer ${tokens.read}` } });
      return ((await res.json()) as { settings: Record<string, string> }).settings;
    };
    const input = (key: string) => page.locator(`#settings input[name="${key}"]`);
    const result = page.locator('#settings-result');
    const save = async () => {
      await page.click('#settings-form button[type=submit]');
      await result.filter({ hasText: /./ }).waitFor({ timeout: WAIT_MS });
      const text = (await result.textContent()) ?? '';
      await page.evaluate("document.getElementById('settings-result').textContent = ''");
      return text;
    };
    await page.click('#sign-out');
    await signIn(tokens.admin);
    const before = await settings();
    await page.locator('#caller').filter({ hasText: 'console admin (admin)' }).waitFor({ timeout: WAIT_MS });
    await input('schedule').waitFor({ timeout: WAIT_MS });
    assert.equal(await input('schedule').inputValue(), before.schedule);
    await page
      .locator('#next-sync')
      .filter({ hasText: /^Next synchronization: delta / })
      .waitFor({ timeout: WAIT_MS });

    await input('schedule').fill('daily:03:00');
    await input('full-sync-interval-days').fill('soon');
    assert.match(await save(), /^CONFIG_INVALID: full-sync-interval-days: /);
    assert.deepEqual(await settings(), before, 'nothing applied');

    await input('full-sync-interval-days').fill(before['full-sync-interval-days'] ?? '');
    await input('supersedence').fill('immediate');
    assert.equal(
      await save(),
      'Saved supersedence, schedule. Next synchronization: full (supersedence rules changed). ' +
        'This change makes the next synchronization full.',
    );
    const after = await settings();
    assert.equal(after.schedule, 'daily:03:00');
    assert.equal(after.supersedence, 'immediate');
    assert.equal(await save(), 'Nothing changed.');
  });

  it('an admin picks products and classifications from the catalog, grouped by company and family', async () => {
    const settings = async () => {
      const res = await fetch(`${base}/api/v1/settings`, { headers: { authorization: `Bearer ${tokens.read}` } });
      return ((await res.json()) as { settings: Record<string, string> }).settings;
    };
    const res = await fetch(`${base}/api/v1/categories?type=Product`, {
      headers: { authorization: `Bearer ${tokens.read}` },
    });
    const office = (
      (await res.json()) as { items: { CategoryId: string; LocalizedCategoryInstanceName: string }[] }
    ).items.find((c) => c.LocalizedCategoryInstanceName === 'Office 2016');
    assert.ok(office, 'the catalog has Office 2016');
    const box = (container: string, title: string) =>
      page.locator(`#${container} label`, { hasText: new RegExp(`^ ${title}$`) }).locator('input');
    const products = page.locator('#settings input[name="products"]');

    await box('pick-products', 'Windows 11').waitFor({ timeout: WAIT_MS });
    assert.equal(await box('pick-products', 'Windows 11').isChecked(), true);
    assert.equal(await box('pick-products', 'Microsoft Defender Antivirus').isChecked(), true);
    assert.equal(await box('pick-products', 'Office 2016').isChecked(), false);
    assert.equal(await box('pick-classifications', 'Security Updates').isChecked(), true);
    assert.equal(await box('pick-classifications', 'Updates').isChecked(), false);
    const groups = await page.locator('#pick-products .pick-group').allTextContents();
    assert.ok(groups.includes('Microsoft › Windows'), groups.join(' | '));
    assert.ok(groups.includes('Microsoft › Office'), groups.join(' | '));

    await box('pick-products', 'Office 2016').check();
    const picked = (await products.inputValue()).split(',');
    assert.deepEqual([...picked].sort(), [...SUBSCRIPTION.products, office.CategoryId].sort());
    await page.click('#settings-form button[type=submit]');
    await page
      .locator('#settings-result')
      .filter({ hasText: /^Saved products\. / })
      .waitFor({ timeout: WAIT_MS });
    assert.match((await page.locator('#settings-result').textContent()) ?? '', /subscription changed/);
    assert.deepEqual((await settings()).products?.split(',').sort(), [...picked].sort());

    // "All" takes every product, including ones a later sync brings; the boxes then rest.
    await box('pick-products', 'All, including products added later').check();
    assert.equal(await products.inputValue(), 'all');
    assert.equal(await box('pick-products', 'Office 2016').isDisabled(), true);
    await box('pick-products', 'All, including products added later').uncheck();
    await box('pick-products', 'Office 2016').uncheck();
    await page.click('#settings-form button[type=submit]');
    await page
      .locator('#settings-result')
      .filter({ hasText: /^Saved products\. / })
      .waitFor({ timeout: WAIT_MS });
    assert.deepEqual((await settings()).products?.split(',').sort(), [...SUBSCRIPTION.products].sort());
  });

  it("shows the child site's own status below the site, at the site's catalog version", async () => {
    await site.site.childNotificationsSettled();
    await waitFor(async () => (await child.site.store.listRuns(1))[0]?.state === 'succeeded', 'the child sync');
    await page.reload();
    const row = page.locator('#sup-status tbody tr.child');
    await row.filter({ hasText: 'PS1' }).waitFor({ timeout: WAIT_MS });
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], '↳ PS1');
    assert.equal(cells[1], 'sup1.ps1.contoso.test');
    assert.equal(cells[2], base);
    assert.equal(cells[3], '1');
    assert.equal(cells[4], 'Synchronization completed (6702)');

    // The site moves on without its child (say the notification was lost): the child is flagged.
    await site.site.store.setCatalogVersion(5);
    await page.reload();
    const ps1 = row.filter({ hasText: 'PS1' });
    await ps1.filter({ hasText: 'behind' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await ps1.locator('td').nth(3).textContent(), '1 (behind CS1 at 5)');

    // A child that cannot be asked: its row says why, in the state column.
    await site.site.store.putChildSite({
      siteCode: 'PS9',
      url: 'http://127.0.0.1:9',
      token: tokens.read,
      addedAt: new Date().toISOString(),
    });
    await page.reload();
    const ps9 = row.filter({ hasText: 'PS9' });
    await ps9.waitFor({ timeout: WAIT_MS });
    const gone = await ps9.locator('td').allTextContents();
    assert.equal(gone.length, 10);
    assert.equal(gone[0], '↳ PS9');
    assert.match(gone[4] ?? '', /^unreachable: /);
    await site.site.store.removeChildSite('PS9');
  });

  it('shows what callers named as text, never as markup', async () => {
    await page.click('#sign-out');
    await signIn(tokens.marked);
    await page.locator('#console').waitFor({ timeout: WAIT_MS });
    await page.click('#sync-full');
    const cells = await newestRun('succeeded', '<b>bold</b> operator');
    assert.equal(cells[4], 'api (<b>bold</b> operator)');
    assert.equal(await page.locator('#runs b').count(), 0);
  });

  it('keeps the token in the tab only, and raised no script error', async () => {
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    const stored = (await page.evaluate(
      "({ session: sessionStorage.getItem('supsync.token'), local: localStorage.length, cookie: document.cookie })",
    )) as { session: string | null; local: number; cookie: string };
    assert.equal(stored.session, tokens.marked);
    assert.equal(stored.local, 0);
    assert.equal(stored.cookie, '');
    await page.click('#sign-out');
    assert.equal(await page.evaluate("sessionStorage.getItem('supsync.token')"), null);
    assert.deepEqual(pageErrors, []);
  });
});

async function waitFor(probe: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
