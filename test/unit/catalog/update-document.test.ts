import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { UpdateRevision } from '../../../src/catalog/model.ts';
import { parseUpdateDocument, writeUpdateDocument } from '../../../src/catalog/update-document.ts';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { structureDifferences, xmlStructure } from '../../helpers/xml-structure.ts';

const CAPTURES = new URL('../../../../shared/fixtures/wsus-captures/', import.meta.url);
const DOCS = new URL('docs/', CAPTURES);
const docFiles = readdirSync(DOCS).filter((f) => f.endsWith('.xml'));
const readDoc = (prefix: string): string => {
  const name = docFiles.find((f) => f.startsWith(prefix));
  assert.ok(name, `fixture ${prefix}* is missing`);
  return readFileSync(new URL(name, DOCS), 'utf8');
};
const parseDoc = (prefix: string): UpdateRevision => parseUpdateDocument(readDoc(prefix));

const MICROSOFT = '56309036-4c77-4dd9-951a-99ee9c246a94';
const WINDOWS = '6964aab4-c5b5-43bd-a17d-ffb4346a8e1d';
const DEFENDER = '8c3fcc84-7410-4a95-8b89-a166a0190486';
const DEFINITION_UPDATES = 'e0789628-ce08-4437-be74-2495b842f43b';
const DEFENDER_PUBLISHER = 'bccf8ca0-2819-4598-8d15-c1506e363e92';
const DEFENDER_DETECTOIDS = [
  'be4048db-157c-4532-9582-7f05099590c9',
  '59653007-e2e9-4f71-8525-2ff588527978',
  '0aac58ee-82a0-4452-a7fa-19f68398f1fa',
];

test('every captured document parses, with the identity its file name gives and a lossless round trip', () => {
  assert.ok(docFiles.length >= 8);
  for (const file of docFiles) {
    const xml = readFileSync(new URL(file, DOCS), 'utf8');
    const before = xml.slice();
    const rev = parseUpdateDocument(xml);
    assert.equal(xml, before, 'the parser must not alter the document');
    const m = /^([0-9a-f-]{36})-r(\d+)\.xml$/.exec(file);
    assert.ok(m, file);
    assert.deepEqual(rev.identity, { updateId: m[1], revisionNumber: Number(m[2]) }, file);
    assert.ok(rev.localized.length > 0 && rev.creationDate !== '', file);
    assert.deepEqual(parseUpdateDocument(writeUpdateDocument(rev)), rev, `round trip of ${file}`);
  }
});

test('the Company Microsoft: categoryType, 24 languages, no parent', () => {
  const rev = parseDoc(MICROSOFT);
  assert.deepEqual(rev.identity, { updateId: MICROSOFT, revisionNumber: 101 });
  assert.equal(rev.updateType, 'Category');
  assert.equal(rev.categoryType, 'Company');
  assert.equal(rev.creationDate, '2005-09-22T00:05:11.471Z');
  assert.equal(rev.defaultLanguage, 'en');
  assert.equal(rev.localized.length, 24);
  assert.ok(rev.localized.every((l) => l.title === 'Microsoft' && l.description === 'Microsoft'));
  assert.deepEqual(
    rev.localized.map((l) => l.language).filter((l) => ['en', 'de', 'ja', 'pt-br', 'zh-tw'].includes(l)),
    ['de', 'en', 'ja', 'pt-br', 'zh-tw'],
  );
  assert.deepEqual(rev.prerequisites, []);
  assert.equal(rev.isFeatureUpdate, false);
});

test('the ProductFamily Windows names Microsoft through an IsCategory prerequisite', () => {
  const rev = parseDoc(WINDOWS);
  assert.deepEqual(rev.identity, { updateId: WINDOWS, revisionNumber: 100 });
  assert.equal(rev.categoryType, 'ProductFamily');
  assert.deepEqual(rev.prerequisites, [{ updateIds: [MICROSOFT], isCategory: true, isAtLeastOne: true }]);
  assert.equal(rev.localized.find((l) => l.language === 'fr')?.title, 'Windows');
});

test('the Product dd78b8a1 (OOBE ZDP) under Windows, its CategoryInformation in a nested namespace declaration', () => {
  const rev = parseDoc('dd78b8a1');
  assert.deepEqual(rev.identity, { updateId: 'dd78b8a1-0b20-45c1-add6-4da72e9364cf', revisionNumber: 202 });
  assert.equal(rev.categoryType, 'Product');
  assert.deepEqual(rev.localized, [
    {
      language: 'en',
      title: 'OOBE ZDP',
      description: 'This category would be used by the updates that would meet the ZDP bar.',
    },
  ]);
  assert.deepEqual(rev.prerequisites, [{ updateIds: [WINDOWS], isCategory: true, isAtLeastOne: true }]);
});

