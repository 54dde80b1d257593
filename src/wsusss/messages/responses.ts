/**
 * Response bodies: decoding (downstream client) and encoding (upstream server). Every response is
 * `<{Op}Response xmlns=ns><{Op}Result>...</{Op}Result></{Op}Response>`.
 */
import { Fields, parseInt32, soapMalformed } from '../soap/envelope.ts';
import type { XmlElement } from '../soap/xml-reader.ts';
import { XmlWriter } from '../soap/xml-writer.ts';
import {
  defined,
  parseGuid,
  readAuthorizationCookie,
  readCookie,
  readUpdateIdentity,
  readUpdateIdentityList,
  writeUpdateIdentity,
} from './common.ts';
import { operationNamespace } from './operations.ts';
import type {
  Operation,
  ResponseOf,
  RevisionIdList,
  ServerAuthConfig,
  ServerDecryptionData,
  ServerSyncConfigData,
  ServerSyncDeploymentResult,
  ServerSyncLanguageData,
  ServerSyncUpdateData,
  ServerSyncUrlData,
  ServerUpdateData,
  WsusssResponse,
} from './types.ts';

function readAuthConfig(f: Fields): ServerAuthConfig {
  const allowedEventIds = f.optList('AllowedEventIds', 'int', (x) => parseInt32(x.el.text, x.path));
  return {
    lastChange: f.text('LastChange'),
    authInfo:
      f.optList('AuthInfo', 'AuthPlugInInfo', (x) => {
        const parameter = x.optText('Parameter');
        return {
          plugInId: x.text('PlugInID'),
          serviceUrl: x.text('ServiceUrl'),
          ...(parameter === undefined ? {} : { parameter }),
        };
      }) ?? [],
    ...(allowedEventIds === undefined ? {} : { allowedEventIds }),
  };
}

function readLanguage(f: Fields): ServerSyncLanguageData {
  return {
    languageId: f.int('LanguageID'),
    shortLanguage: f.text('ShortLanguage'),
    longLanguage: f.text('LongLanguage'),
    enabled: f.bool('Enabled'),
  };
}

function readConfigData(f: Fields): ServerSyncConfigData {
  return {
    catalogOnlySync: f.bool('CatalogOnlySync'),
    lazySync: f.bool('LazySync'),
    serverHostsPsfFiles: f.bool('ServerHostsPsfFiles'),
    maxNumberOfUpdatesPerRequest: f.int('MaxNumberOfUpdatesPerRequest'),
    ...defined('maxNumberOfDriverSetsPerRequest', f.optInt('MaxNumberOfDriverSetsPerRequest')),
    ...defined('maxNumberOfComputerIdsInRequest', f.optInt('MaxNumberOfComputerIdsInRequest')),
    ...defined('maxNumberOfPnpHardwareIdsInRequest', f.optInt('MaxNumberOfPnpHardwareIdsInRequest')),
    ...defined('newConfigAnchor', f.optText('NewConfigAnchor')),
    ...defined('protocolVersion', f.optText('ProtocolVersion')),
    ...defined('languageUpdateList', f.optList('LanguageUpdateList', 'ServerSyncLanguageData', readLanguage)),
    ...defined(
      'maxUpdatesPerRequestInGetUpdateDecryptionData',
      f.optInt('MaxUpdatesPerRequestInGetUpdateDecryptionData'),
    ),
  };
}

function readRevisionIdList(f: Fields): RevisionIdList {
  return {
    ...defined('anchor', f.optText('Anchor')),
    newRevisions: readUpdateIdentityList(f, 'NewRevisions') ?? [],
  };
}

function readUpdateData(f: Fields): ServerSyncUpdateData {
  const xml = f.opt('XmlUpdateBlob');
  const cab = f.opt('XmlUpdateBlobCompressed');
  if (xml === undefined && cab === undefined) {
    throw soapMalformed(`${f.path} has neither XmlUpdateBlob nor XmlUpdateBlobCompressed`);
  }
  return {
    id: readUpdateIdentity(f.sub('Id')),
    ...defined(
      'fileDigestList',
      f.optList('FileDigestList', 'base64Binary', (x) => x.el.text),
    ),
    // Both present is outside the schema; the plain text is the cheaper one to use.
    blob:
      xml !== undefined
        ? { compressed: false, xml: xml.text }
        : { compressed: true, cabBase64: (cab as XmlElement).text },
  };
}

function readUrlData(f: Fields): ServerSyncUrlData {
  return {
    fileDigest: f.text('FileDigest'),
    ...defined('muUrl', f.optText('MUUrl')),
    ...defined('ussUrl', f.optText('UssUrl')),
  };
}

function readServerUpdateData(f: Fields): ServerUpdateData {
  return {
    updates: f.optList('updates', 'ServerSyncUpdateData', readUpdateData) ?? [],
    fileUrls: f.optList('fileUrls', 'ServerSyncUrlData', readUrlData) ?? [],
  };
}

