import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UpdateIdentity, UpdateRevision } from '../../../src/catalog/model.ts';
import { revisionKey } from '../../../src/catalog/model.ts';
import { parseUpdateDocument } from '../../../src/catalog/update-document.ts';
import { type ChurnReport, churnStore, generateIntoStore } from '../../../src/catalog-gen/index.ts';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import type { SiteStore } from '../../../src/store/site-store.ts';
import { openSqliteSiteStore } from '../../../src/store/sqlite/sqlite-site-store.ts';

const NOW = new Date('2026-11-10T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'supsync-churn-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const en = (r: UpdateRevision) => r.localized.find((l) => l.language === 'en')?.title ?? '';
const keys = (ids: readonly UpdateIdentity[]) => ids.map(revisionKey).sort();

async function generated(name: string, updates = 1500): Promise<SiteStore> {
  const store = openSqliteSiteStore(join(dir, `${name}.db`));
  await generateIntoStore(store, { updates, seed: 'churn', now: NOW });
  return store;
}

async function latestDocs(store: SiteStore): Promise<Map<string, UpdateRevision>> {
  const docs = await store.getRevisions(await store.listLatestIdentities(false));
  return new Map(docs.map((d) => [d.revision.identity.updateId, d.revision]));
}

describe('churn of a generated catalog in a SQLite store', () => {
  let store: SiteStore;
  let seqBefore: number;
  let initial: Map<string, UpdateRevision>;
  let report: ChurnReport;

  before(async () => {
    store = await generated('main');
    seqBefore = await store.currentSeq();
    initial = await latestDocs(store);
    report = await churnStore(store, { days: 40, seed: 'one' });
  });
  after(() => store.close());

  it('starts at the newest creation date in the store and advances by the days asked', () => {
    const newest = [...initial.values()]
      .map((r) => r.creationDate)
      .sort()
      .at(-1);
    assert.equal(report.fromDate, newest);
    assert.equal(Date.parse(report.toDate) - Date.parse(report.fromDate), 40 * 86_400_000);
  });

  it('a delta after the churn lists exactly the reported revisions', async () => {
    const { ids } = await store.listRevisionsForDownstream({ config: false, sinceSeq: seqBefore });
    assert.deepEqual(keys(ids), keys([...report.added, ...report.revised, ...report.expired]));
    const all = new Set(keys([...report.added, ...report.revised, ...report.expired]));
    assert.equal(all.size, report.added.length + report.revised.length + report.expired.length, 'disjoint');
  });

  it('every written revision is dated inside the window', async () => {
    for (const d of await store.getRevisions([...report.added, ...report.revised, ...report.expired])) {
      assert.ok(d.revision.creationDate > report.fromDate && d.revision.creationDate <= report.toDate, en(d.revision));
      assert.deepEqual(parseUpdateDocument(d.xml), d.revision);
    }
  });

  it('Patch Tuesday cumulative updates continue each chain of the generated catalog', async () => {
    const added = await store.getRevisions(report.added);
    const cus = added.filter(
      (d) =>
        /^2026-1[12] Cumulative Update for (Windows|Microsoft server)/.test(en(d.revision)) &&
        d.revision.bundledUpdates.length > 0,
    );
    assert.ok(cus.length >= 14, `${cus.length} cumulative updates (two Patch Tuesdays)`);
    for (const { revision } of cus) {
      assert.equal(revision.supersededUpdateIds.length, 1, en(revision));
      const previous =
        initial.get(revision.supersededUpdateIds[0] as string) ??
        added.find((d) => d.revision.identity.updateId === revision.supersededUpdateIds[0])?.revision;
      assert.ok(previous, `${en(revision)} supersedes a known update`);
      const strip = (t: string) =>
        t
          .replace(/^\d{4}-\d{2} /, '')
          .replace(/ \(KB\d+\)$/, '')
          .replace(/Version \S+/, '');
      assert.equal(strip(en(previous)), strip(en(revision)));
      assert.deepEqual(previous.prerequisites[0], revision.prerequisites[0]);
      assert.ok(previous.creationDate < revision.creationDate);
    }
  });

  it('definition updates three times a day, each superseding the three before, continuing the generated ones', async () => {
    const added = await store.getRevisions(report.added);
    const defs = added.filter((d) => en(d.revision).startsWith('Security Intelligence Update'));
    assert.ok(defs.length >= 117 && defs.length <= 123, `${defs.length} definition releases in 40 days`);
    const first = defs[0]?.revision as UpdateRevision;
    assert.equal(first.supersededUpdateIds.length, 3);
    for (const id of first.supersededUpdateIds)
      assert.match(en(initial.get(id) as UpdateRevision), /^Security Intelligence Update/);
    defs.forEach((d, i) => {
      if (i >= 3)
        assert.deepEqual(
          d.revision.supersededUpdateIds,
          defs.slice(i - 3, i).map((x) => x.revision.identity.updateId),
        );
      assert.equal(d.revision.bundledUpdates.length, 3);
    });
  });

  it('revisions add a language to an existing update; expirations publish it Expired; nothing else changes', async () => {
    assert.ok(report.revised.length >= 5 && report.expired.length >= 3);
    const check = async (ids: UpdateIdentity[], expect: (old: UpdateRevision, next: UpdateRevision) => void) => {
      for (const next of await store.getRevisions(ids)) {
        const old = initial.get(next.revision.identity.updateId) as UpdateRevision;
        assert.equal(next.revision.identity.revisionNumber, old.identity.revisionNumber + 1);
        expect(old, next.revision);
      }
    };
    await check(report.revised, (old, next) => {
      assert.equal(next.localized.length, old.localized.length + 1);
      assert.deepEqual(
        { ...next, identity: old.identity, creationDate: old.creationDate, localized: old.localized },
        old,
      );
    });
    await check(report.expired, (old, next) => {
      assert.equal(next.publicationState, 'Expired');
      assert.deepEqual(
        { ...next, identity: old.identity, creationDate: old.creationDate, publicationState: 'Published' },
        old,
      );
    });
  });

  it('a second churn continues from the first one', async () => {
    const newest = (await store.getRevisions([...report.added, ...report.revised, ...report.expired]))
      .map((d) => d.revision.creationDate)
      .sort()
      .at(-1);
    const next = await churnStore(store, { days: 2, seed: 'one' });
    assert.equal(next.fromDate, newest);
    assert.ok(next.added.length >= 20);
  });
});

describe('churn is repeatable and refuses what it cannot do', () => {
  it('the same seed on the same catalog makes the same changes, byte for byte', async () => {
    const digests = async (name: string) => {
      const store = await generated(name, 400);
      try {
        const report = await churnStore(store, { days: 10, seed: 'same' });
        const docs = await store.getRevisions([...report.added, ...report.revised, ...report.expired]);
        return { report, xml: docs.map((d) => createHash('sha256').update(d.xml).digest('hex')) };
      } finally {
        await store.close();
      }
    };
    const a = await digests('repeat-a');
    const b = await digests('repeat-b');
    assert.deepEqual(b, a);
  });

  it('bad options and a store without updates are refused with INPUT_INVALID', async () => {
    const store = openSqliteSiteStore(join(dir, 'empty.db'));
    try {
      await assert.rejects(churnStore(store, { days: 1, seed: 's' }), (e) => isSupsyncError(e, 'INPUT_INVALID'));
      for (const days of [0, -1, 1.5, 3651]) {
        await assert.rejects(churnStore(store, { days, seed: 's' }), (e) => isSupsyncError(e, 'INPUT_INVALID'));
      }
    } finally {
      await store.close();
    }
  });

  it('generateIntoStore creates the stand-in site, reports progress and counts', async () => {
    const store = openSqliteSiteStore(join(dir, 'fresh.db'));
    try {
      const progress: [number, number][] = [];
      const report = await generateIntoStore(store, { updates: 1200, seed: 'fresh', now: NOW }, (done, total) =>
        progress.push([done, total]),
      );
      const settings = await store.getSettings();
      assert.equal(settings?.siteCode, 'MU1');
      assert.equal(settings?.supName, 'microsoft-update-standin');
      assert.equal(settings?.upstreamUrl, 'none');
      assert.equal(report.updates, 1200);
      assert.equal(report.revisions, report.categories + 1200);
      assert.equal((await store.listLatestIdentities(false)).length, 1200);
      assert.equal((await store.listLatestIdentities(true)).length, report.categories);
      assert.deepEqual(progress.at(-1), [report.revisions, report.revisions]);
      assert.ok(progress.every(([d], i) => i === 0 || d > (progress[i - 1]?.[0] ?? 0)));
    } finally {
      await store.close();
    }
  });
});
