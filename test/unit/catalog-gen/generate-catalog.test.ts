import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { StoredRevision, UpdateRevision } from '../../../src/catalog/model.ts';
import { revisionKey } from '../../../src/catalog/model.ts';
import { parseUpdateDocument } from '../../../src/catalog/update-document.ts';
import { CLASSIFICATIONS, UPGRADES_CLASSIFICATION } from '../../../src/catalog/well-known.ts';
import { generateCatalog, MAX_UPDATES } from '../../../src/catalog-gen/index.ts';
import { isSupsyncError } from '../../../src/shared/errors.ts';

const NOW = new Date('2026-11-10T00:00:00Z');
const isConfig = (r: UpdateRevision) => r.updateType === 'Category' || r.updateType === 'Detectoid';
const en = (r: UpdateRevision) => r.localized.find((l) => l.language === 'en')?.title ?? '';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const fingerprint = (docs: Iterable<StoredRevision>) =>
  [...docs].map((d) => `${revisionKey(d.revision.identity)} ${sha256(d.xml)}`);

const WINDOWS_11 = '72e7624a-5b00-45d2-b92f-e561c0a6a160';
const DEFENDER = '8c3fcc84-7410-4a95-8b89-a166a0190486';
const SECURITY = '0fa1201d-4330-4fa8-8ae9-b877473b6441';
const DEFINITIONS = 'e0789628-ce08-4437-be74-2495b842f43b';

const catalog = [...generateCatalog({ updates: 2500, seed: 'unit', now: NOW })];
const config = catalog.filter((d) => isConfig(d.revision));
const updates = catalog.filter((d) => !isConfig(d.revision));
const byId = new Map(catalog.map((d) => [d.revision.identity.updateId, d.revision]));

test('same seed and now give the same catalog byte for byte; another seed or now another one', () => {
  const a = fingerprint(generateCatalog({ updates: 800, seed: 'same', now: NOW }));
  assert.deepEqual(fingerprint(generateCatalog({ updates: 800, seed: 'same', now: NOW })), a);
  const otherSeed = fingerprint(generateCatalog({ updates: 800, seed: 'other', now: NOW }));
  assert.equal(otherSeed.length, a.length);
  assert.notDeepEqual(otherSeed.slice(config.length), a.slice(config.length));
  // Categories are the same in every catalog; only updates depend on the seed.
  assert.deepEqual(otherSeed.slice(0, config.length), a.slice(0, config.length));
  const otherNow = fingerprint(generateCatalog({ updates: 800, seed: 'same', now: new Date('2026-06-01T00:00:00Z') }));
  assert.notDeepEqual(otherNow, a);
});

test('exactly n updates (bundles and leaves count), after the categories', () => {
  for (const n of [0, 1, 2, 7, 57, 300]) {
    const docs = [...generateCatalog({ updates: n, seed: `count-${n}`, now: NOW })];
    assert.equal(docs.filter((d) => !isConfig(d.revision)).length, n, `n=${n}`);
    const firstUpdate = docs.findIndex((d) => !isConfig(d.revision));
    assert.ok(
      firstUpdate === -1 || docs.slice(firstUpdate).every((d) => !isConfig(d.revision)),
      'categories come first',
    );
  }
  assert.equal(updates.length, 2500);
});

test('every document parses to exactly the facts generated with it, and identities are unique', () => {
  const keys = new Set<string>();
  for (const d of catalog) {
    assert.deepEqual(parseUpdateDocument(d.xml), d.revision, revisionKey(d.revision.identity));
    keys.add(d.revision.identity.updateId);
  }
  assert.equal(keys.size, catalog.length);
});