function readDecryptionData(f: Fields): ServerDecryptionData {
  return {
    updateFileDecryptionData:
      f.optList('UpdateFileDecryptionData', 'ServerSyncUpdateFileDecryption', (u) => ({
        updateId: readUpdateIdentity(u.sub('UpdateId')),
        fileDecryptionData:
          u.optList('FileDecryptionData', 'ServerSyncFileDecryption', (x) => ({
            ...defined('fileDigest', x.optText('FileDigest')),
            ...defined('decryptionKey', x.optText('DecryptionKey')),
          })) ?? [],
      })) ?? [],
  };
}

function readGuids(f: Fields, local: string): string[] {
  return f.optList(local, 'guid', (g) => parseGuid(g.el.text, g.path)) ?? [];
}

function readDeploymentResult(f: Fields): ServerSyncDeploymentResult {
  return {
    ...defined('anchor', f.optText('Anchor')),
    groups:
      f.optList('Groups', 'ServerSyncTargetGroup', (g) => ({
        targetGroupId: parseGuid(g.text('TargetGroupID'), `${g.path}/TargetGroupID`),
        parentGroupId: parseGuid(g.text('ParentGroupId'), `${g.path}/ParentGroupId`),
        ...defined('name', g.optText('Name')),
        isBuiltin: g.bool('IsBuiltin'),
      })) ?? [],
    deployments:
      f.optList('Deployments', 'ServerSyncDeployment', (d) => ({
        updateId: parseGuid(d.text('UpdateId'), `${d.path}/UpdateId`),
        revisionNumber: d.int('RevisionNumber'),
        action: d.int('Action'),
        ...defined('adminName', d.optText('AdminName')),
        deadline: d.text('Deadline'),
        isAssigned: d.bool('IsAssigned'),
        goLiveTime: d.text('GoLiveTime'),
        deploymentGuid: parseGuid(d.text('DeploymentGuid'), `${d.path}/DeploymentGuid`),
        targetGroupId: parseGuid(d.text('TargetGroupId'), `${d.path}/TargetGroupId`),
        downloadPriority: d.int('DownloadPriority'),
      })) ?? [],
    deadDeployments: readGuids(f, 'DeadDeployments'),
    hiddenUpdates: readGuids(f, 'HiddenUpdates'),
    acceptedEulas: readGuids(f, 'AcceptedEulas'),
  };
}

const READERS: { readonly [O in Operation]: (f: Fields) => ResponseOf<O>['result'] } = {
  GetAuthConfig: readAuthConfig,
  GetAuthorizationCookie: readAuthorizationCookie,
  GetCookie: readCookie,
  GetConfigData: readConfigData,
  GetRevisionIdList: readRevisionIdList,
  GetUpdateData: readServerUpdateData,
  GetUpdateDecryptionData: readDecryptionData,
  GetDeployments: readDeploymentResult,
};

/**
 * Decodes the body element of a response to `operation` (the caller has already checked that the
 * element is `<{operation}Response>` in the right namespace).
 * @throws SupsyncError `SOAP_MALFORMED` for a missing or ill-typed field.
 */
export function readResponseElement<O extends Operation>(operation: O, el: XmlElement): ResponseOf<O> {
  const result = new Fields(el).sub(`${operation}Result`);
  const read = READERS[operation] as (f: Fields) => ResponseOf<O>['result'];
  return { operation, result: read(result) } as ResponseOf<O>;
}

function writeAuthConfig(w: XmlWriter, r: ServerAuthConfig): void {
  w.leaf('LastChange', r.lastChange).list('AuthInfo', r.authInfo, (x, p) => {
    x.open('AuthPlugInInfo')
      .leaf('PlugInID', p.plugInId)
      .leaf('ServiceUrl', p.serviceUrl)
      .optionalLeaf('Parameter', p.parameter);
    x.close('AuthPlugInInfo');
  });
  if (r.allowedEventIds !== undefined) w.list('AllowedEventIds', r.allowedEventIds, (x, n) => x.int('int', n));
}

function writeOptInt(w: XmlWriter, name: string, value: number | undefined): void {
  if (value !== undefined) w.int(name, value);
}

/** Written in the order the Windows Server 2025 WSUS uses (not the WSDL's). */
function writeConfigData(w: XmlWriter, r: ServerSyncConfigData): void {
  w.bool('CatalogOnlySync', r.catalogOnlySync)
    .bool('LazySync', r.lazySync)
    .bool('ServerHostsPsfFiles', r.serverHostsPsfFiles);
  writeOptInt(w, 'MaxNumberOfComputerIdsInRequest', r.maxNumberOfComputerIdsInRequest);
  writeOptInt(w, 'MaxNumberOfDriverSetsPerRequest', r.maxNumberOfDriverSetsPerRequest);
  writeOptInt(w, 'MaxNumberOfPnpHardwareIdsInRequest', r.maxNumberOfPnpHardwareIdsInRequest);
  w.int('MaxNumberOfUpdatesPerRequest', r.maxNumberOfUpdatesPerRequest);
  w.optionalLeaf('NewConfigAnchor', r.newConfigAnchor).optionalLeaf('ProtocolVersion', r.protocolVersion);
  if (r.languageUpdateList !== undefined) {
    w.list('LanguageUpdateList', r.languageUpdateList, (x, l) => {
      x.open('ServerSyncLanguageData').int('LanguageID', l.languageId).leaf('ShortLanguage', l.shortLanguage);
      x.leaf('LongLanguage', l.longLanguage).bool('Enabled', l.enabled).close('ServerSyncLanguageData');
    });
  }
  writeOptInt(w, 'MaxUpdatesPerRequestInGetUpdateDecryptionData', r.maxUpdatesPerRequestInGetUpdateDecryptionData);
}

