/**
 * The real `supsync` command as users run it (`node bin/supsync.mjs …` in a child process, real
 * files in temp dirs, real HTTP on loopback): `wsusss inspect` on real WSUS captures; a site's
 * life from the command line — a generated catalog served by `supsync serve`, `init`, `sync`,
 * `status`, `config get|set`, `token create` — with the exit codes, error lines and wsyncmgr.log
 * admins and scripts rely on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliProcess, type CliResult, jsonOf, runCli, SUPSYNC_BIN } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/sites.ts';

const CAPTURES = fileURLToPath(new URL('../../../shared/fixtures/wsus-captures/', import.meta.url));
const exchange = (n: string, part: 'request' | 'response') => join(CAPTURES, 'exchanges', n, `${part}.body`);
const captureDoc = (name: string) => readFileSync(join(CAPTURES, 'docs', name));

const WINDOWS_11 = '72e7624a-5b00-45d2-b92f-e561c0a6a160';
const DEFENDER = '8c3fcc84-7410-4a95-8b89-a166a0190486';
const SECURITY_UPDATES = '0fa1201d-4330-4fa8-8ae9-b877473b6441';
const DEFINITION_UPDATES = 'e0789628-ce08-4437-be74-2495b842f43b';

/** One CMTrace entry of wsyncmgr.log, as ConfigMgr writes them. */
const CMTRACE_ENTRY =
  /<!\[LOG\[([\s\S]*?)\]LOG\]!><time="\d\d:\d\d:\d\d\.\d{3}[+-]\d{3}" date="\d\d-\d\d-\d{4}" component="SMS_WSUS_SYNC_MANAGER" context="" type="[123]" thread="\d+" file="">\n/g;