test('the real category tree: real GUIDs, parents through IsCategory prerequisites, captured revision numbers', () => {
  const cat = (id: string) => byId.get(id);
  assert.equal(cat('56309036-4c77-4dd9-951a-99ee9c246a94')?.categoryType, 'Company');
  assert.equal(cat('6964aab4-c5b5-43bd-a17d-ffb4346a8e1d')?.categoryType, 'ProductFamily');
  for (const [id, title] of [
    [WINDOWS_11, 'Windows 11'],
    ['a3c2375d-0c8a-42f9-bce0-28333e198407', 'Windows 10'],
    ['b3c75dc1-155f-4be4-b015-3f1a91758e52', 'Windows 10, version 1903 and later'],
    ['b256987d-4693-4c87-955d-dbb9341205eb', 'Microsoft Server Operating System-24H2'],
    ['71718f13-7324-4b0f-8f9e-2ca9dc978e53', 'Microsoft Server operating system-21H2'],
    [DEFENDER, 'Microsoft Defender Antivirus'],
    ['682005f1-54fd-440f-b3b3-b9c652351d01', 'Visual Studio 2017'],
  ] as const) {
    assert.equal(cat(id)?.categoryType, 'Product', title);
    assert.equal(en(cat(id) as UpdateRevision), title);
  }
  for (const c of CLASSIFICATIONS) assert.equal(cat(c.id)?.categoryType, 'UpdateClassification', c.title);
  assert.ok(
    config.some((d) => d.revision.updateType === 'Category' && d.revision.categoryType === undefined),
    'an untyped category',
  );
  assert.ok(config.some((d) => d.revision.updateType === 'Detectoid'));
  // Every product reaches the Microsoft company through its family.
  for (const d of config.filter((x) => x.revision.categoryType === 'Product')) {
    const family = cat(d.revision.prerequisites[0]?.updateIds[0] ?? '');
    assert.equal(family?.categoryType, 'ProductFamily', en(d.revision));
    assert.deepEqual(family?.prerequisites, [
      { updateIds: ['56309036-4c77-4dd9-951a-99ee9c246a94'], isCategory: true, isAtLeastOne: true },
    ]);
    assert.equal(d.revision.prerequisites[0]?.isCategory, true);
  }
  // Revision numbers as the captured category list (exchange 000006) has them, where it lists the id.
  const listed = readFileSync(
    new URL('../../../../shared/fixtures/wsus-captures/exchanges/000006/response.body', import.meta.url),
    'utf8',
  );
  const latest = new Map<string, number>();
  for (const m of listed.matchAll(/<UpdateID>([^<]+)<\/UpdateID><RevisionNumber>(\d+)</g)) {
    latest.set(m[1] as string, Math.max(latest.get(m[1] as string) ?? 0, Number(m[2])));
  }
  let compared = 0;
  for (const d of config) {
    const rev = latest.get(d.revision.identity.updateId);
    if (rev === undefined) continue;
    assert.equal(d.revision.identity.revisionNumber, rev, en(d.revision));
    compared++;
  }
  assert.ok(compared >= 12, `compared ${compared}`);
});

test('references resolve: bundle members before their bundle, superseded updates earlier, categories and detectoids known', () => {
  const seenAt = new Map<string, number>();
  const categories = new Set(
    config.filter((d) => d.revision.updateType === 'Category').map((d) => d.revision.identity.updateId),
  );
  const detectoids = new Set(
    config.filter((d) => d.revision.updateType === 'Detectoid').map((d) => d.revision.identity.updateId),
  );
  catalog.forEach((d, i) => {
    seenAt.set(revisionKey(d.revision.identity), i);
    seenAt.set(d.revision.identity.updateId, i);
  });
  updates.forEach((d) => {
    const r = d.revision;
    const at = seenAt.get(r.identity.updateId) as number;
    for (const b of r.bundledUpdates)
      assert.ok((seenAt.get(revisionKey(b)) ?? Number.POSITIVE_INFINITY) < at, 'member before bundle');
    for (const s of r.supersededUpdateIds)
      assert.ok((seenAt.get(s) ?? Number.POSITIVE_INFINITY) < at, 'superseded earlier');
    for (const c of r.prerequisites) {
      for (const id of c.updateIds)
        assert.ok(c.isAtLeastOne ? categories.has(id) : detectoids.has(id), `${en(r)} -> ${id}`);
    }
    // Every update names at least one product and one classification.
    const ids = r.prerequisites.filter((c) => c.isAtLeastOne).flatMap((c) => c.updateIds);
    assert.ok(
      ids.some((id) => byId.get(id)?.categoryType === 'Product'),
      en(r),
    );
    assert.ok(
      ids.some((id) => byId.get(id)?.categoryType === 'UpdateClassification'),
      en(r),
    );
  });
});

