/**
 * The upstream (USS) side of MS-WSUSSS, transport-agnostic: a request body in, a status and a SOAP
 * body out. Any supsync site serves its own catalog this way to child sites and downstream WSUS.
 * Behaviour follows a real Windows WSUS: expiring HMAC-signed cookies, opaque anchors with per-id
 * Delta, products AND classifications, compressed blobs over 5,120 bytes, replies capped near 2 MB,
 * and the real faults.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { revisionKey, type StoredRevision } from '../catalog/model.ts';
import { isSupsyncError } from '../shared/errors.ts';
import type { SiteStore } from '../store/site-store.ts';
import { UPSTREAM_LANGUAGES } from './languages.ts';
import {
  decodeRequest,
  encodeResponse,
  formatDateTime,
  makeCookie,
  operationOfSoapAction,
  soapAction,
} from './messages/index.ts';
import type {
  Cookie,
  GetDeploymentsRequest,
  GetRevisionIdListRequest,
  GetUpdateDataRequest,
  GetUpdateDecryptionDataRequest,
  Operation,
  ServerSyncUpdateData,
  ServerSyncUrlData,
  WsusssRequest,
  WsusssResponse,
} from './messages/types.ts';
import { encodeUpdateBlob, updateBlobSize } from './messages/update-blob.ts';
import { encodeFault, FAULT_HTTP_STATUS, type WsusssErrorCode } from './soap/fault.ts';

export interface UpstreamServerOptions {
  readonly store: SiteStore;
  /** Secret for cookie HMACs; a new one per process invalidates old cookies (clients log in again). */
  readonly secret: Buffer;
  readonly now?: () => Date;
  /** Cookie lifetime; Windows uses 240 minutes. */
  readonly cookieMinutes?: number;
  readonly maxUpdatesPerRequest?: number;
  /** Reply size cap for GetUpdateData (Windows: about 2,000,000 bytes). */
  readonly maxReplyBytes?: number;
}

export interface SoapReply {
  readonly status: number;
  readonly body: string;
}

/** Thrown inside handlers to answer with a WSUSSS fault. */
class Fault extends Error {
  constructor(
    readonly errorCode: WsusssErrorCode,
    readonly faultMessage = '',
  ) {
    super(errorCode);
  }
}

const PROTOCOL_VERSION = '1.20';

export class UpstreamServer {
  private readonly now: () => Date;
  private readonly maxPerRequest: number;
  private readonly maxReplyBytes: number;

  constructor(private readonly opts: UpstreamServerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.maxPerRequest = opts.maxUpdatesPerRequest ?? 100;
    this.maxReplyBytes = opts.maxReplyBytes ?? 2_000_000;
  }

  /**
   * Handles one POST. `actor` is the absolute URL of the service (for faultactor); `soapActionHeader`
   * the request's SOAPAction header, if any.
   */
  async handle(body: string | Uint8Array, actor: string, soapActionHeader: string | undefined): Promise<SoapReply> {
    let req: WsusssRequest;
    try {
      req = await decodeRequest(body);
    } catch (err) {
      const op = soapActionHeader === undefined ? undefined : operationOfSoapAction(soapActionHeader);
      const message = isSupsyncError(err) ? err.message : 'request';
      return this.fault(new Fault('InvalidParameters', message), actor, op);
    }
    try {
      return { status: 200, body: encodeResponse(await this.dispatch(req)) };
    } catch (err) {
      if (err instanceof Fault) return this.fault(err, actor, req.operation);
      return this.fault(new Fault('InternalServerError'), actor, req.operation);
    }
  }

  private fault(f: Fault, actor: string, op: Operation | undefined): SoapReply {
    const action = op === undefined ? '' : soapAction(op);
    return {
      status: FAULT_HTTP_STATUS,
      body: encodeFault({ errorCode: f.errorCode, message: f.faultMessage, actor, soapAction: action }),
    };
  }

  private async dispatch(req: WsusssRequest): Promise<WsusssResponse> {
    switch (req.operation) {
      case 'GetAuthConfig':
        return {
          operation: 'GetAuthConfig',
          result: {
            lastChange: formatDateTime(new Date(0)),
            authInfo: [
              { plugInId: 'DssTargeting', serviceUrl: 'DssAuthWebService/DssAuthWebService.asmx', parameter: '' },
            ],
          },
        };
      case 'GetAuthorizationCookie': {
        if (req.accountName.trim() === '') throw new Fault('InvalidParameters', 'accountName');
        const exp = this.now().getTime() + this.cookieMs();
        return {
          operation: 'GetAuthorizationCookie',
          result: { plugInId: 'DssTargeting', cookieData: this.sign({ a: req.accountName, e: exp }) },
        };
      }
      case 'GetCookie':
        return { operation: 'GetCookie', result: this.issueCookie(req.authCookies, req.protocolVersion) };
      case 'GetConfigData':
        return this.configData(req.cookie, req.configAnchor);
      case 'GetRevisionIdList':
        return this.revisionIdList(req);
      case 'GetUpdateData':
        return this.updateData(req);
      case 'GetUpdateDecryptionData':
        return this.decryptionData(req);
      case 'GetDeployments':
        return this.deployments(req);
    }
  }

