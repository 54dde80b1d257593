/**
 * The MS-WSUSSS message codec: whole envelopes in, typed messages out, and back.
 *
 * Client side: {@link encodeRequest} + {@link decodeResponse}. Server side: {@link decodeRequest} +
 * {@link encodeResponse} (faults: `encodeFault` in `../soap/fault.ts`).
 */
import { SupsyncError } from '../../shared/errors.ts';
import {
  describe,
  readEnvelope,
  soapMalformed,
  writeRequestEnvelope,
  writeResponseEnvelope,
} from '../soap/envelope.ts';
import type { SoapFault } from '../soap/fault.ts';
import { isFaultElement, readFault, WsusssFaultError } from '../soap/fault.ts';
import type { ReadXmlOptions, XmlInput } from '../soap/xml-reader.ts';
import { readXml } from '../soap/xml-reader.ts';
import { UPDATE_IDENTITY_COLLECTORS } from './common.ts';
import { operationNamespace, operationOfRequestElement, operationOfResponseElement } from './operations.ts';
import { readRequestElement, writeRequestElement } from './requests.ts';
import { readResponseElement, writeResponseElement } from './responses.ts';
import type { Operation, ResponseOf, WsusssRequest, WsusssResponse } from './types.ts';

/** Any decoded envelope, for tools that do not know in advance what they hold. */
export type DecodedMessage =
  | { readonly kind: 'request'; readonly soapVersion: '1.1' | '1.2'; readonly request: WsusssRequest }
  | { readonly kind: 'response'; readonly soapVersion: '1.1' | '1.2'; readonly response: WsusssResponse }
  | { readonly kind: 'fault'; readonly soapVersion: '1.1' | '1.2'; readonly fault: SoapFault };

/** Parses an envelope, converting the long identity lists while parsing. */
async function parseEnvelope(body: XmlInput, options: ReadXmlOptions | undefined) {
  return readEnvelope(await readXml(body, { collectors: UPDATE_IDENTITY_COLLECTORS, ...options }));
}

/** Serialises a request as a complete SOAP 1.1 envelope (UTF-8 text, XML declaration included). */
export function encodeRequest(req: WsusssRequest): string {
  return writeRequestEnvelope(writeRequestElement(req));
}

/** Serialises a response as a complete SOAP 1.1 envelope, as ASP.NET writes it. */
export function encodeResponse(res: WsusssResponse): string {
  return writeResponseEnvelope(writeResponseElement(res));
}

/**
 * Decodes a request envelope (server side).
 * @throws SupsyncError `XML_MALFORMED`, `XML_DTD_FORBIDDEN`, `SOAP_MALFORMED`, or
 *   `SOAP_UNKNOWN_OPERATION` when the body element is not an operation supsync serves.
 */
export async function decodeRequest(body: XmlInput, options?: ReadXmlOptions): Promise<WsusssRequest> {
  const { bodyElement } = await parseEnvelope(body, options);
  return readRequestElement(bodyElement);
}

/**
 * Decodes the response to `operation` (client side). The body may be a stream; it is parsed as
 * it arrives.
 * @throws WsusssFaultError (code `WSUSSS_FAULT`) when the body is a SOAP fault; SupsyncError
 *   `XML_MALFORMED`, `XML_DTD_FORBIDDEN` or `SOAP_MALFORMED` otherwise.
 */
export async function decodeResponse<O extends Operation>(
  operation: O,
  body: XmlInput,
  options?: ReadXmlOptions,
): Promise<ResponseOf<O>> {
  const { bodyElement } = await parseEnvelope(body, options);
  if (isFaultElement(bodyElement)) throw new WsusssFaultError(readFault(bodyElement));
  if (bodyElement.local !== `${operation}Response` || bodyElement.ns !== operationNamespace(operation)) {
    throw soapMalformed(`expected ${operation}Response, got ${describe(bodyElement)}`);
  }
  return readResponseElement(operation, bodyElement);
}

/**
 * Decodes any MS-WSUSSS envelope: a request, a response or a fault.
 * @throws SupsyncError `SOAP_UNKNOWN_OPERATION` when the body element is none of these.
 */
export async function decodeMessage(body: XmlInput, options?: ReadXmlOptions): Promise<DecodedMessage> {
  const { soapVersion, bodyElement } = await parseEnvelope(body, options);
  if (isFaultElement(bodyElement)) return { kind: 'fault', soapVersion, fault: readFault(bodyElement) };
  if (operationOfRequestElement(bodyElement.ns, bodyElement.local) !== undefined) {
    return { kind: 'request', soapVersion, request: readRequestElement(bodyElement) };
  }
  const operation = operationOfResponseElement(bodyElement.ns, bodyElement.local);
  if (operation !== undefined) {
    return { kind: 'response', soapVersion, response: readResponseElement(operation, bodyElement) as WsusssResponse };
  }
  throw new SupsyncError('SOAP_UNKNOWN_OPERATION', `unknown MS-WSUSSS message ${describe(bodyElement)}`);
}
