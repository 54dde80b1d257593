/**
 * The export package's checks, on packages written from a real site store (a SQLite file in a
 * temp dir) and then damaged the ways a file carried by hand gets damaged: every one is refused
 * with EXPORT_PACKAGE_INVALID before a sync would start, naming what is wrong.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { openStore } from '../../../src/app.ts';
import { generateIntoStore } from '../../../src/catalog-gen/index.ts';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/site/settings.ts';
import type { SiteStore } from '../../../src/store/site-store.ts';
import {
  type CheckedPackage,
  checkExportPackage,
  exportPackageSource,
  writeExportPackage,
} from '../../../src/sync/export-package.ts';
import { corruptRevision } from '../../contract/sqlite-damage.ts';
import { guid, makeRevision } from '../../helpers/revisions.ts';
import { GEN_NOW, SUBSCRIPTION, tempDir } from '../../helpers/sites.ts';

const dir = tempDir('supsync-export-');
let store: SiteStore;
let good: string;
let lines: string[];

/** Writes `text` lines as a gzip package and returns its path. */
function packageOf(name: string, text: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(text.join('\n')));
  return path;
}

async function rejects(path: string, message: RegExp, code = 'EXPORT_PACKAGE_INVALID'): Promise<void> {
  await assert.rejects(checkExportPackage(path), (err: unknown) => {
    assert.ok(isSupsyncError(err), String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

before(async () => {
  store = await openStore(join(dir, 'site.db'));
  await generateIntoStore(store, { updates: 80, seed: 'export-unit', now: GEN_NOW });
  good = join(dir, 'good.gz');
  await writeExportPackage(store, good, { now: GEN_NOW });
  lines = gunzipSync(readFileSync(good)).toString('utf8').trimEnd().split('\n');
});
after(() => store.close());

describe('writing a package', () => {
  it('holds a header, every category before the updates, and an end marker counting the revisions', async () => {
    const header = JSON.parse(lines[0] as string);
    assert.equal(header.format, 'supsync-export');
    assert.equal(header.version, 1);
    assert.equal(header.exportedAt, GEN_NOW.toISOString());
    const body = lines.slice(1, -1).map((l) => JSON.parse(l));
    const firstUpdate = body.findIndex((r) => !r.config);
    assert.ok(firstUpdate > 0);
    assert.ok(
      body.slice(firstUpdate).every((r) => !r.config),
      'categories come first',
    );
    assert.deepEqual(JSON.parse(lines.at(-1) as string), { end: true, revisions: body.length });
    const stored = (await store.listLatestIdentities(false)).length + (await store.listLatestIdentities(true)).length;
    assert.equal(body.length, stored);
    assert.ok(!existsSync(`${good}.partial`), 'no partial file is left behind');
  });

  it('checks as written, and answers lists as a filtered GetRevisionIdList would', async () => {
    const pkg = await checkExportPackage(good);
    const session = await exportPackageSource(pkg).open(new AbortController().signal);
    const all = await session.listUpdates({});
    assert.equal(all.ids.length, (await store.listLatestIdentities(false)).length);
    const both = {
      products: SUBSCRIPTION.products.map((id) => ({ id, delta: true })),
      classifications: SUBSCRIPTION.classifications.map((id) => ({ id, delta: true })),
    };
    const filtered = await session.listUpdates(both);
    const expected = await store.listRevisionsForDownstream({ config: false, ...both });
    assert.deepEqual(new Set(filtered.ids.map((i) => i.updateId)), new Set(expected.ids.map((i) => i.updateId)));
    assert.ok(filtered.ids.length > 0 && filtered.ids.length < all.ids.length);
    assert.deepEqual((await session.listUpdates({ products: both.products })).ids, []);
  });

  it('fetches the documents asked for, byte for byte, and reports one it does not hold', async () => {
    const pkg: CheckedPackage = await checkExportPackage(good);
    const session = await exportPackageSource(pkg).open(new AbortController().signal);
    const wanted = (await store.listLatestIdentities(false)).slice(0, 3);
    const missing = { updateId: '00000000-0000-0000-0000-000000000001', revisionNumber: 1 };
    const got = new Map<string, string | undefined>();
    await session.fetch(
      [...wanted, missing],
      async (batch) => {
        for (const o of batch) got.set(o.id.updateId, 'xml' in o ? o.xml : o.error.code);
      },
      new AbortController().signal,
    );
    for (const s of await store.getRevisions(wanted)) assert.equal(got.get(s.revision.identity.updateId), s.xml);
    assert.equal(got.get(missing.updateId), 'NOT_FOUND');
  });
});

describe('a package changed after its check', () => {
  // Stored (level 0) gzip: an edit that keeps the text's length keeps the file's size, and the
  // modification time is set back, so only the documents' hashes can tell.
  const stored = (text: readonly string[]) => gzipSync(text.join('\n'), { level: 0 });

  it('fails the fetch when a document no longer matches its hash, even at the same size and time', async () => {
    const path = join(dir, 'same-size.gz');
    // A whole second, which every file system keeps exactly.
    const when = 1_700_000_000;
    writeFileSync(path, stored(lines));
    utimesSync(path, when, when);
    const pkg = await checkExportPackage(path);
    const victim = pkg.entries.find((e) => !e.config);
    assert.ok(victim);
    const edited = lines.map((l) =>
      l.includes(victim.id.updateId) ? l.replace('UpdateIdentity', 'UpdateIdentitX') : l,
    );
    assert.notDeepEqual(edited, lines);
    writeFileSync(path, stored(edited));
    utimesSync(path, when, when);
    assert.equal(statSync(path).size, pkg.size);
    assert.equal(statSync(path).mtimeMs, pkg.mtimeMs);
    const session = await exportPackageSource(pkg).open(new AbortController().signal);
    await assert.rejects(
      session.fetch([victim.id], async () => {}, new AbortController().signal),
      (err: unknown) =>
        isSupsyncError(err, 'EXPORT_PACKAGE_INVALID') && /changed after it was checked/.test(err.message),
    );
  });

  it('fails the fetch at once when its size or time changed', async () => {
    const path = join(dir, 'grown.gz');
    writeFileSync(path, stored(lines));
    const pkg = await checkExportPackage(path);
    writeFileSync(path, stored([...lines, '']));
    const session = await exportPackageSource(pkg).open(new AbortController().signal);
    await assert.rejects(
      session.fetch(
        [pkg.entries[0]?.id ?? { updateId: '', revisionNumber: 0 }],
        async () => {},
        new AbortController().signal,
      ),
      (err: unknown) =>
        isSupsyncError(err, 'EXPORT_PACKAGE_INVALID') && /changed on disk after it was checked/.test(err.message),
    );
  });
});

describe('exporting a site with a damaged revision', () => {
  it('leaves out a changed document, counts it, and the package still checks; damaged facts do not matter', async () => {
    const path = join(dir, 'damaged-site.db');
    const site = await openStore(path);
    try {
      await generateIntoStore(site, { updates: 30, seed: 'export-damaged', now: GEN_NOW });
      const [victim, factsOnly] = await site.listLatestIdentities(false);
      assert.ok(victim && factsOnly);
      await corruptRevision(path, victim, 'xml-changed');
      // The document is what a package carries, and it is intact.
      await corruptRevision(path, factsOnly, 'parsed-garbage');
      const out = join(dir, 'from-damaged.gz');
      const summary = await writeExportPackage(site, out);
      assert.equal(summary.damaged, 1);
      const pkg = await checkExportPackage(out);
      assert.equal(pkg.entries.length, summary.categories + summary.updates);
      assert.ok(!pkg.entries.some((e) => e.id.updateId === victim.updateId));
      assert.ok(pkg.entries.some((e) => e.id.updateId === factsOnly.updateId));
    } finally {
      await site.close();
    }
  });
});

describe('exporting bundles', () => {
  it('takes a member revision a bundle names when the site stores it, and does not count one it never had', async () => {
    const site = await openStore(join(dir, 'bundles.db'));
    try {
      await site.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS3', supName: 'sup', upstreamUrl: 'none' });
      const member = guid(1);
      const gone = guid(2);
      await site.putRevisions([
        makeRevision({ id: member, rev: 100 }),
        makeRevision({ id: member, rev: 101 }),
        makeRevision({
          id: guid(3),
          bundled: [
            { updateId: member, revisionNumber: 100 },
            { updateId: gone, revisionNumber: 7 },
          ],
        }),
      ]);
      const out = join(dir, 'bundles.gz');
      const summary = await writeExportPackage(site, out);
      assert.equal(summary.damaged, 0);
      const keys = (await checkExportPackage(out)).entries.map((e) => `${e.id.updateId}:${e.id.revisionNumber}`);
      assert.ok(keys.includes(`${member}:100`), 'the older member revision the bundle names');
      assert.ok(keys.includes(`${member}:101`), 'the latest revision');
      assert.ok(!keys.some((k) => k.startsWith(gone)));
    } finally {
      await site.close();
    }
  });
});

describe('a damaged package is refused before anything is written', () => {
  it('a byte changed inside the compressed stream', async () => {
    const bytes = Buffer.from(readFileSync(good));
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const path = join(dir, 'flipped.gz');
    writeFileSync(path, bytes);
    await rejects(path, /flipped\.gz: (is not a readable gzip file|line \d+ )/);
  });

  it('a file cut short, in the gzip stream or after a whole line', async () => {
    const bytes = readFileSync(good);
    const path = join(dir, 'cut.gz');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await rejects(path, /is not a readable gzip file/);
    await rejects(packageOf('no-end.gz', lines.slice(0, -1)), /is cut short \(no end marker\)/);
  });

  it('a document edited after its hash was taken', async () => {
    const edited = lines.map((l, i) => (i === 5 ? l.replace('UpdateIdentity', 'UpdateIdentitX') : l));
    assert.notEqual(edited[5], lines[5]);
    await rejects(packageOf('edited.gz', edited), /line 6 holds a document that does not match its sha256/);
  });

  it('a revision twice, a wrong count, a line after the end', async () => {
    const twice = [
      ...lines.slice(0, -1),
      lines[3] as string,
      JSON.stringify({ end: true, revisions: lines.length - 1 }),
    ];
    await rejects(packageOf('twice.gz', twice), /repeats revision/);
    const count = [...lines.slice(0, -1), JSON.stringify({ end: true, revisions: 1 })];
    await rejects(packageOf('count.gz', count), /end marker counts 1 revisions, the file holds \d+/);
    await rejects(packageOf('after.gz', [...lines, lines[2] as string]), /follows the end marker/);
    await rejects(packageOf('bad-end.gz', [...lines.slice(0, -1), '{"end":tru']), /line \d+ is a malformed end marker/);
  });

  it('not a package at all, another version, a malformed line', async () => {
    const path = join(dir, 'plain.txt');
    writeFileSync(path, 'this is not gzip');
    await rejects(path, /is not a readable gzip file/);
    await rejects(packageOf('other.gz', ['{"hello":1}', ...lines.slice(1)]), /is not a supsync export package/);
    const v2 = JSON.stringify({ ...JSON.parse(lines[0] as string), version: 2 });
    await rejects(packageOf('v2.gz', [v2, ...lines.slice(1)]), /format version 2; this supsync reads version 1/);
    const bad = lines.map((l, i) => (i === 2 ? '{"id":"not-a-guid"' : l));
    await rejects(packageOf('bad-line.gz', bad), /line 3 is not JSON/);
    const noId = lines.map((l, i) => (i === 2 ? JSON.stringify({ ...JSON.parse(l), id: 'x' }) : l));
    await rejects(packageOf('no-id.gz', noId), /line 3 has no valid update id/);
  });

  it('a file that does not exist is bad input, not a damaged package', async () => {
    await rejects(join(dir, 'missing.gz'), /cannot read/, 'INPUT_INVALID');
  });
});

describe('the site store', () => {
  it('is a site created with the defaults (an export needs one)', async () => {
    const empty = await openStore(join(dir, 'empty.db'));
    try {
      await assert.rejects(writeExportPackage(empty, join(dir, 'empty.gz')), /holds no site/);
      await empty.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS2', supName: 'sup', upstreamUrl: 'none' });
      const summary = await writeExportPackage(empty, join(dir, 'empty.gz'));
      assert.equal(summary.updates, 0);
      assert.equal((await checkExportPackage(join(dir, 'empty.gz'))).entries.length, 0);
    } finally {
      await empty.close();
    }
  });
});
