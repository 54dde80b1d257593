/**
 * The codec against real traffic of a Windows Server 2025 WSUS: every recorded request and
 * response decodes, re-encodes to the same structure, and says what the real server said.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import type { Operation, ResponseOf, WsusssRequest } from '../../../src/wsusss/messages/index.ts';
import {
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  servicePath,
  soapActionHeader,
} from '../../../src/wsusss/messages/index.ts';
import { encodeFault, WsusssFaultError } from '../../../src/wsusss/soap/fault.ts';
import { structureDifferences, xmlStructure } from '../../helpers/xml-structure.ts';
import { exchange, listAllExchanges, listExchanges } from './capture-files.ts';

const exchanges = listAllExchanges();

async function requestOf(name: string): Promise<WsusssRequest> {
  const body = exchange(name).requestBody;
  assert.ok(body, `${name} has a request body`);
  return decodeRequest(body);
}

async function responseOf<O extends Operation>(name: string, operation: O): Promise<ResponseOf<O>['result']> {
  const body = exchange(name).responseBody;
  assert.ok(body, `${name} has a response body`);
  return (await decodeResponse(operation, body)).result;
}

async function faultOf(name: string, operation: Operation): Promise<WsusssFaultError> {
  const body = exchange(name).responseBody;
  assert.ok(body);
  const err = await decodeResponse(operation, body).then(
    () => assert.fail('expected a fault'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WsusssFaultError);
  assert.equal(err.code, 'WSUSSS_FAULT');
  return err;
}

describe('every recorded exchange', () => {
  test('the capture set is present', () => {
    const main = listExchanges().length;
    assert.ok(main >= 18, `found ${main} exchanges`);
  });

  for (const ex of exchanges) {
    // `exchanges/` was recorded from the client our encoder follows, to its bytes' structure and its
    // quoted SOAPAction; a set from another client may write the same request another valid way
    // (prefixes, optional elements, an unquoted SOAPAction), so there the request must mean the
    // same after our encoding, and the header name the same action.
    const ourClient = ex.set === 'exchanges';
    test(`${ex.name}: request decodes, matches its SOAPAction and path, and re-encodes to the same ${ourClient ? 'structure' : 'request'}`, async () => {
      if (ex.requestBody === undefined) return;
      const req = await decodeRequest(ex.requestBody);
      const header = soapActionHeader(req.operation);
      assert.equal(ex.meta.soap_action, header.slice(1, -1));
      if (ex.soapActionHeader !== undefined) {
        if (ourClient) assert.equal(ex.soapActionHeader, header);
        else assert.equal(ex.soapActionHeader.replace(/^"(.*)"$/, '$1'), header.slice(1, -1));
      }
      assert.equal(ex.meta.path, servicePath(req.operation));
      const again = encodeRequest(req);
      assert.deepEqual(await decodeRequest(Buffer.from(again)), req);
      if (ourClient) {
        assert.deepEqual(structureDifferences(xmlStructure(again), xmlStructure(ex.requestBody.toString('utf8'))), []);
      }
    });

    test(`${ex.name}: response decodes and re-encodes to the structure the real server wrote`, async () => {
      if (ex.responseBody === undefined) return;
      const recorded = ex.responseBody.toString('utf8');
      const msg = await decodeMessage(ex.responseBody);
      let again: string;
      if (msg.kind === 'fault') {
        assert.equal(ex.meta.status, 500, 'faults come with HTTP 500');
        const { fault } = msg;
        assert.ok(fault.faultactor !== undefined && fault.method !== undefined && fault.id !== undefined);
        again = encodeFault({
          errorCode: fault.errorCode,
          message: fault.message,
          actor: fault.faultactor,
          soapAction: fault.method.replace(/^"|"$/g, ''),
        });
        // A new fault gets a new ID; everything else must match.
        const diffs = structureDifferences(
          xmlStructure(again),
          xmlStructure(recorded),
          (path, a, e) => path.endsWith('/ID[2]') || a === e,
        );
        assert.deepEqual(diffs, []);
        return;
      }
      assert.equal(msg.kind, 'response');
      assert.equal(ex.meta.status, 200);
      // The typed client entry point must agree with the generic decoder.
      const typed = await decodeResponse(msg.response.operation, ex.responseBody);
      assert.deepEqual(typed, msg.response);
      again = encodeResponse(msg.response);
      assert.deepEqual(structureDifferences(xmlStructure(again), xmlStructure(recorded)), []);
      // Not required by the protocol, but true today: our writer reproduces ASP.NET's bytes.
      assert.equal(again, recorded);
    });
  }
});

describe('facts the real WSUS stated', () => {
  test('000001 GetAuthConfig advertises DssTargeting with a relative service URL', async () => {
    const r = await responseOf('000001', 'GetAuthConfig');
    assert.equal(r.lastChange, '2026-10-04T13:16:35.433Z');
    assert.deepEqual(r.authInfo, [
      { plugInId: 'DssTargeting', serviceUrl: 'DssAuthWebService/DssAuthWebService.asmx', parameter: '' },
    ]);
    assert.equal(r.allowedEventIds, undefined);
  });

  test('000002 GetAuthorizationCookie uses the DssAuth namespace', async () => {
    const req = await requestOf('000002');
    assert.deepEqual(req, {
      operation: 'GetAuthorizationCookie',
      accountName: 'probe.lab.invalid',
      accountGuid: '6f1c2f6e-3f0b-4d3a-9b1e-0d2f6a1c5e12',
    });
    const r = await responseOf('000002', 'GetAuthorizationCookie');
    assert.equal(r.plugInId, 'DssTargeting');
    // Redacted in the capture to a run of `A` of the original length.
    assert.match(r.cookieData, /^A{500,}=*$/);
  });

  test('000003 GetCookie: protocol 1.20 and the exact Expiration string', async () => {
    const req = await requestOf('000003');
    assert.equal(req.operation, 'GetCookie');
    if (req.operation !== 'GetCookie') return;
    assert.equal(req.protocolVersion, '1.20');
    assert.equal(req.authCookies.length, 1);
    assert.equal(req.authCookies[0]?.plugInId, 'DssTargeting');
    assert.equal(req.oldCookie, undefined);
    const cookie = await responseOf('000003', 'GetCookie');
    assert.equal(cookie.expiration, '2026-10-04T20:33:26.65455Z');
    assert.equal(cookie.expirationDate.toISOString(), '2026-10-04T20:33:26.654Z');
    // WSUS hands out 240-minute cookies: the expiry is four hours after the recorded request.
    const issued = Date.parse(exchange('000003').meta.timestamp);
    assert.ok(Math.abs(cookie.expirationDate.getTime() - issued - 240 * 60_000) < 1000);
    assert.match(cookie.encryptedData, /^A+=*$/);
  });

  test('000004 GetConfigData with a current configAnchor: empty LanguageUpdateList', async () => {
    const req = await requestOf('000004');
    assert.equal(req.operation === 'GetConfigData' && req.configAnchor, '9438,2026-10-04 16:09:27.167');
    const r = await responseOf('000004', 'GetConfigData');
    assert.deepEqual(r.languageUpdateList, []);
    assert.equal(r.newConfigAnchor, '9438,2026-10-04 16:33:26.668');
  });

  test('000005 GetConfigData: limits, LazySync, 39 languages with only en enabled, anchor', async () => {
    const req = await requestOf('000005');
    assert.equal(req.operation === 'GetConfigData' && 'configAnchor' in req, false);
    const r = await responseOf('000005', 'GetConfigData');
    assert.equal(r.catalogOnlySync, false);
    assert.equal(r.lazySync, true);
    assert.equal(r.serverHostsPsfFiles, false);
    assert.equal(r.maxNumberOfUpdatesPerRequest, 100);
    assert.equal(r.maxNumberOfDriverSetsPerRequest, 0);
    assert.equal(r.maxNumberOfComputerIdsInRequest, 0);
    assert.equal(r.maxNumberOfPnpHardwareIdsInRequest, 0);
    assert.equal(r.maxUpdatesPerRequestInGetUpdateDecryptionData, 100);
    assert.equal(r.protocolVersion, '1.20');
    assert.equal(r.newConfigAnchor, '9438,2026-10-04 16:33:26.670');
    assert.equal(r.languageUpdateList?.length, 39);
    assert.deepEqual(
      r.languageUpdateList?.filter((l) => l.enabled),
      [{ languageId: 1033, shortLanguage: 'en', longLanguage: 'English', enabled: true }],
    );
    assert.deepEqual(r.languageUpdateList?.[0], {
      languageId: 0,
      shortLanguage: 'all',
      longLanguage: 'all',
      enabled: false,
    });
    assert.equal(r.languageUpdateList?.at(-1)?.languageId, 66577);
  });

  test('000006 GetRevisionIdList GetConfig=true without anchor: 30 revisions, duplicates per id kept', async () => {
    const req = await requestOf('000006');
    assert.deepEqual(req.operation === 'GetRevisionIdList' && req.filter, { getConfig: true });
    const r = await responseOf('000006', 'GetRevisionIdList');
    assert.equal(r.anchor, '9438,2026-10-04 16:33:26.671');
    assert.equal(r.newRevisions.length, 30);
    assert.deepEqual(r.newRevisions[0], { updateId: 'e6cf1350-c01b-414d-a61f-263d14d133b4', revisionNumber: 100 });
    assert.deepEqual(r.newRevisions[1], { updateId: 'e6cf1350-c01b-414d-a61f-263d14d133b4', revisionNumber: 1 });
  });

  test('000007, 000008, 000011, 000012 list no revisions; 000009 and 000010 list 30', async () => {
    for (const name of ['000007', '000008', '000011', '000012']) {
      const r = await responseOf(name, 'GetRevisionIdList');
      assert.deepEqual(r.newRevisions, [], name);
      assert.match(r.anchor ?? '', /^9438,2026-10-04 16:33:26\.\d{3}$/, name);
    }
    for (const name of ['000009', '000010']) {
      const r = await responseOf(name, 'GetRevisionIdList');
      assert.equal(r.newRevisions.length, 30, name);
      assert.deepEqual(r.newRevisions[0], { updateId: '8c55755c-2b9d-48cc-be8b-aedbf20911ec', revisionNumber: 201 });
    }
  });

  test('request filters: product only, product + classification, anchors and Delta flags', async () => {
    const product = { id: '8c3fcc84-7410-4a95-8b89-a166a0190486', delta: false };
    const defs = { id: 'e0789628-ce08-4437-be74-2495b842f43b', delta: false };
    const filterOf = async (name: string) => {
      const req = await requestOf(name);
      assert.equal(req.operation, 'GetRevisionIdList');
      return req.operation === 'GetRevisionIdList' ? req.filter : undefined;
    };
    assert.deepEqual(await filterOf('000007'), { getConfig: false, categories: [product] });
    assert.deepEqual(await filterOf('000008'), {
      getConfig: false,
      categories: [product],
      classifications: [{ id: '0fa1201d-4330-4fa8-8ae9-b877473b6441', delta: false }],
    });
    assert.deepEqual(await filterOf('000009'), { getConfig: false, categories: [product], classifications: [defs] });
    const anchor = '9438,2026-10-04 16:09:27.371';
    assert.deepEqual(await filterOf('000010'), {
      anchor,
      getConfig: false,
      categories: [product],
      classifications: [defs],
    });
    assert.deepEqual(await filterOf('000011'), {
      anchor,
      getConfig: false,
      categories: [{ ...product, delta: true }],
      classifications: [{ ...defs, delta: true }],
    });
    assert.deepEqual(await filterOf('000012'), { anchor, getConfig: false });
    assert.deepEqual(await filterOf('000018'), { anchor: 'garbage', getConfig: false });
  });

  test('000014 GetUpdateData: one compressed update with a file digest and its MU URL', async () => {
    const req = await requestOf('000014');
    assert.deepEqual(req.operation === 'GetUpdateData' && req.updateIds, [
      { updateId: '266f6222-c89d-43f2-9f8a-69340271e677', revisionNumber: 200 },
    ]);
    const r = await responseOf('000014', 'GetUpdateData');
    assert.equal(r.updates.length, 1);
    const u = r.updates[0];
    assert.ok(u);
    assert.deepEqual(u.id, { updateId: '266f6222-c89d-43f2-9f8a-69340271e677', revisionNumber: 200 });
    assert.deepEqual(u.fileDigestList, ['h/W9BGlYUAaqXTp30cZi/SiV3c0=']);
    assert.equal(u.blob.compressed, true);
    assert.ok(
      u.blob.compressed && Buffer.from(u.blob.cabBase64, 'base64').subarray(0, 4).toString('latin1') === 'MSCF',
    );
    assert.deepEqual(r.fileUrls, [
      {
        fileDigest: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=',
        muUrl:
          'http://download.windowsupdate.com/c/msdownload/update/software/defu/2026/10/am_delta_87f5bd0469585006aa5d3a77d1c662fd2895ddcd.exe',
        ussUrl: '',
      },
    ]);
  });

  test('000015 small update comes uncompressed, without FileDigestList; 000016 compressed', async () => {
    const small = await responseOf('000015', 'GetUpdateData');
    assert.equal(small.updates[0]?.blob.compressed, false);
    assert.equal(small.updates[0]?.fileDigestList, undefined);
    assert.deepEqual(small.fileUrls, []);
    const category = await responseOf('000016', 'GetUpdateData');
    assert.equal(category.updates[0]?.blob.compressed, true);
    assert.deepEqual(category.updates[0]?.id, {
      updateId: '56309036-4c77-4dd9-951a-99ee9c246a94',
      revisionNumber: 101,
    });
  });

  test('000017 unknown update id: InternalServerError from soap:Server', async () => {
    const err = await faultOf('000017', 'GetUpdateData');
    assert.equal(err.wsusssErrorCode, 'InternalServerError');
    assert.equal(err.faultcode, 'soap:Server');
    assert.equal(err.faultMessage, '');
    assert.equal(err.faultId, 'b6114a8d-9939-41e0-ad7f-0d9a72260804');
    assert.equal(err.method, '"http://www.microsoft.com/SoftwareDistribution/GetUpdateData"');
    assert.equal(err.fault.faultactor, 'http://127.0.0.1:8530/ServerSyncWebService/ServerSyncWebService.asmx');
  });

  test('000018 garbage anchor: InvalidParameters, Message "filter"', async () => {
    const err = await faultOf('000018', 'GetRevisionIdList');
    assert.equal(err.wsusssErrorCode, 'InvalidParameters');
    assert.equal(err.faultMessage, 'filter');
    assert.equal(err.faultcode, 'soap:Client');
    assert.equal(err.faultId, '94327110-fc7e-4c3c-878d-186ab273d9fd');
    assert.equal(err.method, '"http://www.microsoft.com/SoftwareDistribution/GetRevisionIdList"');
    assert.match(err.message, /InvalidParameters.*GetRevisionIdList.*filter/);
  });

  test('000019 no cookie: the request still decodes (so a server can answer InvalidCookie), and WSUS did', async () => {
    const req = await requestOf('000019');
    assert.deepEqual(req, { operation: 'GetRevisionIdList', filter: { getConfig: true } });
    const err = await faultOf('000019', 'GetRevisionIdList');
    assert.equal(err.wsusssErrorCode, 'InvalidCookie');
    assert.equal(err.faultId, '6ea693bc-a66e-4334-a797-043728561c7d');
    assert.equal(err.method, '"http://www.microsoft.com/SoftwareDistribution/GetRevisionIdList"');
  });

  test('a response is not mistaken for another operation', async () => {
    const body = exchange('000006').responseBody;
    assert.ok(body);
    await assert.rejects(decodeResponse('GetUpdateData', body), (e: unknown) => isSupsyncError(e, 'SOAP_MALFORMED'));
  });
});
