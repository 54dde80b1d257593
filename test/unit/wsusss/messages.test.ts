import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import type { Cookie, WsusssRequest, WsusssResponse } from '../../../src/wsusss/messages/index.ts';
import {
  DSS_AUTH_PATH,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  makeCookie,
  OPERATIONS,
  operationOfSoapAction,
  parseDateTime,
  SERVER_SYNC_PATH,
  servicePath,
  soapAction,
  soapActionHeader,
} from '../../../src/wsusss/messages/index.ts';
import { readRequestElement } from '../../../src/wsusss/messages/requests.ts';
import { readResponseElement } from '../../../src/wsusss/messages/responses.ts';
import { readEnvelope } from '../../../src/wsusss/soap/envelope.ts';
import { readXmlSync } from '../../../src/wsusss/soap/xml-reader.ts';

const is = (c: string, re?: RegExp) => (e: unknown) =>
  isSupsyncError(e) && e.code === c && (re === undefined || re.test(e.message));

const cookie: Cookie = {
  expiration: '2026-10-04T20:33:26.65455Z',
  expirationDate: new Date('2026-10-04T20:33:26.654Z'),
  encryptedData: 'c2VjcmV0',
};
const id = (n: number) => ({ updateId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`, revisionNumber: n });

const REQUESTS: readonly WsusssRequest[] = [
  { operation: 'GetAuthConfig' },
  {
    operation: 'GetAuthorizationCookie',
    accountName: 'sup01.corp.example',
    accountGuid: 'ad7e9b6e-0b4e-4f6b-8a2e-2f7c1f5d9e01',
  },
  {
    operation: 'GetAuthorizationCookie',
    accountName: 'sup01',
    accountGuid: '00000000-0000-0000-0000-000000000000',
    programKeys: ['11111111-1111-1111-1111-111111111111'],
  },
  {
    operation: 'GetCookie',
    authCookies: [{ plugInId: 'DssTargeting', cookieData: 'AAAA' }],
    oldCookie: cookie,
    protocolVersion: '1.20',
  },
  { operation: 'GetConfigData', cookie },
  { operation: 'GetConfigData', cookie, configAnchor: '9438,2026-10-04 16:09:27.167' },
  { operation: 'GetRevisionIdList', cookie, filter: { getConfig: true, get63LanguageOnly: false } },
  {
    operation: 'GetRevisionIdList',
    cookie,
    filter: {
      anchor: 'a & <b>',
      getConfig: false,
      get63LanguageOnly: true,
      categories: [{ id: '8c3fcc84-7410-4a95-8b89-a166a0190486', delta: true }],
      classifications: [],
      languages: [
        { id: 1033, delta: true },
        { id: 1031, delta: false },
      ],
    },
  },
  { operation: 'GetUpdateData', cookie, updateIds: [id(1), id(2)] },
  { operation: 'GetUpdateDecryptionData', cookie, updateIds: [id(7)] },
  { operation: 'GetDeployments', cookie, syncAnchor: '9438,2026-10-04 16:33:26.671' },
  { operation: 'GetDeployments', cookie, deploymentAnchor: '12,2026-10-05 01:02:03.004', syncAnchor: 's' },
];

const RESPONSES: readonly WsusssResponse[] = [
  {
    operation: 'GetAuthConfig',
    result: {
      lastChange: '2026-10-04T13:16:35.433Z',
      authInfo: [{ plugInId: 'DssTargeting', serviceUrl: 'DssAuthWebService/DssAuthWebService.asmx', parameter: '' }],
      allowedEventIds: [1, 2],
    },
  },
  { operation: 'GetAuthorizationCookie', result: { plugInId: 'DssTargeting', cookieData: 'QUJD' } },
  { operation: 'GetCookie', result: cookie },
  {
    operation: 'GetConfigData',
    result: {
      catalogOnlySync: true,
      lazySync: true,
      serverHostsPsfFiles: true,
      maxNumberOfUpdatesPerRequest: 100,
      maxNumberOfDriverSetsPerRequest: 100,
      maxNumberOfComputerIdsInRequest: 200,
      maxNumberOfPnpHardwareIdsInRequest: 450,
      newConfigAnchor: '2026-10-05 17:27:44.393',
      protocolVersion: '1.21',
      languageUpdateList: [{ languageId: 0, shortLanguage: 'all', longLanguage: 'all', enabled: true }],
      maxUpdatesPerRequestInGetUpdateDecryptionData: 500,
    },
  },
  {
    operation: 'GetConfigData',
    result: { catalogOnlySync: false, lazySync: false, serverHostsPsfFiles: false, maxNumberOfUpdatesPerRequest: 50 },
  },
  { operation: 'GetRevisionIdList', result: { anchor: '9438,2026-10-04 16:33:26.671', newRevisions: [id(3), id(4)] } },
  { operation: 'GetRevisionIdList', result: { newRevisions: [] } },
  {
    operation: 'GetUpdateData',
    result: {
      updates: [
        {
          id: id(5),
          fileDigestList: ['h/W9BGlYUAaqXTp30cZi/SiV3c0='],
          blob: { compressed: true, cabBase64: 'TVNDRg==' },
        },
        { id: id(6), blob: { compressed: false, xml: '<upd:Update xmlns:upd="u">a&amp;b "q" \r\n</upd:Update>' } },
        { id: id(6), fileDigestList: [], blob: { compressed: false, xml: '' } },
      ],
      fileUrls: [
        { fileDigest: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=', muUrl: 'http://download.windowsupdate.com/x.exe', ussUrl: '' },
        { fileDigest: 'x' },
      ],
    },
  },
];

const DECRYPTION_DATA: WsusssResponse = {
  operation: 'GetUpdateDecryptionData',
  result: {
    updateFileDecryptionData: [
      {
        updateId: id(7),
        fileDecryptionData: [
          { fileDigest: 'h/W9BGlYUAaqXTp30cZi/SiV3c0=', decryptionKey: 'a2V5' },
          { fileDigest: 'eA==' },
        ],
      },
      { updateId: id(8), fileDecryptionData: [] },
    ],
  },
};

const DEPLOYMENTS: WsusssResponse = {
  operation: 'GetDeployments',
  result: {
    anchor: '13,2026-10-05 01:02:03.004',
    groups: [
      {
        targetGroupId: 'a0a08746-4dbe-4a37-9adf-9e7652c0b421',
        parentGroupId: '00000000-0000-0000-0000-000000000000',
        name: 'All Computers',
        isBuiltin: true,
      },
      { targetGroupId: id(9).updateId, parentGroupId: 'a0a08746-4dbe-4a37-9adf-9e7652c0b421', isBuiltin: false },
    ],
    deployments: [
      {
        updateId: id(10).updateId,
        revisionNumber: 204,
        action: 0,
        adminName: 'CONTOSO\\wsusadmin',
        deadline: '9999-12-31T23:59:59.999Z',
        isAssigned: true,
        goLiveTime: '2026-10-05T00:00:00Z',
        deploymentGuid: id(11).updateId,
        targetGroupId: 'a0a08746-4dbe-4a37-9adf-9e7652c0b421',
        downloadPriority: 1,
      },
    ],
    deadDeployments: [id(12).updateId],
    hiddenUpdates: [id(13).updateId, id(14).updateId],
    acceptedEulas: [],
  },
};

describe('round trips', () => {
  for (const req of REQUESTS) {
    test(`request ${req.operation} ${JSON.stringify(req).length}`, async () => {
      const xml = encodeRequest(req);
      assert.ok(
        xml.startsWith(
          '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>',
        ),
      );
      assert.deepEqual(await decodeRequest(xml), req);
      const msg = await decodeMessage(Buffer.from(xml));
      assert.deepEqual(msg, { kind: 'request', soapVersion: '1.1', request: req });
    });
  }
  for (const res of [
    ...RESPONSES,
    DECRYPTION_DATA,
    { ...DECRYPTION_DATA, result: { updateFileDecryptionData: [] } },
    DEPLOYMENTS,
  ]) {
    test(`response ${res.operation} ${JSON.stringify(res).length}`, async () => {
      const xml = encodeResponse(res);
      assert.deepEqual(await decodeResponse(res.operation, xml), res);
      assert.deepEqual(await decodeMessage(xml), { kind: 'response', soapVersion: '1.1', response: res });
    });
  }

  test('writes GetUpdateDecryptionData in the WSDL shape', () => {
    const xml = encodeResponse(DECRYPTION_DATA);
    assert.match(
      xml,
      /<GetUpdateDecryptionDataResponse xmlns="http:\/\/www\.microsoft\.com\/SoftwareDistribution"><GetUpdateDecryptionDataResult><UpdateFileDecryptionData><ServerSyncUpdateFileDecryption><UpdateId><UpdateID>[^<]+<\/UpdateID><RevisionNumber>7<\/RevisionNumber><\/UpdateId><FileDecryptionData><ServerSyncFileDecryption><FileDigest>[^<]+<\/FileDigest><DecryptionKey>a2V5<\/DecryptionKey><\/ServerSyncFileDecryption><ServerSyncFileDecryption><FileDigest>eA==<\/FileDigest><\/ServerSyncFileDecryption><\/FileDecryptionData><\/ServerSyncUpdateFileDecryption>/,
    );
    assert.match(xml, /<FileDecryptionData \/><\/ServerSyncUpdateFileDecryption><\/UpdateFileDecryptionData>/);
  });

  test('writes GetDeployments in the WSDL order, every list present', () => {
    const empty: WsusssResponse = {
      operation: 'GetDeployments',
      result: { anchor: 'a', groups: [], deployments: [], deadDeployments: [], hiddenUpdates: [], acceptedEulas: [] },
    };
    assert.match(
      encodeResponse(empty),
      /<GetDeploymentsResult><Anchor>a<\/Anchor><Groups \/><Deployments \/><DeadDeployments \/><HiddenUpdates \/><AcceptedEulas \/><\/GetDeploymentsResult>/,
    );
    assert.match(
      encodeResponse(DEPLOYMENTS),
      /<ServerSyncDeployment><UpdateId>[^<]+<\/UpdateId><RevisionNumber>204<\/RevisionNumber><Action>0<\/Action><AdminName>[^<]+<\/AdminName><Deadline>[^<]+<\/Deadline><IsAssigned>true<\/IsAssigned><GoLiveTime>[^<]+<\/GoLiveTime><DeploymentGuid>[^<]+<\/DeploymentGuid><TargetGroupId>[^<]+<\/TargetGroupId><DownloadPriority>1<\/DownloadPriority><\/ServerSyncDeployment>/,
    );
    assert.match(encodeResponse(DEPLOYMENTS), /<HiddenUpdates><guid>[^<]+<\/guid><guid>/);
  });

  test('writes children in WSDL order and empty lists as <Name />', () => {
    const xml = encodeRequest(REQUESTS[7] as WsusssRequest);
    assert.match(
      xml,
      /<cookie>.*<\/cookie><filter><Anchor>a &amp; &lt;b&gt;<\/Anchor><GetConfig>false<\/GetConfig><Get63LanguageOnly>true<\/Get63LanguageOnly><Categories>.*<\/Categories><Classifications \/><Languages><LanguageAndDelta><Id>1033<\/Id><Delta>true<\/Delta>/,
    );
    assert.match(
      encodeRequest({ operation: 'GetAuthorizationCookie', accountName: 'a', accountGuid: 'g' }),
      /<GetAuthorizationCookie xmlns="http:\/\/www\.microsoft\.com\/SoftwareDistribution\/Server\/DssAuthWebService">/,
    );
  });
});

describe('long identity lists', () => {
  test('collected while parsing or read from a plain tree, the result is the same', async () => {
    const res: WsusssResponse = {
      operation: 'GetRevisionIdList',
      result: { anchor: 'a', newRevisions: Array.from({ length: 500 }, (_, i) => id(i)) },
    };
    const xml = encodeResponse(res);
    const { bodyElement } = readEnvelope(readXmlSync(xml));
    assert.deepEqual(readResponseElement('GetRevisionIdList', bodyElement), res);
    assert.deepEqual(await decodeResponse('GetRevisionIdList', xml), res);
    const req: WsusssRequest = { operation: 'GetUpdateData', cookie, updateIds: [id(1), id(1), id(2)] };
    assert.deepEqual(readRequestElement(readEnvelope(readXmlSync(encodeRequest(req))).bodyElement), req);
  });
});

describe('reading is prefix- and order-independent', () => {
  const canonical = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetRevisionIdList xmlns="http://www.microsoft.com/SoftwareDistribution"><cookie><Expiration>2026-10-04T20:33:26.65455Z</Expiration><EncryptedData>c2VjcmV0</EncryptedData></cookie><filter><Anchor>x</Anchor><GetConfig>false</GetConfig><Categories><IdAndDelta><Id>8C3FCC84-7410-4A95-8B89-A166A0190486</Id><Delta>true</Delta></IdAndDelta></Categories></filter></GetRevisionIdList></soap:Body></soap:Envelope>`;
  const exotic = `<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:w="http://www.microsoft.com/SoftwareDistribution">
    <env:Header/>
    <env:Body>
      <w:GetRevisionIdList>
        <w:filter>
          <w:Categories><w:IdAndDelta><w:Delta>1</w:Delta><w:Id> 8c3fcc84-7410-4a95-8b89-a166a0190486 </w:Id></w:IdAndDelta></w:Categories>
          <w:GetConfig>0</w:GetConfig>
          <w:Anchor>x</w:Anchor>
        </w:filter>
        <s:cookie xmlns:s="http://www.microsoft.com/SoftwareDistribution"><s:EncryptedData>c2VjcmV0</s:EncryptedData><s:Expiration>2026-10-04T20:33:26.65455Z</s:Expiration></s:cookie>
      </w:GetRevisionIdList>
    </env:Body>
  </env:Envelope>`;

  test('s:/env: prefixes, whitespace, reordered children and upper-case GUIDs decode the same', async () => {
    const a = await decodeRequest(canonical);
    const b = await decodeRequest(exotic);
    assert.deepEqual(b, a);
    assert.equal(
      a.operation === 'GetRevisionIdList' && a.filter.categories?.[0]?.id,
      '8c3fcc84-7410-4a95-8b89-a166a0190486',
    );
  });

  test('ServerSyncConfigData in Microsoft Update (WSDL) order reads like the WSUS order', async () => {
    const res = RESPONSES[3] as WsusssResponse;
    const wsusOrder = encodeResponse(res);
    const wsdlOrder = wsusOrder.replace(
      /(<MaxNumberOfComputerIdsInRequest>.*?<\/MaxNumberOfComputerIdsInRequest>)(<MaxNumberOfDriverSetsPerRequest>.*?<\/MaxNumberOfDriverSetsPerRequest>)(<MaxNumberOfPnpHardwareIdsInRequest>.*?<\/MaxNumberOfPnpHardwareIdsInRequest>)(<MaxNumberOfUpdatesPerRequest>.*?<\/MaxNumberOfUpdatesPerRequest>)/,
      '$4$2$1$3',
    );
    assert.notEqual(wsdlOrder, wsusOrder);
    assert.deepEqual(await decodeResponse('GetConfigData', wsdlOrder), res);
  });
});

