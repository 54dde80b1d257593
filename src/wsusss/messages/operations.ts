/**
 * Where each operation lives: its XML namespace, its service, and its SOAPAction.
 */
import { DSS_AUTH_NS, WSUS_NS } from '../soap/envelope.ts';
import type { Operation } from './types.ts';

/** Path of the ServerSync web service below the server root (IIS matches it case-insensitively). */
export const SERVER_SYNC_PATH = '/ServerSyncWebService/ServerSyncWebService.asmx';
/** Path of the DSS authorization web service below the server root. */
export const DSS_AUTH_PATH = '/DssAuthWebService/DssAuthWebService.asmx';

/** Every operation, in protocol order. */
export const OPERATIONS: readonly Operation[] = Object.freeze([
  'GetAuthConfig',
  'GetAuthorizationCookie',
  'GetCookie',
  'GetConfigData',
  'GetRevisionIdList',
  'GetUpdateData',
  'GetUpdateDecryptionData',
  'GetDeployments',
]);

/** The XML namespace of an operation's request and response elements. */
export function operationNamespace(operation: Operation): string {
  return operation === 'GetAuthorizationCookie' ? DSS_AUTH_NS : WSUS_NS;
}

/** The service path an operation is posted to. */
export function servicePath(operation: Operation): string {
  return operation === 'GetAuthorizationCookie' ? DSS_AUTH_PATH : SERVER_SYNC_PATH;
}

/**
 * The SOAPAction of an operation: namespace + `/` + name, unquoted. The HTTP header carries it in
 * double quotes (see {@link soapActionHeader}).
 */
export function soapAction(operation: Operation): string {
  return `${operationNamespace(operation)}/${operation}`;
}

/** The `SOAPAction` header value, quoted as SOAP 1.1 requires. */
export function soapActionHeader(operation: Operation): string {
  return `"${soapAction(operation)}"`;
}

const BY_KEY: ReadonlyMap<string, Operation> = new Map(OPERATIONS.map((op) => [`${operationNamespace(op)} ${op}`, op]));

/** The operation whose request element is `{ns}local`, if any. */
export function operationOfRequestElement(ns: string, local: string): Operation | undefined {
  return BY_KEY.get(`${ns} ${local}`);
}

/** The operation whose response element is `{ns}local` (`<Operation>Response`), if any. */
export function operationOfResponseElement(ns: string, local: string): Operation | undefined {
  return local.endsWith('Response') ? BY_KEY.get(`${ns} ${local.slice(0, -'Response'.length)}`) : undefined;
}

/**
 * The operation named by a SOAPAction header value (quoted or not), if it is one of ours. Lets a
 * server check the header against the body.
 */
export function operationOfSoapAction(header: string): Operation | undefined {
  const action = header.trim().replace(/^"(.*)"$/, '$1');
  return OPERATIONS.find((op) => soapAction(op) === action);
}