function writeRevisionIdList(w: XmlWriter, r: RevisionIdList): void {
  w.optionalLeaf('Anchor', r.anchor).list('NewRevisions', r.newRevisions, (x, id) =>
    writeUpdateIdentity(x, 'UpdateIdentity', id),
  );
}

function writeUpdateData(w: XmlWriter, u: ServerSyncUpdateData): void {
  w.open('ServerSyncUpdateData');
  writeUpdateIdentity(w, 'Id', u.id);
  if (u.fileDigestList !== undefined) w.list('FileDigestList', u.fileDigestList, (x, d) => x.leaf('base64Binary', d));
  if (u.blob.compressed) w.leaf('XmlUpdateBlobCompressed', u.blob.cabBase64);
  else w.leaf('XmlUpdateBlob', u.blob.xml);
  w.close('ServerSyncUpdateData');
}

function writeServerUpdateData(w: XmlWriter, r: ServerUpdateData): void {
  w.list('updates', r.updates, writeUpdateData).list('fileUrls', r.fileUrls, (x, u) => {
    x.open('ServerSyncUrlData')
      .leaf('FileDigest', u.fileDigest)
      .optionalLeaf('MUUrl', u.muUrl)
      .optionalLeaf('UssUrl', u.ussUrl);
    x.close('ServerSyncUrlData');
  });
}

function writeDecryptionData(w: XmlWriter, r: ServerDecryptionData): void {
  w.list('UpdateFileDecryptionData', r.updateFileDecryptionData, (x, u) => {
    x.open('ServerSyncUpdateFileDecryption');
    writeUpdateIdentity(x, 'UpdateId', u.updateId);
    x.list('FileDecryptionData', u.fileDecryptionData, (y, d) => {
      y.open('ServerSyncFileDecryption')
        .optionalLeaf('FileDigest', d.fileDigest)
        .optionalLeaf('DecryptionKey', d.decryptionKey)
        .close('ServerSyncFileDecryption');
    });
    x.close('ServerSyncUpdateFileDecryption');
  });
}

/** In the WSDL's order; the lists are always written (the spec says they MUST be present). */
function writeDeploymentResult(w: XmlWriter, r: ServerSyncDeploymentResult): void {
  w.optionalLeaf('Anchor', r.anchor).list('Groups', r.groups, (x, g) => {
    x.open('ServerSyncTargetGroup').leaf('TargetGroupID', g.targetGroupId).leaf('ParentGroupId', g.parentGroupId);
    x.optionalLeaf('Name', g.name).bool('IsBuiltin', g.isBuiltin).close('ServerSyncTargetGroup');
  });
  w.list('Deployments', r.deployments, (x, d) => {
    x.open('ServerSyncDeployment').leaf('UpdateId', d.updateId).int('RevisionNumber', d.revisionNumber);
    x.int('Action', d.action).optionalLeaf('AdminName', d.adminName).leaf('Deadline', d.deadline);
    x.bool('IsAssigned', d.isAssigned).leaf('GoLiveTime', d.goLiveTime).leaf('DeploymentGuid', d.deploymentGuid);
    x.leaf('TargetGroupId', d.targetGroupId).int('DownloadPriority', d.downloadPriority).close('ServerSyncDeployment');
  });
  for (const [name, ids] of [
    ['DeadDeployments', r.deadDeployments],
    ['HiddenUpdates', r.hiddenUpdates],
    ['AcceptedEulas', r.acceptedEulas],
  ] as const) {
    w.list(name, ids, (x, id) => x.leaf('guid', id));
  }
}

const WRITERS: { readonly [O in Operation]: (w: XmlWriter, r: ResponseOf<O>['result']) => void } = {
  GetAuthConfig: writeAuthConfig,
  GetAuthorizationCookie: (w, r) => {
    w.leaf('PlugInId', r.plugInId).leaf('CookieData', r.cookieData);
  },
  GetCookie: (w, r) => {
    w.leaf('Expiration', r.expiration).leaf('EncryptedData', r.encryptedData);
  },
  GetConfigData: writeConfigData,
  GetRevisionIdList: writeRevisionIdList,
  GetUpdateData: writeServerUpdateData,
  GetUpdateDecryptionData: writeDecryptionData,
  GetDeployments: writeDeploymentResult,
};

/** Writes the body element of a response (without the envelope). */
export function writeResponseElement(res: WsusssResponse): string {
  const { operation } = res;
  const w = new XmlWriter().open(`${operation}Response`, operationNamespace(operation)).open(`${operation}Result`);
  (WRITERS[operation] as (w: XmlWriter, r: WsusssResponse['result']) => void)(w, res.result);
  return w.close(`${operation}Result`).close(`${operation}Response`).toString();
}