test('the leaf 266f6222: its file with both digests, bare detectoid prerequisites and the product in a plain AtLeastOne', () => {
  const rev = parseDoc('266f6222');
  assert.deepEqual(rev.identity, { updateId: '266f6222-c89d-43f2-9f8a-69340271e677', revisionNumber: 200 });
  assert.equal(rev.updateType, 'Software');
  assert.equal(rev.creationDate, '2026-10-04T12:00:58.287Z');
  assert.equal(
    rev.localized[0]?.title,
    'Full Deltas 1.459.547.0 for Defender amd64fre [Ring0, Ring1, Ring2, Ring3, Ring4, Broad, Delayed]',
  );
  assert.deepEqual(rev.files, [
    {
      fileName: 'AM_Delta.exe',
      size: 11606440,
      digestSha1: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=',
      modified: '2026-10-04T09:39:26Z',
      digestSha256: 'Amt0qymy5KsROiwIXm4QIIV75Ju4r+Cl28Pg8gaLXUA=',
    },
  ]);
  assert.deepEqual(rev.prerequisites, [
    ...DEFENDER_DETECTOIDS.map((id) => ({ updateIds: [id], isCategory: false, isAtLeastOne: false })),
    { updateIds: [DEFENDER], isCategory: false, isAtLeastOne: true },
  ]);
  assert.deepEqual(rev.bundledUpdates, []);
  assert.equal(rev.categoryType, undefined);
});

test('the other Defender leaves: 7366a74a (definitions) and ff36f0b5 (engine)', () => {
  const delta = parseDoc('7366a74a');
  assert.equal(delta.files[0]?.digestSha1, '6LHXWIXPjwU6Ewe9ycP4e/DPeto=');
  assert.equal(delta.files[0]?.digestSha256, 'z53OiKDgnskhUnDhQeuuixJreIqwZq1X7COvqZM4+Tk=');
  assert.equal(delta.creationDate, '2026-10-03T21:45:30.495Z');
  const engine = parseDoc('ff36f0b5');
  assert.deepEqual(
    engine.files.map((f) => [f.fileName, f.size]),
    [['AM_Engine.exe', 6662560]],
  );
  assert.equal(engine.localized[0]?.title, 'AM Engine 1.1.26080.3 for Defender amd64fre Broad');
});

test('the hidden bundles: bundled updates with revisions, product and classification in plain AtLeastOne groups', () => {
  const stub = parseDoc('ccb78947');
  assert.equal(
    stub.localized[0]?.title,
    'HIDDEN: Defender MpSigStub 1.1.24010.2001 for EngineBroad (Installer 1.1.24010.2001-Q)',
  );
  assert.deepEqual(stub.prerequisites, [
    { updateIds: [DEFINITION_UPDATES], isCategory: false, isAtLeastOne: true },
    { updateIds: [DEFENDER], isCategory: false, isAtLeastOne: true },
  ]);
  assert.deepEqual(stub.bundledUpdates, [
    { updateId: 'b6f443c9-ad38-4347-bab3-f1dc0b03d533', revisionNumber: 200 },
    { updateId: '0daf8592-9e3f-4a8a-9141-d83fafebd09f', revisionNumber: 200 },
    { updateId: '4c0a0a90-4bd5-4fe5-b306-8dbd6fde30a0', revisionNumber: 200 },
    { updateId: 'e052d9bd-e49c-4d6e-876e-005b49b89812', revisionNumber: 200 },
  ]);
  assert.deepEqual(stub.files, []);
  const engine = parseDoc('1f9bd9bb');
  assert.equal(engine.bundledUpdates.length, 24);
  assert.ok(
    engine.bundledUpdates.some(
      (b) => b.updateId === 'ff36f0b5-dded-4780-8664-cd78af8b62c1' && b.revisionNumber === 200,
    ),
  );
  assert.equal(engine.creationDate, '2026-09-02T08:19:36.190Z');
});

test('the uncompressed XmlUpdateBlob of exchange 000015 reads like its file in docs/', () => {
  const body = readFileSync(new URL('exchanges/000015/response.body', CAPTURES), 'utf8');
  const escaped = /<XmlUpdateBlob>([^<]*)<\/XmlUpdateBlob>/.exec(body)?.[1];
  assert.ok(escaped);
  const xml = escaped.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '',
  );
  assert.deepEqual(parseUpdateDocument(xml), parseDoc('ccb78947'));
});