  private cookieMs(): number {
    return (this.opts.cookieMinutes ?? 240) * 60_000;
  }

  private issueCookie(auth: readonly { plugInId: string; cookieData: string }[], protocolVersion: string): Cookie {
    if (auth.length !== 1) throw new Fault('InvalidParameters', 'authCookies');
    const claims = this.verify((auth[0] as { cookieData: string }).cookieData);
    if (claims === undefined || typeof claims.e !== 'number' || claims.e < this.now().getTime()) {
      throw new Fault('InvalidAuthorizationCookie');
    }
    if (!/^1\.\d+$/.test(protocolVersion)) throw new Fault('IncompatibleProtocolVersion');
    const expires = new Date(this.now().getTime() + this.cookieMs());
    return makeCookie(expires, this.sign({ v: protocolVersion, e: expires.getTime() }));
  }

  private checkCookie(cookie: Cookie | undefined): void {
    const claims = cookie === undefined ? undefined : this.verify(cookie.encryptedData);
    if (claims === undefined || typeof claims.e !== 'number' || claims.e < this.now().getTime())
      throw new Fault('InvalidCookie');
  }

  private async configData(cookie: Cookie | undefined, configAnchor: string | undefined): Promise<WsusssResponse> {
    this.checkCookie(cookie);
    const anchor = await this.anchor();
    // Like WSUS, an up-to-date caller gets an empty language list.
    const current = configAnchor !== undefined && this.parseAnchor(configAnchor) !== undefined;
    return {
      operation: 'GetConfigData',
      result: {
        catalogOnlySync: true,
        lazySync: true,
        serverHostsPsfFiles: false,
        maxNumberOfComputerIdsInRequest: 0,
        maxNumberOfDriverSetsPerRequest: 0,
        maxNumberOfPnpHardwareIdsInRequest: 0,
        maxNumberOfUpdatesPerRequest: this.maxPerRequest,
        newConfigAnchor: anchor,
        protocolVersion: PROTOCOL_VERSION,
        languageUpdateList: current
          ? []
          : UPSTREAM_LANGUAGES.map(([languageId, shortLanguage, longLanguage]) => ({
              languageId,
              shortLanguage,
              longLanguage,
              enabled: shortLanguage === 'en',
            })),
        maxUpdatesPerRequestInGetUpdateDecryptionData: this.maxPerRequest,
      },
    };
  }

  private async revisionIdList(req: GetRevisionIdListRequest): Promise<WsusssResponse> {
    this.checkCookie(req.cookie);
    const { filter } = req;
    let sinceSeq: number | undefined;
    if (filter.anchor !== undefined) {
      sinceSeq = this.parseAnchor(filter.anchor);
      // Like WSUS, an anchor from the future simply means "nothing changed since".
      if (sinceSeq === undefined) throw new Fault('InvalidParameters', 'filter');
    }
    const since = sinceSeq === undefined ? {} : { sinceSeq };
    const { ids, seq } = filter.getConfig
      ? await this.opts.store.listRevisionsForDownstream({ config: true, ...since })
      : await this.opts.store.listRevisionsForDownstream({
          config: false,
          ...since,
          ...(filter.categories === undefined ? {} : { products: filter.categories }),
          ...(filter.classifications === undefined ? {} : { classifications: filter.classifications }),
        });
    return { operation: 'GetRevisionIdList', result: { anchor: this.formatAnchor(seq), newRevisions: ids } };
  }

  /** The revisions a GetUpdateData or GetUpdateDecryptionData call names that the site holds, by key. */
  private async heldRevisions(
    req: GetUpdateDataRequest | GetUpdateDecryptionDataRequest,
  ): Promise<Map<string, StoredRevision>> {
    this.checkCookie(req.cookie);
    if (req.updateIds.length === 0 || req.updateIds.length > this.maxPerRequest)
      throw new Fault('InvalidParameters', 'updateIds');
    const stored = await this.opts.store.getRevisions(req.updateIds);
    return new Map(stored.map((s) => [revisionKey(s.revision.identity), s]));
  }

  private async updateData(req: GetUpdateDataRequest): Promise<WsusssResponse> {
    const byKey = await this.heldRevisions(req);
    const updates: ServerSyncUpdateData[] = [];
    const fileUrls: ServerSyncUrlData[] = [];
    let bytes = 0;
    for (const id of req.updateIds) {
      const s = byKey.get(revisionKey(id));
      // A real WSUS fails the whole call for an id it does not have.
      if (s === undefined) throw new Fault('InternalServerError');
      const blob = encodeUpdateBlob(s.xml);
      // The cap counts what goes on the wire: base64 text for a cabinet, the document for plain XML.
      const size = blob.compressed ? blob.cabBase64.length : updateBlobSize(blob);
      if (updates.length > 0 && bytes + size > this.maxReplyBytes) break;
      bytes += size;
      const digests = s.revision.files.map((f) => f.digestSha1);
      updates.push({ id, ...(digests.length > 0 ? { fileDigestList: digests } : {}), blob });
      for (const f of s.revision.files)
        fileUrls.push({ fileDigest: f.digestSha1, muUrl: contentUrl(f.digestSha1, f.fileName), ussUrl: '' });
    }
    return { operation: 'GetUpdateData', result: { updates, fileUrls } };
  }

