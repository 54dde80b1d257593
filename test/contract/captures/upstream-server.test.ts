/**
 * Our upstream server against the real WSUS: every recorded request in the captures is sent to our
 * server (over real HTTP on loopback, with our own cookies substituted for the redacted ones), and
 * the answer must have the structure of the real server's recorded answer (element names,
 * namespaces, order; repeated list items compared by shape) and the same behaviour on the edge cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openSite, type Site } from '../../../src/app.ts';
import { buildHttpServer } from '../../../src/app-http.ts';
import type { StoredRevision } from '../../../src/catalog/model.ts';
import { parseUpdateDocument } from '../../../src/catalog/update-document.ts';
import { writeUpdateDocument } from '../../../src/catalog/update-document-writer.ts';
import { DEFAULT_SETTINGS } from '../../../src/site/settings.ts';
import { encodeUpdateBlob } from '../../../src/wsusss/messages/update-blob.ts';
import { type StructureNode, xmlStructure } from '../../helpers/xml-structure.ts';
import { exchange, listAllExchanges } from './capture-files.ts';

const FIXTURES = new URL('../../../../shared/fixtures/wsus-captures/', import.meta.url);
const DEFENDER = '8c3fcc84-7410-4a95-8b89-a166a0190486';
/** KB2267602: the bundle the real server held and a leaf of it. */
const BUNDLE = 'a2fef9b0-7951-4c2c-a42b-9e351dd1c1fe';
const LEAF = '266f6222-c89d-43f2-9f8a-69340271e677';
const DEFINITIONS = 'e0789628-ce08-4437-be74-2495b842f43b';

/** Element names with repeated siblings collapsed, so lists of different lengths compare by shape. */
function shape(n: StructureNode): string {
  const kids: string[] = [];
  for (const c of n.children) {
    const s = shape(c);
    if (kids.at(-1) !== s) kids.push(s);
  }
  return kids.length === 0 ? n.name : `${n.name}(${kids.join(',')})`;
}

/** An element's prefix, if it has one (`ns0:`), as another client may write it. */
const PREFIX = '((?:[\\w.-]+:)?)';