test('prefixes mean nothing: other prefixes, a default namespace and look-alikes in foreign namespaces', () => {
  const xml = readDoc('266f6222');
  const expected = parseUpdateDocument(xml);
  const renamed = xml.replaceAll('upd:', 'u:').replaceAll('xmlns:upd=', 'xmlns:u=');
  assert.deepEqual(parseUpdateDocument(renamed), expected);
  const defaulted = xml.replaceAll('<upd:', '<').replaceAll('</upd:', '</').replace('xmlns:upd=', 'xmlns=');
  assert.deepEqual(parseUpdateDocument(defaulted), expected);
  // An element named like ours but in another namespace is not ours.
  const foreign = xml.replace(
    '<upd:Files>',
    '<x:Files xmlns:x="urn:other"><x:File Digest="AA==" FileName="evil.exe" Size="1" /></x:Files><upd:Files>',
  );
  assert.deepEqual(parseUpdateDocument(foreign).files, expected.files);
  const wrongNs = xml.replace(
    'xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update"',
    'xmlns:upd="urn:not-update"',
  );
  assert.throws(
    () => parseUpdateDocument(wrongNs),
    (e) => isSupsyncError(e, 'UPDATE_XML_INVALID'),
  );
});

test('the writer reproduces the structure of real documents, given the parts the facts do not hold', () => {
  const cases: [string, Parameters<typeof writeUpdateDocument>[1]][] = [
    ['ccb78947', { publisherId: DEFENDER_PUBLISHER }],
    ['1f9bd9bb', { publisherId: DEFENDER_PUBLISHER }],
    [
      MICROSOFT,
      { publisherId: '42f20e12-2856-447d-a8b2-68f06c2e9b45', category: { displayOrder: 1, prohibitsUpdates: true } },
    ],
    [
      WINDOWS,
      { publisherId: '42f20e12-2856-447d-a8b2-68f06c2e9b45', category: { displayOrder: 2, prohibitsUpdates: true } },
    ],
  ];
  for (const [prefix, extras] of cases) {
    // The facts hold GUIDs lower-cased, so the writer writes them so; the category documents do not.
    const real = readDoc(prefix).replace(/UpdateID="([^"]+)"/g, (_, id: string) => `UpdateID="${id.toLowerCase()}"`);
    const written = writeUpdateDocument(parseUpdateDocument(real), extras);
    assert.deepEqual(structureDifferences(xmlStructure(written), xmlStructure(real)), [], prefix);
  }
  const leaf = readDoc('266f6222');
  const rules = /<upd:ApplicabilityRules>(.*)<\/upd:ApplicabilityRules>/.exec(leaf)?.[1];
  assert.ok(rules);
  const written = writeUpdateDocument(parseUpdateDocument(leaf), {
    publisherId: DEFENDER_PUBLISHER,
    handler: 'cmd',
    installArguments: 'WD /q',
    applicabilityRules: rules,
  });
  assert.deepEqual(structureDifferences(xmlStructure(written), xmlStructure(leaf)), []);
  assert.ok(written.startsWith('<upd:Update xmlns:pub='));
});

test('the writer keeps the order of the top-level parts and escapes what needs it', () => {
  const rev: UpdateRevision = {
    ...parseDoc('266f6222'),
    msrcSeverity: 'Critical',
    kbArticleIds: ['5066835'],
    securityBulletinIds: ['MS26-001'],
    supersededUpdateIds: ['7366a74a-ef29-44e1-b738-570b516aca1f'],
    localized: [{ language: 'en', title: 'A & B <c> "d"\r\n\ttab', description: 'x]]>y' }],
  };
  const xml = writeUpdateDocument(rev, {
    handler: 'cmd',
    applicabilityRules: '<upd:IsInstalled><lar:False /></upd:IsInstalled>',
  });
  assert.deepEqual(parseUpdateDocument(xml), rev);
  const order = xmlStructure(xml).children.map((c) => c.name.replace(/^\{[^}]*\}/, ''));
  assert.deepEqual(order, [
    'UpdateIdentity',
    'Properties',
    'LocalizedPropertiesCollection',
    'Relationships',
    'ApplicabilityRules',
    'Files',
    'HandlerSpecificData',
  ]);
  assert.throws(
    () => writeUpdateDocument({ ...rev, localized: [{ language: 'en', title: 'bell\u0007' }] }),
    (e) => isSupsyncError(e, 'XML_MALFORMED'),
  );
});

