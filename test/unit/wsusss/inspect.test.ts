import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspectMessage } from '../../../src/wsusss/inspect.ts';
import { encodeResponse } from '../../../src/wsusss/messages/index.ts';
import { capturedDocument, exchange } from '../../contract/captures/capture-files.ts';

function body(name: string, side: 'request' | 'response'): Buffer {
  const ex = exchange(name);
  const b = side === 'request' ? ex.requestBody : ex.responseBody;
  assert.ok(b);
  return b;
}

describe('inspectMessage', () => {
  test('GetRevisionIdList request: the filter with anchor and Delta flags, no cookie secret', async () => {
    const s = await inspectMessage(body('000011', 'request'));
    assert.deepEqual(s, {
      kind: 'request',
      operation: 'GetRevisionIdList',
      soapVersion: '1.1',
      cookie: { expiration: '2026-10-04T20:33:26.65455Z' },
      filter: {
        anchor: '9438,2026-10-04 16:09:27.371',
        getConfig: false,
        get63LanguageOnly: null,
        categories: [{ id: '8c3fcc84-7410-4a95-8b89-a166a0190486', delta: true }],
        classifications: [{ id: 'e0789628-ce08-4437-be74-2495b842f43b', delta: true }],
        languages: null,
      },
    });
    assert.doesNotMatch(JSON.stringify(s), /AAAA/);
  });

  test('GetRevisionIdList response: anchor and count', async () => {
    const s = await inspectMessage(body('000006', 'response'));
    assert.equal(s.kind, 'response');
    assert.equal(s.operation, 'GetRevisionIdList');
    assert.equal(s.anchor, '9438,2026-10-04 16:33:26.671');
    assert.equal(s.revisionCount, 30);
  });

  test('GetUpdateDecryptionData response: each revision with its files, and whether a key came, not the key', async () => {
    const xml = encodeResponse({
      operation: 'GetUpdateDecryptionData',
      result: {
        updateFileDecryptionData: [
          {
            updateId: { updateId: 'a2fef9b0-7951-4c2c-a42b-9e351dd1c1fe', revisionNumber: 200 },
            fileDecryptionData: [{ fileDigest: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=', decryptionKey: 'c2VjcmV0' }],
          },
        ],
      },
    });
    const s = await inspectMessage(Buffer.from(xml));
    assert.equal(s.operation, 'GetUpdateDecryptionData');
    assert.deepEqual(s.updates, [
      {
        updateId: 'a2fef9b0-7951-4c2c-a42b-9e351dd1c1fe',
        revisionNumber: 200,
        files: [{ fileDigest: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=', hasDecryptionKey: true }],
      },
    ]);
    assert.doesNotMatch(JSON.stringify(s), /c2VjcmV0/);
  });

  test('GetDeployments response: anchor, groups and counts', async () => {
    const xml = encodeResponse({
      operation: 'GetDeployments',
      result: {
        anchor: '7,2026-12-07 10:00:00.000',
        groups: [
          {
            targetGroupId: 'a0a08746-4dbe-4a37-9adf-9e7652c0b421',
            parentGroupId: '00000000-0000-0000-0000-000000000000',
            name: 'All Computers',
            isBuiltin: true,
          },
        ],
        deployments: [],
        deadDeployments: [],
        hiddenUpdates: ['a2fef9b0-7951-4c2c-a42b-9e351dd1c1fe'],
        acceptedEulas: [],
      },
    });
    const s = await inspectMessage(Buffer.from(xml));
    assert.deepEqual(
      { ...s, kind: undefined, operation: undefined, soapVersion: undefined },
      {
        kind: undefined,
        operation: undefined,
        soapVersion: undefined,
        anchor: '7,2026-12-07 10:00:00.000',
        groups: [{ targetGroupId: 'a0a08746-4dbe-4a37-9adf-9e7652c0b421', name: 'All Computers' }],
        deploymentCount: 0,
        deadDeploymentCount: 0,
        hiddenUpdateCount: 1,
        acceptedEulaCount: 0,
      },
    );
    assert.equal(s.operation, 'GetDeployments');
  });

  test('GetConfigData response: limits and enabled languages', async () => {
    const s = await inspectMessage(body('000005', 'response'));
    assert.equal(s.maxNumberOfUpdatesPerRequest, 100);
    assert.equal(s.languageCount, 39);
    assert.deepEqual(s.enabledLanguages, ['en']);
  });

  test('GetUpdateData response: updates with form and size, file URLs', async () => {
    const s = await inspectMessage(body('000014', 'response'));
    assert.deepEqual(s.updates, [
      {
        updateId: '266f6222-c89d-43f2-9f8a-69340271e677',
        revisionNumber: 200,
        compressed: true,
        bytes: 1965,
        fileDigests: ['h/W9BGlYUAaqXTp30cZi/SiV3c0='],
      },
    ]);
    const plain = await inspectMessage(body('000015', 'response'));
    assert.deepEqual(plain.updates, [
      {
        updateId: 'ccb78947-6453-4ecc-9de8-bc0305c98f2d',
        revisionNumber: 200,
        compressed: false,
        bytes: 1432,
        fileDigests: [],
      },
    ]);
  });

  test('faults: error code, message and the operation from Method', async () => {
    const s = await inspectMessage(body('000018', 'response'));
    assert.equal(s.kind, 'fault');
    assert.equal(s.operation, 'GetRevisionIdList');
    assert.equal(s.errorCode, 'InvalidParameters');
    assert.equal(s.message, 'filter');
    assert.equal(s.id, '94327110-fc7e-4c3c-878d-186ab273d9fd');
  });

  test('extractDir writes each update document as <UpdateID>-r<RevisionNumber>.xml', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'supsync-inspect-'));
    try {
      const cases = [
        ['000015', 'ccb78947-6453-4ecc-9de8-bc0305c98f2d-r200'],
        ['000014', '266f6222-c89d-43f2-9f8a-69340271e677-r200'],
        ['000016', '56309036-4c77-4dd9-951a-99ee9c246a94-r101'],
      ] as const;
      for (const [ex, doc] of cases) {
        const s = await inspectMessage(body(ex, 'response'), { extractDir: join(dir, 'out') });
        assert.deepEqual(s.extracted, [join(dir, 'out', `${doc}.xml`)]);
        assert.equal(await readFile(join(dir, 'out', `${doc}.xml`), 'utf8'), capturedDocument(doc));
      }
      assert.equal((await readdir(join(dir, 'out'))).length, 3);
      const req = await inspectMessage(body('000014', 'request'), { extractDir: join(dir, 'none') });
      assert.deepEqual(req.extracted, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
