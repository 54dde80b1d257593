import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { decodeMessage, decodeResponse, soapAction } from '../../../src/wsusss/messages/index.ts';
import { Fields, parseBool, parseInt32, readEnvelope, SOAP11_NS } from '../../../src/wsusss/soap/envelope.ts';
import { encodeFault, FAULT_HTTP_STATUS, readFault, WsusssFaultError } from '../../../src/wsusss/soap/fault.ts';
import { readXmlSync } from '../../../src/wsusss/soap/xml-reader.ts';

const soapCode = (c: string, re?: RegExp) => (e: unknown) =>
  isSupsyncError(e) && e.code === c && (re === undefined || re.test(e.message));

describe('readEnvelope', () => {
  test('finds the body element of SOAP 1.1 and 1.2 envelopes, skipping headers', () => {
    const v11 = readEnvelope(
      readXmlSync(
        `<e:Envelope xmlns:e="${SOAP11_NS}"><e:Header><x/></e:Header><e:Body><Op xmlns="urn:o"/></e:Body></e:Envelope>`,
      ),
    );
    assert.equal(v11.soapVersion, '1.1');
    assert.equal(v11.bodyElement.local, 'Op');
    const v12 = readEnvelope(
      readXmlSync(
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><Op/></env:Body></env:Envelope>',
      ),
    );
    assert.equal(v12.soapVersion, '1.2');
  });

  test('wrong root, missing Body, empty Body → SOAP_MALFORMED with a useful message', () => {
    assert.throws(
      () => readEnvelope(readXmlSync('<html><body/></html>')),
      soapCode('SOAP_MALFORMED', /root element is html, expected a SOAP Envelope/),
    );
    assert.throws(
      () => readEnvelope(readXmlSync('<Envelope xmlns="urn:not-soap"><Body/></Envelope>')),
      soapCode('SOAP_MALFORMED', /urn:not-soap/),
    );
    assert.throws(
      () => readEnvelope(readXmlSync(`<s:Envelope xmlns:s="${SOAP11_NS}"/>`)),
      soapCode('SOAP_MALFORMED', /no Body/),
    );
    assert.throws(
      () => readEnvelope(readXmlSync(`<s:Envelope xmlns:s="${SOAP11_NS}"><s:Body> </s:Body></s:Envelope>`)),
      soapCode('SOAP_MALFORMED', /Body is empty/),
    );
  });

  test('Fields: lookup by name in any order, missing fields named by path', () => {
    const f = new Fields(readXmlSync('<R xmlns="urn:r"><B>2</B><A>true</A><C xmlns="urn:other">x</C></R>'), 'Op/R');
    assert.equal(f.int('B'), 2);
    assert.equal(f.bool('A'), true);
    assert.equal(f.opt('C'), undefined, 'a child in another namespace is not the field');
    assert.throws(() => f.text('C'), soapCode('SOAP_MALFORMED', /missing required element Op\/R\/C/));
  });

  test('xs:int and xs:boolean are validated', () => {
    assert.equal(parseInt32(' 42 ', 'f'), 42);
    assert.equal(parseInt32('-2147483648', 'f'), -2147483648);
    for (const bad of ['', '1.5', '0x10', '1e3', '2147483648', 'abc', 'NaN']) {
      assert.throws(() => parseInt32(bad, 'X/Y'), soapCode('SOAP_MALFORMED', /X\/Y is not a 32-bit integer/), bad);
    }
    assert.equal(parseBool('1', 'f'), true);
    assert.equal(parseBool(' false ', 'f'), false);
    assert.throws(() => parseBool('True', 'X/B'), soapCode('SOAP_MALFORMED', /X\/B is not a boolean/));
  });
});

