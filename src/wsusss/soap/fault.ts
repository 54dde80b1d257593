/**
 * MS-WSUSSS faults: reading a `soap:Fault` into a typed error, and writing one in exactly the
 * shape a Windows WSUS sends (HTTP 500, `faultstring` "Fault occurred", unqualified detail fields).
 */
import { randomUUID } from 'node:crypto';
import { SupsyncError } from '../../shared/errors.ts';
import { describe, SOAP11_NS, SOAP12_NS, soapMalformed, writeResponseEnvelope } from './envelope.ts';
import type { XmlElement } from './xml-reader.ts';
import { XmlWriter } from './xml-writer.ts';

/** The `ErrorCode` values MS-WSUSSS defines; any other string may arrive and is kept as is. */
export type WsusssErrorCode =
  | 'InvalidParameters'
  | 'InvalidCookie'
  | 'InvalidAuthorizationCookie'
  | 'IncompatibleProtocolVersion'
  | 'InternalServerError'
  | 'ServerChanged'
  | 'ServerBusy'
  | 'FileDigestsMissing'
  | 'TooManyIds'
  | (string & {});

/** HTTP status of every SOAP 1.1 fault response. */
export const FAULT_HTTP_STATUS = 500;

/** What a fault says. */
export interface SoapFault {
  /** As written, e.g. `soap:Client`; SOAP 1.2 `Code/Value`, e.g. `soap:Sender`. */
  readonly faultcode: string;
  readonly faultstring: string;
  /** The service URL the server names, when given. */
  readonly faultactor?: string;
  /** `detail/ErrorCode`; `''` when the fault has no WSUSSS detail. */
  readonly errorCode: WsusssErrorCode;
  /** `detail/Message` (`''` when empty or absent), e.g. the parameter name for InvalidParameters. */
  readonly message: string;
  /** `detail/ID`, a GUID the server logs. */
  readonly id?: string;
  /** `detail/Method`, the quoted SOAPAction of the failed call. */
  readonly method?: string;
}

/** An MS-WSUSSS fault from the upstream, as an error the sync engine can branch on. */
export class WsusssFaultError extends SupsyncError {
  readonly wsusssErrorCode: WsusssErrorCode;
  readonly faultMessage: string;
  readonly faultId: string | undefined;
  readonly method: string | undefined;
  readonly faultcode: string;
  readonly fault: SoapFault;

  constructor(fault: SoapFault) {
    const code = fault.errorCode === '' ? fault.faultcode : fault.errorCode;
    const where = fault.method === undefined ? '' : ` from ${fault.method}`;
    const what = fault.message === '' ? (fault.errorCode === '' ? `: ${fault.faultstring}` : '') : `: ${fault.message}`;
    super('WSUSSS_FAULT', `upstream fault ${code}${where}${what}`, {
      details: {
        wsusssErrorCode: fault.errorCode,
        faultMessage: fault.message,
        faultId: fault.id,
        method: fault.method,
      },
    });
    this.name = 'WsusssFaultError';
    this.wsusssErrorCode = fault.errorCode;
    this.faultMessage = fault.message;
    this.faultId = fault.id;
    this.method = fault.method;
    this.faultcode = fault.faultcode;
    this.fault = fault;
  }
}

/** True when `el` is a SOAP 1.1 or 1.2 `Fault` element. */
export function isFaultElement(el: XmlElement): boolean {
  return el.local === 'Fault' && (el.ns === SOAP11_NS || el.ns === SOAP12_NS);
}

/** Finds a child by local name; fault children are unqualified in SOAP 1.1, so any namespace matches. */
function childByLocal(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

/**
 * Reads a SOAP 1.1 or 1.2 `Fault` element.
 * @throws SupsyncError `SOAP_MALFORMED` when `el` is not a Fault.
 */
export function readFault(el: XmlElement): SoapFault {
  if (!isFaultElement(el)) throw soapMalformed(`expected a SOAP Fault, got ${describe(el)}`);
  const soap12 = el.ns === SOAP12_NS;
  const faultcode = soap12
    ? childByLocal(childByLocal(el, 'Code'), 'Value')?.text
    : childByLocal(el, 'faultcode')?.text;
  const faultstring = soap12
    ? childByLocal(childByLocal(el, 'Reason'), 'Text')?.text
    : childByLocal(el, 'faultstring')?.text;
  const actor = childByLocal(el, soap12 ? 'Role' : 'faultactor')?.text;
  const detail = childByLocal(el, soap12 ? 'Detail' : 'detail');
  const id = childByLocal(detail, 'ID')?.text;
  const method = childByLocal(detail, 'Method')?.text;
  return {
    faultcode: faultcode?.trim() ?? '',
    faultstring: faultstring ?? '',
    errorCode: childByLocal(detail, 'ErrorCode')?.text.trim() ?? '',
    message: childByLocal(detail, 'Message')?.text ?? '',
    ...(actor === undefined ? {} : { faultactor: actor }),
    ...(id === undefined ? {} : { id: id.trim() }),
    ...(method === undefined ? {} : { method }),
  };
}

/** WSUS blames the caller (`soap:Client`) except for its own failures. */
const SERVER_SIDE_CODES: ReadonlySet<string> = new Set(['InternalServerError', 'ServerBusy']);

/** What to put into a fault we send. */
export interface FaultInput {
  readonly errorCode: WsusssErrorCode;
  /** `detail/Message`; WSUS sends the offending parameter name or nothing. Default `''`. */
  readonly message?: string;
  /** Absolute URL of the service that faults (`faultactor`). */
  readonly actor: string;
  /** The SOAPAction of the failed call, unquoted (e.g. `soapAction('GetRevisionIdList')`). */
  readonly soapAction: string;
  /** Default: `Server` for InternalServerError and ServerBusy, else `Client`. */
  readonly side?: 'Client' | 'Server';
  /** Default: a new random GUID. */
  readonly id?: string;
}

/** The `soap:Fault` element alone, in WSUS's shape. */
export function writeFaultElement(input: FaultInput): string {
  const side = input.side ?? (SERVER_SIDE_CODES.has(input.errorCode) ? 'Server' : 'Client');
  const message = input.message ?? '';
  const w = new XmlWriter()
    .raw('<soap:Fault>')
    .leaf('faultcode', `soap:${side}`)
    .leaf('faultstring', 'Fault occurred')
    .leaf('faultactor', input.actor)
    .open('detail')
    .leaf('ErrorCode', input.errorCode);
  // WSUS writes an empty Message as a start/end pair, not as `<Message />`.
  if (message === '') w.raw('<Message></Message>');
  else w.leaf('Message', message);
  return w
    .leaf('ID', input.id ?? randomUUID())
    .leaf('Method', `"${input.soapAction}"`)
    .close('detail')
    .raw('</soap:Fault>')
    .toString();
}

/** A complete fault response body; send it with HTTP {@link FAULT_HTTP_STATUS}. */
export function encodeFault(input: FaultInput): string {
  return writeResponseEnvelope(writeFaultElement(input));
}
