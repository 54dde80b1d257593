/**
 * `supsync wsusss inspect <file> [--extract <dir>]`: what an MS-WSUSSS message holds, as JSON,
 * and optionally the update documents it carries, one file each. Secrets (cookie data) are never
 * echoed; cookies show only their expiry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeMessage } from './messages/codec.ts';
import type {
  Cookie,
  IdAndDelta,
  ServerSyncFilter,
  ServerSyncUpdateData,
  WsusssRequest,
  WsusssResponse,
} from './messages/types.ts';
import { updateBlobSize, updateDocumentXml } from './messages/update-blob.ts';

/** A JSON value. */
type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** What {@link inspectMessage} reports. Fields beyond `kind` and `operation` depend on the message. */
export interface InspectSummary {
  readonly kind: 'request' | 'response' | 'fault';
  /** The operation; for a fault, the one named in `detail/Method` when known, else `null`. */
  readonly operation: string | null;
  readonly soapVersion: '1.1' | '1.2';
  /** Paths written by `extractDir`, in message order. */
  readonly extracted?: readonly string[];
  readonly [field: string]: Json | undefined;
}

/** Options of {@link inspectMessage}. */
export interface InspectOptions {
  /** Write every update document of the message to `<dir>/<UpdateID>-r<RevisionNumber>.xml` (UTF-8). */
  readonly extractDir?: string;
}

function cookieSummary(cookie: Cookie | undefined): Json {
  return cookie === undefined ? null : { expiration: cookie.expiration };
}

function idsWithDelta(list: readonly IdAndDelta[] | undefined): Json {
  return list === undefined ? null : list.map((x) => ({ id: x.id, delta: x.delta }));
}

function filterSummary(f: ServerSyncFilter): Json {
  return {
    anchor: f.anchor ?? null,
    getConfig: f.getConfig,
    get63LanguageOnly: f.get63LanguageOnly ?? null,
    categories: idsWithDelta(f.categories),
    classifications: idsWithDelta(f.classifications),
    languages: f.languages === undefined ? null : f.languages.map((x) => ({ id: x.id, delta: x.delta })),
  };
}

function requestFields(req: WsusssRequest): Record<string, Json> {
  switch (req.operation) {
    case 'GetAuthConfig':
      return {};
    case 'GetAuthorizationCookie':
      return { accountName: req.accountName, accountGuid: req.accountGuid };
    case 'GetCookie':
      return {
        protocolVersion: req.protocolVersion,
        authCookies: req.authCookies.map((c) => ({ plugInId: c.plugInId })),
        oldCookie: cookieSummary(req.oldCookie),
      };
    case 'GetConfigData':
      return { cookie: cookieSummary(req.cookie), configAnchor: req.configAnchor ?? null };
    case 'GetRevisionIdList':
      return { cookie: cookieSummary(req.cookie), filter: filterSummary(req.filter) };
    case 'GetDeployments':
      return {
        cookie: cookieSummary(req.cookie),
        deploymentAnchor: req.deploymentAnchor ?? null,
        syncAnchor: req.syncAnchor ?? null,
      };
    case 'GetUpdateData':
    case 'GetUpdateDecryptionData':
      return {
        cookie: cookieSummary(req.cookie),
        updateIdCount: req.updateIds.length,
        updateIds: req.updateIds.map((u) => ({ updateId: u.updateId, revisionNumber: u.revisionNumber })),
      };
  }
}

function updateSummary(u: ServerSyncUpdateData): Json {
  return {
    updateId: u.id.updateId,
    revisionNumber: u.id.revisionNumber,
    compressed: u.blob.compressed,
    bytes: updateBlobSize(u.blob),
    fileDigests: u.fileDigestList === undefined ? [] : [...u.fileDigestList],
  };
}