describe('bad messages', () => {
  const wrap = (body: string) =>
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`;
  const ns = 'xmlns="http://www.microsoft.com/SoftwareDistribution"';

  test('an unknown operation → SOAP_UNKNOWN_OPERATION naming it', async () => {
    await assert.rejects(decodeRequest(wrap(`<DownloadFiles ${ns}/>`)), is('SOAP_UNKNOWN_OPERATION', /DownloadFiles/));
    // Right name, wrong namespace: not ours either.
    await assert.rejects(decodeRequest(wrap('<GetCookie xmlns="urn:x"/>')), is('SOAP_UNKNOWN_OPERATION', /urn:x/));
    await assert.rejects(decodeMessage(wrap(`<Whatever ${ns}/>`)), is('SOAP_UNKNOWN_OPERATION'));
  });

  test('missing required children → SOAP_MALFORMED naming the field', async () => {
    await assert.rejects(
      decodeRequest(wrap(`<GetCookie ${ns}><authCookies/></GetCookie>`)),
      is('SOAP_MALFORMED', /GetCookie\/protocolVersion/),
    );
    await assert.rejects(
      decodeRequest(wrap(`<GetRevisionIdList ${ns}/>`)),
      is('SOAP_MALFORMED', /GetRevisionIdList\/filter/),
    );
    await assert.rejects(
      decodeRequest(wrap(`<GetRevisionIdList ${ns}><filter/></GetRevisionIdList>`)),
      is('SOAP_MALFORMED', /GetRevisionIdList\/filter\/GetConfig/),
    );
    await assert.rejects(
      decodeRequest(wrap(`<GetUpdateData ${ns}/>`)),
      is('SOAP_MALFORMED', /GetUpdateData\/updateIds/),
    );
    await assert.rejects(
      decodeRequest(
        wrap(
          `<GetUpdateData ${ns}><updateIds><UpdateIdentity><UpdateID>${id(1).updateId}</UpdateID></UpdateIdentity></updateIds></GetUpdateData>`,
        ),
      ),
      is('SOAP_MALFORMED', /GetUpdateData\/updateIds\/UpdateIdentity\/RevisionNumber/),
    );
    await assert.rejects(
      decodeRequest(
        wrap(`<GetConfigData ${ns}><cookie><Expiration>2026-01-01T00:00:00Z</Expiration></cookie></GetConfigData>`),
      ),
      is('SOAP_MALFORMED', /GetConfigData\/cookie\/EncryptedData/),
    );
    await assert.rejects(
      decodeResponse('GetCookie', wrap(`<GetCookieResponse ${ns}/>`)),
      is('SOAP_MALFORMED', /GetCookieResponse\/GetCookieResult/),
    );
    await assert.rejects(
      decodeResponse(
        'GetConfigData',
        wrap(
          `<GetConfigDataResponse ${ns}><GetConfigDataResult><LazySync>true</LazySync></GetConfigDataResult></GetConfigDataResponse>`,
        ),
      ),
      is('SOAP_MALFORMED', /GetConfigDataResult\/CatalogOnlySync/),
    );
    await assert.rejects(
      decodeResponse(
        'GetUpdateData',
        wrap(
          `<GetUpdateDataResponse ${ns}><GetUpdateDataResult><updates><ServerSyncUpdateData><Id><UpdateID>${id(1).updateId}</UpdateID><RevisionNumber>1</RevisionNumber></Id></ServerSyncUpdateData></updates></GetUpdateDataResult></GetUpdateDataResponse>`,
        ),
      ),
      is('SOAP_MALFORMED', /neither XmlUpdateBlob nor XmlUpdateBlobCompressed/),
    );
  });

  test('ill-typed values → SOAP_MALFORMED', async () => {
    const revList = (inner: string) =>
      wrap(
        `<GetRevisionIdListResponse ${ns}><GetRevisionIdListResult><NewRevisions><UpdateIdentity>${inner}</UpdateIdentity></NewRevisions></GetRevisionIdListResult></GetRevisionIdListResponse>`,
      );
    await assert.rejects(
      decodeResponse('GetRevisionIdList', revList('<UpdateID>not-a-guid</UpdateID><RevisionNumber>1</RevisionNumber>')),
      is('SOAP_MALFORMED', /UpdateID is not a GUID/),
    );
    for (const bad of ['-1', '1.5', 'x', '99999999999', '']) {
      await assert.rejects(
        decodeResponse(
          'GetRevisionIdList',
          revList(`<UpdateID>${id(1).updateId}</UpdateID><RevisionNumber>${bad}</RevisionNumber>`),
        ),
        is('SOAP_MALFORMED', /RevisionNumber/),
        bad,
      );
    }
    await assert.rejects(
      decodeRequest(wrap(`<GetRevisionIdList ${ns}><filter><GetConfig>yes</GetConfig></filter></GetRevisionIdList>`)),
      is('SOAP_MALFORMED', /filter\/GetConfig is not a boolean/),
    );
    await assert.rejects(
      decodeRequest(
        wrap(`<GetConfigData ${ns}><cookie><Expiration>tomorrow</Expiration><EncryptedData/></cookie></GetConfigData>`),
      ),
      is('SOAP_MALFORMED', /Expiration is not an xs:dateTime/),
    );
  });

  test('not a SOAP envelope at all', async () => {
    await assert.rejects(
      decodeResponse('GetCookie', '<html><body>502</body></html>'),
      is('SOAP_MALFORMED', /expected a SOAP Envelope/),
    );
    await assert.rejects(decodeResponse('GetCookie', 'Service Unavailable'), is('XML_MALFORMED'));
    await assert.rejects(
      decodeResponse('GetCookie', encodeResponse(RESPONSES[2] as WsusssResponse).slice(0, -30)),
      is('XML_MALFORMED'),
    );
  });
});

describe('operations and cookies', () => {
  test('SOAPAction, header quoting and service paths', () => {
    assert.equal(soapAction('GetCookie'), 'http://www.microsoft.com/SoftwareDistribution/GetCookie');
    assert.equal(
      soapActionHeader('GetAuthorizationCookie'),
      '"http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService/GetAuthorizationCookie"',
    );
    assert.equal(servicePath('GetAuthorizationCookie'), DSS_AUTH_PATH);
    assert.equal(servicePath('GetUpdateData'), SERVER_SYNC_PATH);
    assert.equal(SERVER_SYNC_PATH, '/ServerSyncWebService/ServerSyncWebService.asmx');
    assert.equal(DSS_AUTH_PATH, '/DssAuthWebService/DssAuthWebService.asmx');
    for (const op of OPERATIONS) assert.equal(operationOfSoapAction(soapActionHeader(op)), op);
    assert.equal(operationOfSoapAction('"http://www.microsoft.com/SoftwareDistribution/Ping"'), undefined);
  });

  test('dateTimes: 2 to 7 fraction digits, offsets, no zone as UTC', () => {
    assert.equal(parseDateTime('2026-10-04T20:33:26.65455Z', 'f').toISOString(), '2026-10-04T20:33:26.654Z');
    assert.equal(parseDateTime('9999-12-31T23:59:59.9999999', 'f').toISOString(), '9999-12-31T23:59:59.999Z');
    assert.equal(parseDateTime('2026-10-04T22:33:26+02:00', 'f').toISOString(), '2026-10-04T20:33:26.000Z');
    assert.throws(() => parseDateTime('2026-13-01T00:00:00Z', 'X'), is('SOAP_MALFORMED', /X is not an xs:dateTime/));
  });

  test('makeCookie formats the expiry it is given', () => {
    const c = makeCookie(new Date('2026-10-04T20:33:26.654Z'), 'ZGF0YQ==');
    assert.deepEqual(c, {
      expiration: '2026-10-04T20:33:26.654Z',
      expirationDate: new Date('2026-10-04T20:33:26.654Z'),
      encryptedData: 'ZGF0YQ==',
    });
  });
});