/** An `error <CODE>: …` line on stderr, exit 2 (bad input), nothing on stdout. */
function assertInputError(r: { code: number | null; stdout: string; stderr: string }, code: string): void {
  assert.equal(r.code, 2, `exit code 2 for ${code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^error ${code}: \\S`), r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one error line, no stack: ${r.stderr}`);
  assert.equal(r.stdout, '');
}

// The groups run side by side: each command is a process that spends most of a second starting.
describe('supsync as a process', { concurrency: 3 }, () => {
  describe('supsync wsusss inspect on real WSUS captures', { concurrency: 2 }, () => {
    const dir = tempDir('supsync-cli-inspect-');
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('summarises a GetRevisionIdList response: anchor and revision count', async () => {
      const r = await runCli(['wsusss', 'inspect', exchange('000006', 'response')], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(jsonOf(r), {
        kind: 'response',
        operation: 'GetRevisionIdList',
        soapVersion: '1.1',
        anchor: '9438,2026-10-04 16:33:26.671',
        revisionCount: 30,
      });
    });

    it('summarises a fault: ErrorCode InvalidParameters, Message filter', async () => {
      const r = await runCli(['wsusss', 'inspect', exchange('000018', 'response')], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const s = jsonOf(r);
      assert.equal(s.kind, 'fault');
      assert.equal(s.operation, 'GetRevisionIdList');
      assert.equal(s.errorCode, 'InvalidParameters');
      assert.equal(s.message, 'filter');
      assert.equal(s.faultcode, 'soap:Client');
    });

    it('summarises a request: the filter with its anchor and Delta flags', async () => {
      const r = await runCli(['wsusss', 'inspect', exchange('000011', 'request')], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const s = jsonOf<{ kind: string; operation: string; cookie: unknown; filter: Record<string, unknown> }>(r);
      assert.equal(s.kind, 'request');
      assert.equal(s.operation, 'GetRevisionIdList');
      assert.deepEqual(s.cookie, { expiration: '2026-10-04T20:33:26.65455Z' }, 'the cookie shows only its expiry');
      assert.equal(s.filter.anchor, '9438,2026-10-04 16:09:27.371');
      assert.equal(s.filter.getConfig, false);
      assert.deepEqual(s.filter.categories, [{ id: DEFENDER, delta: true }]);
      assert.deepEqual(s.filter.classifications, [{ id: DEFINITION_UPDATES, delta: true }]);
    });

    it('--extract writes each update document as <UpdateID>-r<Revision>.xml, byte for byte the real document', async () => {
      const out = join(dir, 'extracted');
      const expected = {
        '000014': '266f6222-c89d-43f2-9f8a-69340271e677-r200.xml',
        '000015': 'ccb78947-6453-4ecc-9de8-bc0305c98f2d-r200.xml',
        '000016': '56309036-4c77-4dd9-951a-99ee9c246a94-r101.xml',
      };
      const runs = await Promise.all(
        Object.keys(expected).map((n) =>
          runCli(['wsusss', 'inspect', exchange(n, 'response'), '--extract', out], { cwd: dir }),
        ),
      );
      for (const [i, [, name]] of Object.entries(expected).entries()) {
        const r = runs[i] as CliResult;
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(jsonOf(r).extracted, [join(out, name)]);
        assert.ok(readFileSync(join(out, name)).equals(captureDoc(name)), `${name} equals docs/${name}`);
      }
      assert.deepEqual(readdirSync(out).sort(), Object.values(expected).sort());

      // The GetUpdateData summary (000014): the update identity, compressed, and its file.
      const s = jsonOf<{ kind: string; operation: string; updates: Record<string, unknown>[]; fileUrls: unknown[] }>(
        runs[0] as CliResult,
      );
      assert.equal(s.kind, 'response');
      assert.equal(s.operation, 'GetUpdateData');
      assert.equal(s.updates.length, 1);
      const { bytes, ...identity } = s.updates[0] ?? {};
      assert.deepEqual(identity, {
        updateId: '266f6222-c89d-43f2-9f8a-69340271e677',
        revisionNumber: 200,
        compressed: true,
        fileDigests: ['h/W9BGlYUAaqXTp30cZi/SiV3c0='],
      });
      assert.ok(typeof bytes === 'number' && bytes > 0);
      assert.equal(s.fileUrls.length, 1);
    });

    it('bad input is one error line and exit code 2, and nothing is written', async () => {
      const secret = join(dir, 'secret.txt');
      writeFileSync(secret, 'TOP-SECRET-MARKER');
      const notXml = join(dir, 'not-xml.body');
      writeFileSync(notXml, 'HTTP/1.1 502 Bad Gateway\r\n\r\nupstream down');
      const xxe = join(dir, 'xxe.body');
      writeFileSync(
        xxe,
        `<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY leak SYSTEM "file://${secret}">]>` +
          '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
          '<GetRevisionIdListResponse xmlns="http://www.microsoft.com/SoftwareDistribution"><GetRevisionIdListResult>' +
          '<Anchor>&leak;</Anchor></GetRevisionIdListResult></GetRevisionIdListResponse></soap:Body></soap:Envelope>',
      );
      const cases: [string, string][] = [
        [notXml, 'XML_MALFORMED'],
        [xxe, 'XML_DTD_FORBIDDEN'],
        [join(dir, 'no-such-capture.body'), 'INPUT_INVALID'],
      ];
      const out = (code: string) => join(dir, `out-${code}`);
      const runs = await Promise.all(
        cases.map(([file, code]) => runCli(['wsusss', 'inspect', file, '--extract', out(code)], { cwd: dir })),
      );
      for (const [i, [, code]] of cases.entries()) {
        const r = runs[i] as CliResult;
        assertInputError(r, code);
        assert.ok(!r.stderr.includes('TOP-SECRET-MARKER'), 'the entity is never resolved');
        assert.equal(existsSync(out(code)), false, `nothing written for ${code}`);
      }
    });
  });

  describe('refusals: one error line, exit code 2', { concurrency: 1 }, () => {
    const root = tempDir('supsync-cli-refuse-');
    after(() => rmSync(root, { recursive: true, force: true }));

    it('sync and status on a database without a site: STORE_NOT_INITIALIZED', async () => {
      const empty = join(root, 'empty.db');
      const [sync, status] = await Promise.all([
        runCli(['sync', '--db', empty, '--json'], { cwd: root }),
        runCli(['status', '--db', empty], { cwd: root }),
      ]);
      assertInputError(sync, 'STORE_NOT_INITIALIZED');
      assertInputError(status, 'STORE_NOT_INITIALIZED');
      assert.equal(existsSync(empty), false, 'a mistyped path leaves no empty database behind');
    });

    it('a reader that closes the pipe early ends the command quietly, exit 0', async () => {
      const child = spawn(process.execPath, [SUPSYNC_BIN, '--version'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(stderr, '');
      assert.equal(code, 0);
    });

    it('init with a product the catalog does not have: CONFIG_UNKNOWN_CATEGORY', async () => {
      const db = join(root, 'unknown-product.db');
      const r = await runCli(
        ['init', '--db', db, '--upstream', 'http://127.0.0.1:9', '--products', 'No Such Product'],
        {
          cwd: root,
        },
      );
      assertInputError(r, 'CONFIG_UNKNOWN_CATEGORY');
      assert.match(r.stderr, /products: .*"No Such Product"/);
      assert.equal(existsSync(db), false, 'a refused init creates no database');
    });
  });

  describe('a site from the command line: catalog, serve, init, sync, status, config, token', {
    concurrency: 1,
  }, () => {
    const root = tempDir('supsync-cli-site-');
    const upstreamDb = join(root, 'upstream', 'upstream.db');
    const siteDir = join(root, 'site');
    const siteDb = join(siteDir, 'site.db');
    let serve: CliProcess | undefined;
    let upstreamUrl = '';
    const cli = (...args: string[]) => runCli(args, { cwd: root });

    before(async () => {
      mkdirSync(join(root, 'upstream'));
      mkdirSync(siteDir);
    });
    after(async () => {
      await serve?.kill();
      rmSync(root, { recursive: true, force: true });
    });

    it('catalog generate --json builds a Microsoft Update stand-in', async () => {
      const r = await cli('catalog', 'generate', '--db', upstreamDb, '--updates', '300', '--seed', 's', '--json');
      assert.equal(r.code, 0, r.stderr);
      const report = jsonOf<{ categories: number; updates: number; revisions: number; seconds: number }>(r);
      assert.equal(report.updates, 300);
      assert.ok(report.categories > 10, `categories: ${report.categories}`);
      assert.ok(report.revisions >= report.updates);
    });

    it('serve --port 0 serves it and prints its address', async () => {
      serve = new CliProcess(['serve', '--db', upstreamDb, '--port', '0'], { cwd: root });
      const m = await serve.waitForOutput(/^supsync serving (http:\/\/127\.0\.0\.1:\d+)\n/m);
      upstreamUrl = m[1] as string;
      await serve.waitForOutput(/MS-WSUSSS: .*\/ServerSyncWebService\/ServerSyncWebService\.asmx\n/);
      const health = await fetch(`${upstreamUrl}/health`);
      assert.equal(health.status, 200);
    });

    it('init: products and classifications by exact title and by GUID', async () => {
      const r = await cli(
        'init',
        '--db',
        siteDb,
        '--upstream',
        upstreamUrl,
        '--products',
        `Windows 11,${DEFENDER}`,
        '--classifications',
        `Security Updates,${DEFINITION_UPDATES}`,
        '--sup-name',
        'sup1.contoso.test',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Created site CS1 in .*site\.db, upstream http:\/\/127\.0\.0\.1:\d+\n$/);
    });

    it('sync --json: the first sync is full, with kind, reason and counts', async () => {
      const r = await cli('sync', '--db', siteDb, '--json');
      assert.equal(r.code, 0, r.stderr);
      const run = jsonOf<{
        state: string;
        kind: string;
        reason: string;
        trigger: string;
        upstreamUrl: string;
        catalogVersion: number;
        categories: Record<string, number>;
        updates: Record<string, number>;
      }>(r);
      assert.equal(run.state, 'succeeded');
      assert.equal(run.kind, 'full');
      assert.equal(run.reason, 'first synchronization from this upstream');
      assert.equal(run.trigger, 'cli');
      assert.equal(run.upstreamUrl, upstreamUrl);
      assert.equal(run.catalogVersion, 1);
      assert.ok((run.categories.downloaded ?? 0) > 0);
      assert.ok((run.updates.downloaded ?? 0) > 10, `updates downloaded: ${run.updates.downloaded}`);
      assert.ok((run.updates.downloaded ?? 0) < 300, 'only the subscription, not the whole catalog');
      assert.equal(run.updates.failed, 0);
    });

    it('sync --plan says the next sync is a delta and why; status --json has the SMS_SUPSyncStatus fields', async () => {
      const [plan, status] = await Promise.all([
        cli('sync', '--db', siteDb, '--plan'),
        cli('status', '--db', siteDb, '--json'),
      ]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.equal(plan.stdout, 'next sync: delta\nwhy: changes since the last successful sync\n');
      assert.equal(status.code, 0, status.stderr);
      const s = jsonOf(status);
      assert.equal(s.SiteCode, 'CS1');
      assert.equal(s.WSUSServerName, 'sup1.contoso.test');
      assert.equal(s.WSUSSourceServer, upstreamUrl);
      assert.equal(s.LastSyncState, 6702);
      assert.equal(s.LastSyncErrorCode, 0);
      assert.equal(s.ReplicationLinkStatus, 0);
      assert.ok(typeof s.SyncCatalogVersion === 'number' && s.SyncCatalogVersion >= 1);
      assert.equal(s.LastSyncKind, 'full');
      assert.equal(s.LastSyncReason, 'first synchronization from this upstream');
      assert.ok(typeof s.LastSuccessfulSyncTime === 'string');
    });

    it('log prints the last entries of wsyncmgr.log beside the database, oldest first', async () => {
      const r = await cli('log', '--db', siteDb, '--lines', '3');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 3);
      assert.ok(
        lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}[IWE] {2}\S/.test(l)),
        r.stdout,
      );
      assert.match(lines.at(-1) ?? '', /Sync time: 0d\d\dh\d\dm\d\ds$/);
      const json = jsonOf<{ path: string; items: { message: string }[] }>(await cli('log', '--db', siteDb, '--json'));
      assert.equal(json.path, join(siteDir, 'logs', 'wsyncmgr.log'));
      assert.ok(
        json.items.some((e) => e.message === 'Sync succeeded. Setting sync alert to canceled state on site CS1'),
      );
      const missing = await cli('log', '--db', join(siteDir, 'elsewhere', 'x.db'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^error NOT_FOUND: no wsyncmgr\.log at /);
    });

    it('status --messages lists what the sync manager said, newest first', async () => {
      const r = await cli('status', '--db', siteDb, '--messages', '2');
      assert.equal(r.code, 0, r.stderr);
      const said = r.stdout.slice(r.stdout.indexOf('Status messages (SMS_WSUS_SYNC_MANAGER):\n'));
      assert.match(
        said,
        /^Status messages \(SMS_WSUS_SYNC_MANAGER\):\n {2}\S+Z {2}I {2}6702 {2}.*\n {2}\S+Z {2}I {2}\d{4} {2}.*\n$/,
      );
      const json = jsonOf<{ StatusMessages: { messageId: number }[] }>(
        await cli('status', '--db', siteDb, '--json', '--messages'),
      );
      assert.equal(json.StatusMessages.at(-1)?.messageId, 6701, 'the first sync started with 6701');
    });

    it('categories list: products by company and family, classifications, [x] where subscribed', async () => {
      const tree = await cli('categories', 'list', '--db', siteDb, '--subscribed');
      assert.equal(tree.code, 0, tree.stderr);
      assert.match(
        tree.stdout,
        new RegExp(
          '^Classifications \\(2 of \\d+ subscribed\\):\n' +
            `  \\[x\\] Definition Updates  ${DEFINITION_UPDATES}\n` +
            `  \\[x\\] Security Updates  ${SECURITY_UPDATES}\n` +
            'Products \\(2 of \\d+ subscribed\\), by company and product family:\n' +
            '  Microsoft  [0-9a-f-]{36}\n',
        ),
      );
      assert.match(
        tree.stdout,
        new RegExp(`^    Windows  [0-9a-f-]{36}\n      \\[x\\] Windows 11  ${WINDOWS_11}$`, 'm'),
      );
      assert.match(tree.stdout, new RegExp(`^      \\[x\\] Microsoft Defender Antivirus  ${DEFENDER}$`, 'm'));
      assert.doesNotMatch(tree.stdout, /\[ \]/, 'only what is subscribed');

      const all = await cli('categories', 'list', '--db', siteDb, '--type', 'product', '--json');
      assert.equal(all.code, 0, all.stderr);
      const { items } = jsonOf<{ items: { CategoryId: string; CategoryTypeName: string; IsSubscribed: boolean }[] }>(
        all,
      );
      assert.ok(items.length > 2 && items.every((c) => c.CategoryTypeName === 'Product'));
      assert.deepEqual(
        items
          .filter((c) => c.IsSubscribed)
          .map((c) => c.CategoryId)
          .sort(),
        [DEFENDER, WINDOWS_11].sort(),
      );
      assertInputError(await cli('categories', 'list', '--db', siteDb, '--type', 'Detectoid'), 'INPUT_INVALID');
    });

    it('updates show one update; updates deployed marks it, --not takes the mark off', async () => {
      const page = jsonOf<{ items: { CI_UniqueID: string; LocalizedDisplayName: string }[] }>(
        await cli('updates', 'list', '--db', siteDb, '--limit', '1', '--json'),
      );
      const first = page.items[0];
      assert.ok(first);
      const id = first.CI_UniqueID;
      const shown = await cli('updates', 'show', '--db', siteDb, id.toUpperCase());
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        new RegExp(
          `^LocalizedDisplayName +${first.LocalizedDisplayName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nCI_UniqueID +${id}\n`,
        ),
      );
      assert.match(shown.stdout, /^IsDeployed +No$/m);

      const marked = await cli('updates', 'deployed', '--db', siteDb, id, id);
      assert.equal(marked.stdout, '1 of 1 update(s) marked deployed\n');
      const after = jsonOf<{ IsDeployed: boolean }>(await cli('updates', 'show', '--db', siteDb, id, '--json'));
      assert.equal(after.IsDeployed, true);
      const unmarked = await cli('updates', 'deployed', '--db', siteDb, '--not', id);
      assert.equal(unmarked.stdout, '1 of 1 update(s) marked not deployed\n');

      assertInputError(await cli('updates', 'show', '--db', siteDb, 'KB5000001'), 'INPUT_INVALID');
      const missing = await cli('updates', 'show', '--db', siteDb, '00000000-0000-0000-0000-000000000001');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^error NOT_FOUND: no software update 00000000-0000-0000-0000-000000000001\n$/);
    });

    it('alerts and audit on a site that has neither: said so, or an empty list', async () => {
      const [alerts, active, audit, auditText] = await Promise.all([
        cli('alerts', '--db', siteDb),
        cli('alerts', '--db', siteDb, '--active'),
        cli('audit', '--db', siteDb, '--json'),
        cli('audit', '--db', siteDb),
      ]);
      assert.equal(alerts.stdout, 'no alerts\n', alerts.stderr);
      assert.equal(active.stdout, 'no active alerts\n', active.stderr);
      assert.equal(auditText.stdout, 'no audit entries\n', auditText.stderr);
      assert.deepEqual(jsonOf(audit), [], 'the command line changes nothing through the API');
    });

    it('config set products by exact title, once the site knows its products: same subscription, still delta', async () => {
      const r = await cli('config', 'set', '--db', siteDb, 'products', 'Windows 11,Microsoft Defender Antivirus');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `products = ${WINDOWS_11},${DEFENDER}\nnext sync: delta (changes since the last successful sync)\n`,
      );
    });

    it('config set classifications: the answer says the next sync is full because the subscription changed', async () => {
      const r = await cli('config', 'set', '--db', siteDb, 'classifications', 'Security Updates');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `classifications = ${SECURITY_UPDATES}\nnext sync: full (subscription changed (products, classifications or languages))\n`,
      );
    });

    it('config set refuses bad values with exit 2 and changes nothing', async () => {
      const [product, interval, bogus] = await Promise.all([
        cli('config', 'set', '--db', siteDb, 'products', 'No Such Product'),
        cli('config', 'set', '--db', siteDb, 'full-sync-interval-days', '0'),
        cli('config', 'set', '--db', siteDb, 'bogus-key', 'x'),
      ]);
      assertInputError(product, 'CONFIG_UNKNOWN_CATEGORY');
      assert.match(product.stderr, /products: no product "No Such Product" in the catalog/);
      assertInputError(interval, 'CONFIG_INVALID');
      assert.match(interval.stderr, /full-sync-interval-days: 0 is outside 1-365/);
      assertInputError(bogus, 'CONFIG_INVALID');
      assert.match(bogus.stderr, /bogus-key: unknown setting; known: upstream, /);
    });

    it('config get --json shows the settings in the config set vocabulary', async () => {
      const r = await cli('config', 'get', '--db', siteDb, '--json');
      assert.equal(r.code, 0, r.stderr);
      const s = jsonOf(r);
      assert.equal(s.upstream, upstreamUrl);
      assert.equal(s.products, `${WINDOWS_11},${DEFENDER}`);
      assert.equal(s.classifications, SECURITY_UPDATES);
      assert.equal(s['full-sync-interval-days'], '7');
      assert.equal(s['site-code'], 'CS1');
      assert.equal(s['sup-name'], 'sup1.contoso.test');
    });

    it('the next sync is full, as the answer said', async () => {
      const r = await cli('sync', '--db', siteDb);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^full sync \(#2\): subscription changed \(products, classifications or languages\)$/m);
      assert.match(r.stdout, /^sync #2 succeeded: full \(subscription changed/m);
      assert.match(
        r.stdout,
        /^ {2}updates {4}listed \d+, downloaded 0, repaired 0, expired \d+, removed \d+, failed 0$/m,
      );
      assert.match(
        r.stdout,
        new RegExp(`^ {2}log: ${siteDir.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}/logs/wsyncmgr\\.log$`, 'm'),
      );
    });

    it('wsyncmgr.log beside the database holds CMTrace lines of the syncs', () => {
      const text = readFileSync(join(siteDir, 'logs', 'wsyncmgr.log'), 'utf8');
      const entries = [...text.matchAll(CMTRACE_ENTRY)];
      assert.ok(entries.length > 20);
      assert.equal(entries.map((e) => e[0]).join(''), text, 'every line is a CMTrace entry');
      const messages = entries.map((e) => e[1] as string);
      assert.equal(messages.filter((m) => m === 'Starting Sync').length, 2);
      assert.equal(
        messages.filter((m) => m === 'Sync succeeded. Setting sync alert to canceled state on site CS1').length,
        2,
      );
      assert.equal(messages.filter((m) => /^Sync time: 0d00h00m\d\ds$/.test(m)).length, 2);
      assert.ok(messages.some((m) => m.startsWith('Synchronizing WSUS server http://127.0.0.1:')));
      assert.ok(messages.some((m) => /^STATMSG: ID=6702 /.test(m)));
    });

    it('export, then import on a disconnected site: a full sync from the package; damaged packages and connected sites refused', async () => {
      const pkg = join(root, 'catalog.supsync.gz');
      const exported = await cli('export', '--db', siteDb, '--out', pkg, '--json');
      assert.equal(exported.code, 0, exported.stderr);
      const summary = jsonOf<{ categories: number; updates: number; bytes: number }>(exported);
      assert.ok(summary.categories > 10 && summary.updates > 10, exported.stdout);
      const disconnected = join(root, 'disconnected.db');
      assert.equal((await cli('init', '--db', disconnected, '--upstream', 'none')).code, 0);
      const imported = await cli('import', '--db', disconnected, '--in', pkg, '--json');
      assert.equal(imported.code, 0, imported.stderr);
      const run = jsonOf<{
        state: string;
        kind: string;
        trigger: string;
        reason: string;
        updates: Record<string, number>;
      }>(imported);
      assert.equal(run.state, 'succeeded');
      assert.equal(run.kind, 'full');
      assert.equal(run.trigger, 'import');
      assert.match(
        run.reason,
        /^import of export package .*catalog\.supsync\.gz \(site CS1, catalog version \d+, exported /,
      );
      assert.equal(run.updates.downloaded, summary.updates);

      const damaged = join(root, 'damaged.gz');
      writeFileSync(damaged, readFileSync(pkg).subarray(0, Math.floor(summary.bytes / 2)));
      const [cut, connected] = await Promise.all([
        cli('import', '--db', disconnected, '--in', damaged),
        cli('import', '--db', siteDb, '--in', pkg),
      ]);
      assertInputError(cut, 'EXPORT_PACKAGE_INVALID');
      assertInputError(connected, 'CONFIG_INVALID');
      assert.match(connected.stderr, /only a disconnected site imports export packages/);
      const status = jsonOf(await cli('status', '--db', disconnected, '--json'));
      assert.equal(status.LastRunId, 1, 'a refused import records no run');
      assert.equal(status.LastSyncState, 6702);
    });

    it('children add|list|remove: a child is asked for its own status; its token is never printed', async () => {
      const created = await cli('token', 'create', '--db', upstreamDb, '--role', 'operator', '--name', 'parent CS1');
      assert.equal(created.code, 0, created.stderr);
      const childToken = created.stdout.trim();
      const [badToken, badCode] = await Promise.all([
        cli('children', 'add', '--db', siteDb, '--site-code', 'PS1', '--url', upstreamUrl, '--token', 'secret'),
        cli('children', 'add', '--db', siteDb, '--site-code', 'P-1', '--url', upstreamUrl, '--token', childToken),
      ]);
      assertInputError(badToken, 'INPUT_INVALID');
      assertInputError(badCode, 'INPUT_INVALID');
      const added = await cli(
        'children',
        'add',
        '--db',
        siteDb,
        '--site-code',
        'ps1',
        '--url',
        upstreamUrl,
        '--token',
        childToken,
      );
      assert.equal(added.code, 0, added.stderr);
      assert.equal(
        added.stdout,
        `Child site PS1 at ${upstreamUrl}: notified after each sync that changes the catalog\n`,
      );
      const listed = await cli('children', 'list', '--db', siteDb, '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout.includes(childToken), false);
      const [child] =
        jsonOf<{ siteCode: string; status: { LastSyncState: unknown } | null; statusError: string | null }[]>(listed);
      assert.equal(child?.siteCode, 'PS1');
      assert.equal(child?.statusError, null);
      assert.ok(child?.status !== null && 'LastSyncState' in (child?.status ?? {}));
      assert.equal((await cli('children', 'remove', '--db', siteDb, '--site-code', 'PS1')).code, 0);
      const again = await cli('children', 'remove', '--db', siteDb, '--site-code', 'PS1');
      assertInputError(again, 'NOT_FOUND');
      assert.match(again.stderr, /no child site PS1/);
    });

    it('token create prints the token once; the database keeps only its SHA-256', async () => {
      const r = await cli('token', 'create', '--db', siteDb, '--role', 'admin', '--name', 'alice');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^sup_[A-Za-z0-9_-]{43}\n$/);
      assert.match(r.stderr, /^Created admin token #\d+ "alice"\. It is shown once; only its hash is kept\.\n$/);
      const token = r.stdout.trim();
      const files = readdirSync(siteDir).filter((f) => f.startsWith('site.db'));
      const bytes = Buffer.concat(files.map((f) => readFileSync(join(siteDir, f))));
      assert.equal(bytes.includes(token), false, 'the plaintext token is not in the database');
      assert.equal(bytes.includes(token.slice(4)), false, 'nor its secret part');
      assert.ok(bytes.includes(createHash('sha256').update(token).digest('hex')), 'its SHA-256 is');
    });

    it('serve stops on SIGTERM with exit code 0', async () => {
      assert.ok(serve);
      const exit = await serve.stop('SIGTERM');
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /stopping: finishing the running sync at a safe point/);
      assert.equal(exit.stderr, '');
    });
  });
});