function responseFields(res: WsusssResponse): Record<string, Json> {
  switch (res.operation) {
    case 'GetAuthConfig':
      return {
        lastChange: res.result.lastChange,
        authInfo: res.result.authInfo.map((p) => ({ plugInId: p.plugInId, serviceUrl: p.serviceUrl })),
      };
    case 'GetAuthorizationCookie':
      return { plugInId: res.result.plugInId };
    case 'GetCookie':
      return { expiration: res.result.expiration };
    case 'GetConfigData': {
      const { languageUpdateList, ...rest } = res.result;
      return {
        ...rest,
        languageCount: languageUpdateList?.length ?? 0,
        enabledLanguages: (languageUpdateList ?? []).filter((l) => l.enabled).map((l) => l.shortLanguage),
      };
    }
    case 'GetRevisionIdList':
      return { anchor: res.result.anchor ?? null, revisionCount: res.result.newRevisions.length };
    case 'GetUpdateData':
      return {
        updates: res.result.updates.map(updateSummary),
        fileUrls: res.result.fileUrls.map((f) => ({
          fileDigest: f.fileDigest,
          muUrl: f.muUrl ?? null,
          ussUrl: f.ussUrl ?? null,
        })),
      };
    case 'GetDeployments':
      return {
        anchor: res.result.anchor ?? null,
        groups: res.result.groups.map((g) => ({ targetGroupId: g.targetGroupId, name: g.name ?? null })),
        deploymentCount: res.result.deployments.length,
        deadDeploymentCount: res.result.deadDeployments.length,
        hiddenUpdateCount: res.result.hiddenUpdates.length,
        acceptedEulaCount: res.result.acceptedEulas.length,
      };
    case 'GetUpdateDecryptionData':
      return {
        updates: res.result.updateFileDecryptionData.map((u) => ({
          updateId: u.updateId.updateId,
          revisionNumber: u.updateId.revisionNumber,
          files: u.fileDecryptionData.map((d) => ({
            fileDigest: d.fileDigest ?? null,
            hasDecryptionKey: d.decryptionKey !== undefined,
          })),
        })),
      };
  }
}

async function extractDocuments(updates: readonly ServerSyncUpdateData[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const u of updates) {
    const path = join(dir, `${u.id.updateId}-r${u.id.revisionNumber}.xml`);
    await writeFile(path, updateDocumentXml(u), 'utf8');
    written.push(path);
  }
  return written;
}

/** The operation named by a fault's `Method` (`"<namespace>/<Operation>"`). */
function operationOfMethod(method: string | undefined): string | null {
  const m = method === undefined ? null : /\/([A-Za-z]+)"?\s*$/.exec(method);
  return m?.[1] ?? null;
}

/**
 * Summarises an MS-WSUSSS message (request, response or fault) as JSON-able data.
 * @throws SupsyncError for unreadable messages (`XML_MALFORMED`, `SOAP_MALFORMED`, ...), and the
 *   cabinet codes when extracting a compressed document fails.
 */
export async function inspectMessage(bytes: Uint8Array, options?: InspectOptions): Promise<InspectSummary> {
  const msg = await decodeMessage(bytes);
  if (msg.kind === 'fault') {
    const { fault } = msg;
    return {
      kind: 'fault',
      operation: operationOfMethod(fault.method),
      soapVersion: msg.soapVersion,
      errorCode: fault.errorCode,
      message: fault.message,
      faultcode: fault.faultcode,
      faultactor: fault.faultactor ?? null,
      id: fault.id ?? null,
      method: fault.method ?? null,
      ...(options?.extractDir === undefined ? {} : { extracted: [] }),
    };
  }
  if (msg.kind === 'request') {
    const { request } = msg;
    return {
      kind: 'request',
      operation: request.operation,
      soapVersion: msg.soapVersion,
      ...requestFields(request),
      ...(options?.extractDir === undefined ? {} : { extracted: [] }),
    };
  }
  const { response } = msg;
  const updates = response.operation === 'GetUpdateData' ? response.result.updates : [];
  return {
    kind: 'response',
    operation: response.operation,
    soapVersion: msg.soapVersion,
    ...responseFields(response),
    ...(options?.extractDir === undefined ? {} : { extracted: await extractDocuments(updates, options.extractDir) }),
  };
}