test('feature updates: the Upgrades classification in any clause, or an OSUpgrade / IsFeatureUpdate property', () => {
  const base = parseDoc('ccb78947');
  const upgrades = '3689bdc8-b205-4af4-8d4a-a63924c5e9d5';
  const viaCategory = {
    ...base,
    prerequisites: [{ updateIds: [upgrades], isCategory: true, isAtLeastOne: true }],
    isFeatureUpdate: true,
  };
  assert.equal(parseUpdateDocument(writeUpdateDocument(viaCategory)).isFeatureUpdate, true);
  const viaFlag = { ...base, isFeatureUpdate: true };
  const flagged = writeUpdateDocument(viaFlag);
  assert.match(flagged, /OSUpgrade="true"/);
  assert.deepEqual(parseUpdateDocument(flagged), viaFlag);
  const attrFlag = readDoc('ccb78947').replace('UpdateType="Software"', 'UpdateType="Software" IsFeatureUpdate="true"');
  assert.equal(parseUpdateDocument(attrFlag).isFeatureUpdate, true);
  assert.equal(base.isFeatureUpdate, false);
});

test('a category without CategoryType reads with categoryType undefined', () => {
  const xml = readDoc('dd78b8a1').replace('CategoryType="Product" ', '');
  const rev = parseUpdateDocument(xml);
  assert.equal(rev.updateType, 'Category');
  assert.equal('categoryType' in rev, false);
  assert.deepEqual(parseUpdateDocument(writeUpdateDocument(rev)), rev);
});

const UPD = 'xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update"';
const MINIMAL = `<upd:Update ${UPD}><upd:UpdateIdentity UpdateID="6964AAB4-C5B5-43BD-A17D-FFB4346A8E1D" RevisionNumber="1" /><upd:Properties UpdateType="Detectoid" /></upd:Update>`;

test('a minimal document reads with defaults and an upper-case GUID lower-cased', () => {
  const rev = parseUpdateDocument(`\uFEFF<?xml version="1.0" encoding="utf-8"?>${MINIMAL}`);
  assert.deepEqual(rev.identity, { updateId: WINDOWS, revisionNumber: 1 });
  assert.equal(rev.updateType, 'Detectoid');
  assert.equal(rev.publicationState, 'Published');
  assert.deepEqual(rev.localized, []);
});

test('hostile and broken input is refused with a stable code', () => {
  const cases: [string, string, string][] = [
    [
      'XXE',
      `<!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${MINIMAL.replace('</upd:Update>', '<upd:X>&xxe;</upd:X></upd:Update>')}`,
      'XML_DTD_FORBIDDEN',
    ],
    ['billion laughs', `<!DOCTYPE u [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>${MINIMAL}`, 'XML_DTD_FORBIDDEN'],
    ['plain DOCTYPE', `<!DOCTYPE upd:Update>${MINIMAL}`, 'XML_DTD_FORBIDDEN'],
    ['undeclared entity', MINIMAL.replace('</upd:Update>', '<upd:X>&xxe;</upd:X></upd:Update>'), 'XML_MALFORMED'],
    ['truncated', readDoc('266f6222').slice(0, 3000), 'XML_MALFORMED'],
    ['empty', '', 'XML_MALFORMED'],
    ['not XML', 'hello', 'XML_MALFORMED'],
    ['unbound prefix', MINIMAL.replace(UPD, ''), 'XML_MALFORMED'],
    ['no identity', MINIMAL.replace(/<upd:UpdateIdentity[^>]*\/>/, ''), 'UPDATE_XML_INVALID'],
    ['no Properties', MINIMAL.replace(/<upd:Properties[^>]*\/>/, ''), 'UPDATE_XML_INVALID'],
    ['no UpdateType', MINIMAL.replace(' UpdateType="Detectoid"', ''), 'UPDATE_XML_INVALID'],
    ['unknown UpdateType', MINIMAL.replace('Detectoid', 'Firmware'), 'UPDATE_XML_INVALID'],
    ['bad GUID', MINIMAL.replace('6964AAB4-', 'zz'), 'UPDATE_XML_INVALID'],
    ['bad revision', MINIMAL.replace('RevisionNumber="1"', 'RevisionNumber="-1"'), 'UPDATE_XML_INVALID'],
    ['other root', '<Update><UpdateIdentity UpdateID="x" /></Update>', 'UPDATE_XML_INVALID'],
  ];
  for (const [name, xml, code] of cases) {
    assert.throws(
      () => parseUpdateDocument(xml),
      (e) => isSupsyncError(e) && e.code === code,
      name,
    );
  }
});
