/**
 * Update documents carried by the recorded GetUpdateData answers: decoding them gives exactly the
 * files in `docs/`, and packing those files the way our server does gives the same answers back.
 * Needs the cabinet module (src/wsusss/cab/).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ServerUpdateData } from '../../../src/wsusss/messages/index.ts';
import { decodeResponse, encodeResponse } from '../../../src/wsusss/messages/index.ts';
import { encodeUpdateBlob, updateDocumentXml } from '../../../src/wsusss/messages/update-blob.ts';
import { structureDifferences, xmlStructure } from '../../helpers/xml-structure.ts';
import { CAPTURES, capturedDocument, exchange, listAllExchanges } from './capture-files.ts';

async function updateDataOf(name: string): Promise<ServerUpdateData> {
  const body = exchange(name).responseBody;
  assert.ok(body);
  return (await decodeResponse('GetUpdateData', body)).result;
}

const CASES = [
  { exchange: '000014', doc: '266f6222-c89d-43f2-9f8a-69340271e677-r200', compressed: true },
  { exchange: '000015', doc: 'ccb78947-6453-4ecc-9de8-bc0305c98f2d-r200', compressed: false },
  { exchange: '000016', doc: '56309036-4c77-4dd9-951a-99ee9c246a94-r101', compressed: true },
] as const;

describe('recorded update documents', () => {
  for (const c of CASES) {
    test(`${c.exchange}: the ${c.compressed ? 'compressed' : 'plain'} blob is exactly docs/${c.doc}.xml`, async () => {
      const data = await updateDataOf(c.exchange);
      const item = data.updates[0];
      assert.ok(item);
      assert.equal(item.blob.compressed, c.compressed);
      assert.equal(`${item.id.updateId}-r${item.id.revisionNumber}`, c.doc);
      assert.equal(updateDocumentXml(item), capturedDocument(c.doc));
    });

    test(`${c.exchange}: our server packs docs/${c.doc}.xml into the answer WSUS gave`, async () => {
      const recorded = await updateDataOf(c.exchange);
      const ours: ServerUpdateData = {
        ...recorded,
        updates: recorded.updates.map((u) => ({ ...u, blob: encodeUpdateBlob(capturedDocument(c.doc)) })),
      };
      assert.equal(ours.updates[0]?.blob.compressed, c.compressed, 'same choice of form as Windows');
      const body = exchange(c.exchange).responseBody?.toString('utf8') ?? '';
      // Our cabinet differs from Windows' (MSZIP, not LZX), so compressed blobs compare by content.
      const sameDocument = (path: string, a: string, e: string) =>
        path.includes('XmlUpdateBlobCompressed')
          ? updateDocumentXml({ blob: { compressed: true, cabBase64: a } }) ===
            updateDocumentXml({ blob: { compressed: true, cabBase64: e } })
          : a === e;
      const encoded = encodeResponse({ operation: 'GetUpdateData', result: ours });
      assert.deepEqual(structureDifferences(xmlStructure(encoded), xmlStructure(body), sameDocument), []);
    });
  }

  test('every recorded GetUpdateData answer, in every set, carries exactly the documents in docs/ it names', async () => {
    const held = new Set(readdirSync(new URL('docs/', CAPTURES)).map((n) => n.replace(/\.xml$/, '')));
    let compared = 0;
    for (const ex of listAllExchanges()) {
      if (!ex.meta.soap_action.endsWith('/GetUpdateData') || ex.meta.status !== 200 || !ex.responseBody) continue;
      const { updates } = (await decodeResponse('GetUpdateData', ex.responseBody)).result;
      for (const item of updates) {
        const doc = `${item.id.updateId}-r${item.id.revisionNumber}`;
        if (!held.has(doc)) continue;
        const xml = capturedDocument(doc);
        assert.equal(updateDocumentXml(item), xml, `${ex.name}: ${doc}`);
        assert.equal(encodeUpdateBlob(xml).compressed, item.blob.compressed, `${ex.name}: form of ${doc}`);
        compared++;
      }
    }
    assert.ok(compared >= CASES.length, `compared ${compared} documents`);
  });

  test('every document in docs/ survives encodeUpdateBlob → updateDocumentXml, in the form Windows would pick', () => {
    const names = readdirSync(new URL('docs/', CAPTURES)).filter((n) => n.endsWith('.xml'));
    assert.ok(names.length >= 3);
    for (const name of names) {
      const xml = capturedDocument(name.slice(0, -4));
      const blob = encodeUpdateBlob(xml);
      assert.equal(blob.compressed, xml.length * 2 > 5120, name);
      assert.equal(updateDocumentXml({ blob }), xml, name);
    }
  });

  test('compressAbove moves the threshold', () => {
    const xml = capturedDocument('ccb78947-6453-4ecc-9de8-bc0305c98f2d-r200');
    assert.equal(encodeUpdateBlob(xml, { compressAbove: 100 }).compressed, true);
    assert.equal(encodeUpdateBlob(xml, { compressAbove: xml.length * 2 }).compressed, false);
    assert.equal(encodeUpdateBlob(xml, { compressAbove: xml.length * 2 - 1 }).compressed, true);
  });
});