test('documents above 5,120 bytes: exactly the multilingual ones, a realistic share of the catalog', () => {
  let large = 0;
  for (const d of updates) {
    const multilingual = d.revision.localized.length > 1;
    if (multilingual) {
      large++;
      assert.ok(Buffer.byteLength(d.xml) > 5120, `${en(d.revision)}: ${Buffer.byteLength(d.xml)} bytes`);
    } else {
      // Small under either reading of the Windows rule: UTF-8 bytes, or UTF-16 bytes.
      assert.ok(d.xml.length * 2 <= 5120, `${en(d.revision)}: ${d.xml.length} characters`);
    }
  }
  const share = large / updates.length;
  assert.ok(share > 0.2 && share < 0.5, `share ${share}`);
  const languages = new Set(updates.flatMap((d) => d.revision.localized.map((l) => l.language)));
  for (const l of ['en', 'de', 'fr', 'ja', 'es', 'zh-cn']) assert.ok(languages.has(l), l);
});

test('a realistic mix: products, classifications, severities, KB numbers, files with both digests', () => {
  const classOf = new Set(updates.flatMap((d) => d.revision.prerequisites.flatMap((c) => c.updateIds)));
  for (const title of [
    'Security Updates',
    'Definition Updates',
    'Updates',
    'Critical Updates',
    'Upgrades',
    'Drivers',
    'Update Rollups',
  ]) {
    assert.ok(classOf.has(CLASSIFICATIONS.find((c) => c.title === title)?.id as string), title);
  }
  for (const product of [
    'Office 2016',
    'Visual Studio 2022',
    'Microsoft SQL Server 2022',
    'Microsoft Server Operating System-24H2',
  ]) {
    const id = config.find((d) => en(d.revision) === product)?.revision.identity.updateId as string;
    assert.ok(classOf.has(id), product);
  }
  const severities = new Set(updates.map((d) => d.revision.msrcSeverity).filter((s) => s !== undefined));
  assert.deepEqual([...severities].sort(), ['Critical', 'Important', 'Low', 'Moderate']);
  assert.ok(updates.some((d) => d.revision.updateType === 'Driver'));
  const leaves = updates.filter((d) => d.revision.files.length > 0);
  assert.ok(leaves.length > updates.length / 2);
  for (const d of leaves) {
    const f = d.revision.files[0];
    assert.match(f?.digestSha1 ?? '', /^[A-Za-z0-9+/]{27}=$/);
    assert.match(f?.digestSha256 ?? '', /^[A-Za-z0-9+/]{43}=$/);
    assert.ok((f?.size ?? 0) > 0);
  }
  assert.ok(updates.filter((d) => d.revision.kbArticleIds.length > 0).length > updates.length * 0.8);
  // Feature updates are exactly the Upgrades ones.
  for (const d of updates) {
    const upgrade = d.revision.prerequisites.some((c) => c.updateIds.includes(UPGRADES_CLASSIFICATION));
    assert.equal(d.revision.isFeatureUpdate, upgrade, en(d.revision));
  }
  assert.ok(updates.some((d) => d.revision.isFeatureUpdate));
});