  /**
   * The files of each requested revision the site holds, by SHA-1 digest, as the spec's USS answers
   * from its file table. supsync keeps no decryption keys (it downloads no content), so none is
   * sent; a revision the site does not hold has no files to list.
   */
  private async decryptionData(req: GetUpdateDecryptionDataRequest): Promise<WsusssResponse> {
    const byKey = await this.heldRevisions(req);
    const updateFileDecryptionData = [];
    for (const id of req.updateIds) {
      const files = byKey.get(revisionKey(id))?.revision.files ?? [];
      if (files.length > 0)
        updateFileDecryptionData.push({
          updateId: id,
          fileDecryptionData: files.map((f) => ({ fileDigest: f.digestSha1 })),
        });
    }
    return { operation: 'GetUpdateDecryptionData', result: { updateFileDecryptionData } };
  }

  /**
   * What a replica downstream server mirrors, as a Configuration Manager software update point's
   * WSUS holds it: WSUS's two built-in computer groups; no approvals, since ConfigMgr deploys
   * updates through its own policies; and, as hidden (declined), every update the site has expired,
   * as ConfigMgr declines expired updates in WSUS. No EULA is accepted there either.
   */
  private async deployments(req: GetDeploymentsRequest): Promise<WsusssResponse> {
    this.checkCookie(req.cookie);
    const { deploymentAnchor, syncAnchor } = req;
    if (deploymentAnchor !== undefined && deploymentAnchor !== '' && this.parseAnchor(deploymentAnchor) === undefined)
      throw new Fault('InvalidParameters', 'deploymentAnchor');
    if (syncAnchor === undefined || this.parseAnchor(syncAnchor) === undefined)
      throw new Fault('InvalidParameters', 'syncAnchor');
    return {
      operation: 'GetDeployments',
      result: {
        anchor: await this.anchor(),
        groups: BUILTIN_TARGET_GROUPS,
        deployments: [],
        deadDeployments: [],
        hiddenUpdates: await this.opts.store.listExpiredUpdateIds(),
        acceptedEulas: [],
      },
    };
  }

  private async anchor(): Promise<string> {
    return this.formatAnchor(await this.opts.store.currentSeq());
  }

  /** WSUS's anchor shape, `<counter>,<yyyy-MM-dd HH:mm:ss.fff>`; our counter is the change sequence. */
  private formatAnchor(seq: number): string {
    return `${seq},${this.now().toISOString().replace('T', ' ').replace('Z', '')}`;
  }

  private parseAnchor(anchor: string): number | undefined {
    const m = /^(\d{1,15}),\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,7})?$/.exec(anchor.trim());
    return m === null ? undefined : Number(m[1]);
  }

  private sign(claims: Record<string, unknown>): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const mac = createHmac('sha256', this.opts.secret).update(payload).digest('base64url');
    return Buffer.from(`${payload}.${mac}`).toString('base64');
  }

  private verify(token: string): Record<string, unknown> | undefined {
    const text = Buffer.from(token, 'base64').toString('utf8');
    const [payload, mac] = text.split('.');
    if (payload === undefined || mac === undefined) return undefined;
    const expected = createHmac('sha256', this.opts.secret).update(payload).digest();
    const got = Buffer.from(mac, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}

/** WSUS's built-in computer target groups (their GUIDs are the same on every WSUS). */
const ALL_COMPUTERS = 'a0a08746-4dbe-4a37-9adf-9e7652c0b421';
const BUILTIN_TARGET_GROUPS = Object.freeze([
  {
    targetGroupId: ALL_COMPUTERS,
    parentGroupId: '00000000-0000-0000-0000-000000000000',
    name: 'All Computers',
    isBuiltin: true,
  },
  {
    targetGroupId: 'b73ca6ed-5727-47f3-84de-015e03f6a88a',
    parentGroupId: ALL_COMPUTERS,
    name: 'Unassigned Computers',
    isBuiltin: true,
  },
]);

/** A Microsoft-Update-style download URL for a file, derived from its SHA-1 (the stand-in hosts no content). */
function contentUrl(digestSha1: string, fileName: string): string {
  const hex = Buffer.from(digestSha1, 'base64').toString('hex');
  return `http://download.windowsupdate.com/c/msdownload/update/software/${hex.slice(0, 2)}/${hex}/${encodeURIComponent(fileName)}`;
}