describe('faults', () => {
  const actor = 'http://sup.example.invalid:8530/ServerSyncWebService/ServerSyncWebService.asmx';

  test('encodeFault writes the WSUS shape, with a new ID each time', async () => {
    const xml = encodeFault({ errorCode: 'InvalidCookie', actor, soapAction: soapAction('GetRevisionIdList') });
    assert.match(
      xml,
      /^<\?xml version="1\.0" encoding="utf-8"\?><soap:Envelope xmlns:soap="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/" xmlns:xsi="[^"]+" xmlns:xsd="[^"]+"><soap:Body><soap:Fault><faultcode>soap:Client<\/faultcode><faultstring>Fault occurred<\/faultstring><faultactor>http:\/\/sup\.example\.invalid:8530\/ServerSyncWebService\/ServerSyncWebService\.asmx<\/faultactor><detail><ErrorCode>InvalidCookie<\/ErrorCode><Message><\/Message><ID>[0-9a-f-]{36}<\/ID><Method>"http:\/\/www\.microsoft\.com\/SoftwareDistribution\/GetRevisionIdList"<\/Method><\/detail><\/soap:Fault><\/soap:Body><\/soap:Envelope>$/,
    );
    const again = encodeFault({ errorCode: 'InvalidCookie', actor, soapAction: soapAction('GetRevisionIdList') });
    assert.notEqual(xml.match(/<ID>(.*)<\/ID>/)?.[1], again.match(/<ID>(.*)<\/ID>/)?.[1]);
    assert.equal(FAULT_HTTP_STATUS, 500);
  });

  test('server-side codes default to soap:Server; the side can be forced; messages are escaped', async () => {
    const internal = await decodeMessage(
      encodeFault({ errorCode: 'InternalServerError', actor, soapAction: soapAction('GetUpdateData') }),
    );
    assert.equal(internal.kind === 'fault' && internal.fault.faultcode, 'soap:Server');
    const forced = await decodeMessage(
      encodeFault({ errorCode: 'X', message: 'a<b&c', actor, soapAction: 's', side: 'Server', id: 'i' }),
    );
    assert.deepEqual(forced.kind === 'fault' && forced.fault, {
      faultcode: 'soap:Server',
      faultstring: 'Fault occurred',
      faultactor: actor,
      errorCode: 'X',
      message: 'a<b&c',
      id: 'i',
      method: '"s"',
    });
  });

  test('decodeResponse throws a WsusssFaultError carrying every detail field', async () => {
    const body = encodeFault({
      errorCode: 'ServerBusy',
      message: 'later',
      actor,
      soapAction: soapAction('GetCookie'),
      id: '11111111-2222-3333-4444-555555555555',
    });
    const err = await decodeResponse('GetCookie', body).catch((e: unknown) => e);
    assert.ok(err instanceof WsusssFaultError);
    assert.equal(err.code, 'WSUSSS_FAULT');
    assert.equal(err.wsusssErrorCode, 'ServerBusy');
    assert.equal(err.faultMessage, 'later');
    assert.equal(err.faultId, '11111111-2222-3333-4444-555555555555');
    assert.equal(err.method, '"http://www.microsoft.com/SoftwareDistribution/GetCookie"');
    assert.equal(err.faultcode, 'soap:Server');
    assert.equal(
      err.message,
      'upstream fault ServerBusy from "http://www.microsoft.com/SoftwareDistribution/GetCookie": later',
    );
  });

  test('SOAP 1.2 faults (Code/Value, Reason/Text, Detail) are read too', async () => {
    const body = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>
      <env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Fault occurred</env:Text></env:Reason>
      <env:Role>http://h/ServerSyncWebService/ServerSyncWebService.asmx</env:Role>
      <env:Detail><ErrorCode>IncompatibleProtocolVersion</ErrorCode><Message>protocolVersion</Message><ID>x</ID><Method>"m"</Method></env:Detail>
      </env:Fault></env:Body></env:Envelope>`;
    const err = await decodeResponse('GetCookie', body).catch((e: unknown) => e);
    assert.ok(err instanceof WsusssFaultError);
    assert.equal(err.wsusssErrorCode, 'IncompatibleProtocolVersion');
    assert.equal(err.faultMessage, 'protocolVersion');
    assert.equal(err.faultcode, 'env:Sender');
    assert.equal(err.fault.faultactor, 'http://h/ServerSyncWebService/ServerSyncWebService.asmx');
  });

  test('a plain SOAP fault without WSUSSS detail still becomes a WSUSSS_FAULT', async () => {
    const body = `<soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request.</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
    const err = await decodeResponse('GetConfigData', body).catch((e: unknown) => e);
    assert.ok(err instanceof WsusssFaultError);
    assert.equal(err.wsusssErrorCode, '');
    assert.equal(err.faultId, undefined);
    assert.match(err.message, /soap:Server: Server was unable to process request/);
  });

  test('readFault refuses a non-fault element', () => {
    assert.throws(() => readFault(readXmlSync('<x/>')), soapCode('SOAP_MALFORMED'));
  });
});
