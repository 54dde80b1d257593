/**
 * Request bodies: encoding (downstream client) and decoding (upstream server), children in WSDL
 * sequence order when writing and in any order when reading.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { describe, Fields } from '../soap/envelope.ts';
import type { XmlElement } from '../soap/xml-reader.ts';
import { XmlWriter } from '../soap/xml-writer.ts';
import {
  defined,
  parseGuid,
  readAuthorizationCookie,
  readCookie,
  readUpdateIdentityList,
  writeAuthorizationCookie,
  writeCookie,
  writeUpdateIdentity,
} from './common.ts';
import { operationNamespace, operationOfRequestElement } from './operations.ts';
import type { Cookie, IdAndDelta, LanguageAndDelta, ServerSyncFilter, WsusssRequest } from './types.ts';

/**
 * Decodes the body element of a request envelope.
 * @throws SupsyncError `SOAP_UNKNOWN_OPERATION` for an element that is not one of our operations,
 *   `SOAP_MALFORMED` for a missing or ill-typed field.
 */
export function readRequestElement(el: XmlElement): WsusssRequest {
  const operation = operationOfRequestElement(el.ns, el.local);
  if (operation === undefined) {
    throw new SupsyncError('SOAP_UNKNOWN_OPERATION', `unknown MS-WSUSSS operation ${describe(el)}`, {
      details: { namespace: el.ns, element: el.local },
    });
  }
  const f = new Fields(el);
  switch (operation) {
    case 'GetAuthConfig':
      return { operation };
    case 'GetAuthorizationCookie': {
      const programKeys = f.optList('programKeys', 'guid', (g) => parseGuid(g.el.text, g.path));
      return {
        operation,
        accountName: f.text('accountName'),
        accountGuid: parseGuid(f.text('accountGuid'), `${f.path}/accountGuid`),
        ...defined('programKeys', programKeys),
      };
    }
    case 'GetCookie': {
      const oldCookie = f.optSub('oldCookie');
      return {
        operation,
        authCookies: requiredList(f, 'authCookies', 'AuthorizationCookie', readAuthorizationCookie),
        ...defined('oldCookie', oldCookie && readCookie(oldCookie)),
        protocolVersion: f.text('protocolVersion'),
      };
    }
    case 'GetConfigData':
      return { operation, ...optCookie(f), ...defined('configAnchor', f.optText('configAnchor')) };
    case 'GetRevisionIdList':
      return { operation, ...optCookie(f), filter: readFilter(f.sub('filter')) };
    case 'GetUpdateData':
    case 'GetUpdateDecryptionData':
      return {
        operation,
        ...optCookie(f),
        updateIds: readUpdateIdentityList(f, 'updateIds') ?? f.missing('updateIds'),
      };
    case 'GetDeployments':
      return {
        operation,
        ...optCookie(f),
        ...defined('deploymentAnchor', f.optText('deploymentAnchor')),
        ...defined('syncAnchor', f.optText('syncAnchor')),
      };
  }
}

function optCookie(f: Fields): { cookie?: Cookie } {
  const c = f.optSub('cookie');
  return defined('cookie', c && readCookie(c));
}

function requiredList<T>(f: Fields, local: string, item: string, read: (x: Fields) => T): T[] {
  return f.optList(local, item, read) ?? f.missing(local);
}

function readIdAndDelta(f: Fields): IdAndDelta {
  return { id: parseGuid(f.text('Id'), `${f.path}/Id`), delta: f.bool('Delta') };
}

function readLanguageAndDelta(f: Fields): LanguageAndDelta {
  return { id: f.int('Id'), delta: f.bool('Delta') };
}

function readFilter(f: Fields): ServerSyncFilter {
  return {
    ...defined('anchor', f.optText('Anchor')),
    getConfig: f.bool('GetConfig'),
    ...defined('get63LanguageOnly', f.optBool('Get63LanguageOnly')),
    ...defined('categories', f.optList('Categories', 'IdAndDelta', readIdAndDelta)),
    ...defined('classifications', f.optList('Classifications', 'IdAndDelta', readIdAndDelta)),
    ...defined('languages', f.optList('Languages', 'LanguageAndDelta', readLanguageAndDelta)),
  };
}

function writeIdAndDelta(w: XmlWriter, x: IdAndDelta): void {
  w.open('IdAndDelta').leaf('Id', x.id).bool('Delta', x.delta).close('IdAndDelta');
}

function writeLanguageAndDelta(w: XmlWriter, x: LanguageAndDelta): void {
  w.open('LanguageAndDelta').int('Id', x.id).bool('Delta', x.delta).close('LanguageAndDelta');
}

function writeFilter(w: XmlWriter, filter: ServerSyncFilter): void {
  // DssProtocolVersion is never written: the spec says a DSS MUST NOT send it.
  w.open('filter').optionalLeaf('Anchor', filter.anchor).bool('GetConfig', filter.getConfig);
  if (filter.get63LanguageOnly !== undefined) w.bool('Get63LanguageOnly', filter.get63LanguageOnly);
  if (filter.categories !== undefined) w.list('Categories', filter.categories, writeIdAndDelta);
  if (filter.classifications !== undefined) w.list('Classifications', filter.classifications, writeIdAndDelta);
  if (filter.languages !== undefined) w.list('Languages', filter.languages, writeLanguageAndDelta);
  w.close('filter');
}

function writeOptCookie(w: XmlWriter, cookie: Cookie | undefined): void {
  if (cookie !== undefined) writeCookie(w, 'cookie', cookie);
}

/** Writes the body element of a request (without the envelope). */
export function writeRequestElement(req: WsusssRequest): string {
  const ns = operationNamespace(req.operation);
  const w = new XmlWriter();
  if (req.operation === 'GetAuthConfig') return w.empty(req.operation, ns).toString();
  w.open(req.operation, ns);
  switch (req.operation) {
    case 'GetAuthorizationCookie':
      w.leaf('accountName', req.accountName).leaf('accountGuid', req.accountGuid);
      if (req.programKeys !== undefined) w.list('programKeys', req.programKeys, (x, g) => x.leaf('guid', g));
      break;
    case 'GetCookie':
      w.list('authCookies', req.authCookies, (x, c) => writeAuthorizationCookie(x, 'AuthorizationCookie', c));
      if (req.oldCookie !== undefined) writeCookie(w, 'oldCookie', req.oldCookie);
      w.leaf('protocolVersion', req.protocolVersion);
      break;
    case 'GetConfigData':
      writeOptCookie(w, req.cookie);
      w.optionalLeaf('configAnchor', req.configAnchor);
      break;
    case 'GetRevisionIdList':
      writeOptCookie(w, req.cookie);
      writeFilter(w, req.filter);
      break;
    case 'GetUpdateData':
    case 'GetUpdateDecryptionData':
      writeOptCookie(w, req.cookie);
      w.list('updateIds', req.updateIds, (x, id) => writeUpdateIdentity(x, 'UpdateIdentity', id));
      break;
    case 'GetDeployments':
      writeOptCookie(w, req.cookie);
      w.optionalLeaf('deploymentAnchor', req.deploymentAnchor).optionalLeaf('syncAnchor', req.syncAnchor);
      break;
  }
  return w.close(req.operation).toString();
}