test('each Windows product and architecture gets a cumulative update every Patch Tuesday, superseding the previous one', () => {
  const cus = updates.filter(
    (d) =>
      d.revision.bundledUpdates.length > 0 &&
      /^\d{4}-\d{2} Cumulative Update for (Windows|Microsoft server)/.test(en(d.revision)),
  );
  const series = new Map<string, UpdateRevision[]>();
  for (const { revision } of cus) {
    const key = `${revision.prerequisites[0]?.updateIds.join()} ${/for (\S+)-based/.exec(en(revision))?.[1]}`;
    series.set(key, [...(series.get(key) ?? []), revision]);
  }
  assert.ok(series.size >= 7, `series ${series.size}`);
  for (const [key, chain] of series) {
    assert.ok(chain.length >= 3, key);
    chain.forEach((cu, i) => {
      const created = new Date(cu.creationDate);
      // The second Tuesday of its month, in the 17:00 UTC release hour.
      assert.equal(created.getUTCDay(), 2, en(cu));
      assert.ok(created.getUTCDate() >= 8 && created.getUTCDate() <= 14, en(cu));
      assert.equal(created.getUTCHours(), 17);
      assert.equal(en(cu).slice(0, 7), cu.creationDate.slice(0, 7));
      assert.deepEqual(cu.supersededUpdateIds, i === 0 ? [] : [chain[i - 1]?.identity.updateId], en(cu));
      if (i > 0) {
        const prev = new Date(chain[i - 1]?.creationDate as string);
        assert.equal(
          (created.getUTCFullYear() - prev.getUTCFullYear()) * 12 + created.getUTCMonth() - prev.getUTCMonth(),
          1,
        );
      }
    });
  }
});

test('Defender definitions: bundles in IsCategory, leaves only in plain AtLeastOne, each superseding the three before', () => {
  // A month's last release may be cut down to a standalone update: it still belongs to the series.
  const releases = updates.filter((d) => en(d.revision).startsWith('Security Intelligence Update'));
  const bundles = releases.filter((d) => d.revision.bundledUpdates.length > 0);
  assert.ok(bundles.length > 20 && releases.length - bundles.length < 20);
  releases.forEach(({ revision: b }, i) => {
    assert.deepEqual(
      b.supersededUpdateIds,
      releases.slice(Math.max(0, i - 3), i).map((x) => x.revision.identity.updateId),
    );
  });
  bundles.forEach(({ revision: b }) => {
    assert.deepEqual(b.prerequisites, [
      { updateIds: [DEFENDER], isCategory: true, isAtLeastOne: true },
      { updateIds: [DEFINITIONS], isCategory: true, isAtLeastOne: true },
    ]);
    assert.deepEqual(b.kbArticleIds, ['2267602']);
    for (const m of b.bundledUpdates) {
      const leaf = byId.get(m.updateId) as UpdateRevision;
      assert.ok(leaf.prerequisites.every((c) => !c.isCategory));
      assert.ok(leaf.prerequisites.some((c) => c.isAtLeastOne && c.updateIds.includes(DEFENDER)));
      assert.equal(leaf.files.length, 1);
    }
  });
  // Several a day in a large catalog.
  const perDay = new Map<string, number>();
  for (const b of bundles)
    perDay.set(b.revision.creationDate.slice(0, 10), (perDay.get(b.revision.creationDate.slice(0, 10)) ?? 0) + 1);
  assert.ok(Math.max(...perDay.values()) >= 2);
});

test('releases are in creation order, all before now, and the subscription products are there', () => {
  let last = '';
  for (const d of updates) {
    assert.ok(d.revision.creationDate >= last, 'creation order');
    last = d.revision.creationDate;
  }
  assert.ok(last < NOW.toISOString());
  const named = (product: string, classification: string) =>
    updates.some(
      (d) =>
        d.revision.prerequisites.some((c) => c.isCategory && c.updateIds.includes(product)) &&
        d.revision.prerequisites.some((c) => c.isCategory && c.updateIds.includes(classification)),
    );
  assert.ok(named(WINDOWS_11, SECURITY));
  assert.ok(named(DEFENDER, DEFINITIONS));
});

test('bad options are refused with INPUT_INVALID', () => {
  const bad = [
    { updates: -1, seed: 's', now: NOW },
    { updates: 1.5, seed: 's', now: NOW },
    { updates: MAX_UPDATES + 1, seed: 's', now: NOW },
    { updates: 10, seed: 's', now: new Date('nope') },
  ];
  for (const options of bad)
    assert.throws(
      () => generateCatalog(options).next(),
      (e) => isSupsyncError(e, 'INPUT_INVALID'),
    );
});