/** The text of every `local` element without children, whatever its prefix. */
function leafText(xml: string, local: string): string[] {
  const re = new RegExp(`<${PREFIX}${local}(?:\\s[^>]*)?>([^<]*)</\\1${local}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[2] as string);
}

let site: Site;
let app: FastifyInstance;
let base: string;
const exchanges = listAllExchanges();
const text = (body: Buffer | undefined) => body?.toString('utf8') ?? '';

async function post(path: string, action: string, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: action },
    body,
  });
  return { status: res.status, body: await res.text() };
}

let authCookie = '';
let cookie = { expiration: '', encryptedData: '' };

/**
 * The recorded request with our cookies in place of the redacted ones, written with the request's
 * own prefix for the protocol's namespace (a client may qualify every element, `ns0:cookie`).
 */
function withOurCookies(body: string): string {
  return body
    .replace(
      new RegExp(`<${PREFIX}CookieData>[^<]*</\\1CookieData>`),
      (_m, p) => `<${p}CookieData>${authCookie}</${p}CookieData>`,
    )
    .replace(
      new RegExp(`<${PREFIX}cookie(\\s[^>]*)?>[\\s\\S]*?</\\1cookie>`),
      (_m, p, attributes = '') =>
        `<${p}cookie${attributes}><${p}Expiration>${cookie.expiration}</${p}Expiration>` +
        `<${p}EncryptedData>${cookie.encryptedData}</${p}EncryptedData></${p}cookie>`,
    );
}

async function setUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supsync-uss-'));
  site = await openSite({ db: join(dir, 'upstream.db') });
  await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'MU1', supName: 'uss', upstreamUrl: 'none' });
  const docs = readdirSync(new URL('docs/', FIXTURES)).map((f) => readFileSync(new URL(`docs/${f}`, FIXTURES), 'utf8'));
  const revisions: StoredRevision[] = docs.map((xml) => ({ revision: parseUpdateDocument(xml), xml }));
  // The real server also held the KB2267602 bundle, which names Defender + Definition Updates in an
  // IsCategory clause and bundles the leaf; where the captures keep that document aside, one of the
  // same shape stands in: the leaf's own document with the bundle's identity and relationships and
  // no files. It keeps the leaf's applicability rules, so it is as big as a real bundle and goes
  // out compressed as the real one did (exchange 000013; only 000015's small leaf went out plain).
  const leaf = revisions.find((r) => r.revision.identity.updateId === LEAF);
  assert.ok(leaf);
  const bundleXml = leaf.xml
    .replace(`UpdateID="${LEAF}" RevisionNumber="200"`, `UpdateID="${BUNDLE}" RevisionNumber="200"`)
    .replace(
      /<upd:Relationships>[\s\S]*?<\/upd:Relationships>/,
      '<upd:Relationships><upd:Prerequisites><upd:AtLeastOne IsCategory="true">' +
        `<upd:UpdateIdentity UpdateID="${DEFENDER}" /><upd:UpdateIdentity UpdateID="${DEFINITIONS}" />` +
        '</upd:AtLeastOne></upd:Prerequisites><upd:BundledUpdates><upd:AtLeastOne>' +
        `<upd:UpdateIdentity UpdateID="${LEAF}" RevisionNumber="200" /></upd:AtLeastOne></upd:BundledUpdates>` +
        '</upd:Relationships>',
    )
    .replace(/<upd:Files>[\s\S]*?<\/upd:Files>/, '');
  // ...and categories for the product and classification it names, which the real server had too.
  const product = revisions.find((r) => r.revision.categoryType === 'Product');
  assert.ok(product);
  const category = (updateId: string, title: string, categoryType: 'Product' | 'UpdateClassification') => ({
    ...product.revision,
    identity: { updateId, revisionNumber: 100 },
    categoryType,
    localized: [{ language: 'en', title }],
    prerequisites: categoryType === 'Product' ? product.revision.prerequisites : [],
  });
  const held = (id: string) => revisions.some((r) => r.revision.identity.updateId === id);
  for (const rev of [
    category(DEFENDER, 'Microsoft Defender Antivirus', 'Product'),
    category(DEFINITIONS, 'Definition Updates', 'UpdateClassification'),
  ].filter((r) => !held(r.identity.updateId))) {
    const xml = writeUpdateDocument(rev);
    revisions.push({ revision: parseUpdateDocument(xml), xml });
  }
  if (!held(BUNDLE)) {
    const revision = parseUpdateDocument(bundleXml);
    assert.deepEqual(revision.bundledUpdates, [leaf.revision.identity]);
    assert.deepEqual(revision.files, []);
    assert.equal(encodeUpdateBlob(bundleXml).compressed, true);
    revisions.push({ revision, xml: bundleXml });
  }
  await site.store.putRevisions(revisions);
  app = await buildHttpServer({ site });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  // Log in the way the recorded client did, to get real cookies of ours.
  const auth = await post('/DssAuthWebService/DssAuthWebService.asmx', '', text(exchange('000002').requestBody));
  authCookie = leafText(auth.body, 'CookieData')[0] ?? '';
  const got = await post(
    '/ServerSyncWebService/ServerSyncWebService.asmx',
    '',
    withOurCookies(text(exchange('000003').requestBody)),
  );
  cookie = {
    expiration: leafText(got.body, 'Expiration')[0] ?? '',
    encryptedData: leafText(got.body, 'EncryptedData')[0] ?? '',
  };
}

describe('our upstream server answers every recorded request like the real WSUS', () => {
  before(setUp);
  after(async () => {
    await app.close();
    await site.close();
  });
  for (const { name: ex, meta, requestBody, responseBody } of exchanges) {
    it(`exchange ${ex}`, async () => {
      const res = await post(meta.path, `"${meta.soap_action}"`, withOurCookies(text(requestBody)));
      const real = text(responseBody);
      assert.equal(res.status, meta.status, `HTTP status of ${ex}`);
      assert.equal(shape(xmlStructure(res.body)), shape(xmlStructure(real)));
      for (const field of [
        'ErrorCode',
        'Message',
        'faultcode',
        'faultstring',
        'PlugInID',
        'ServiceUrl',
        'ProtocolVersion',
      ]) {
        assert.deepEqual(leafText(res.body, field), leafText(real, field), `${field} of ${ex}`);
      }
      assert.equal(
        leafText(res.body, 'UpdateID').length === 0,
        leafText(real, 'UpdateID').length === 0,
        `${ex}: empty and non-empty revision lists must agree with the real server`,
      );
    });
  }
});
