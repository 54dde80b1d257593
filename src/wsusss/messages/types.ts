/**
 * Typed MS-WSUSSS messages, both directions. Names follow the WSDL (camel-cased); GUIDs are lower
 * case; optional (minOccurs 0) fields are absent rather than empty so a message re-encodes to the
 * same shape it was read from.
 */
import type { UpdateIdentity } from '../../catalog/model.ts';

/** The operations supsync speaks, on either side. */
export type Operation =
  | 'GetAuthConfig'
  | 'GetAuthorizationCookie'
  | 'GetCookie'
  | 'GetConfigData'
  | 'GetRevisionIdList'
  | 'GetUpdateData'
  | 'GetUpdateDecryptionData'
  | 'GetDeployments';

/** The session cookie returned by GetCookie and passed to every later call. */
export interface Cookie {
  /** `Expiration` exactly as received (e.g. `2026-10-04T20:33:26.65455Z`), re-sent unchanged. */
  readonly expiration: string;
  /** `expiration` parsed (sub-millisecond digits dropped; no zone means UTC). */
  readonly expirationDate: Date;
  /** `EncryptedData`, base64, opaque to the downstream server. */
  readonly encryptedData: string;
}

/** An authorization cookie from the DSS auth service. */
export interface AuthorizationCookie {
  /** `PlugInId`, `DssTargeting` on WSUS and Microsoft Update. */
  readonly plugInId: string;
  /** `CookieData`, base64. */
  readonly cookieData: string;
}

/** A product or classification in a revision filter, with its delta flag. */
export interface IdAndDelta {
  readonly id: string;
  /** True: only revisions newer than the filter's anchor; false: every revision for this id. */
  readonly delta: boolean;
}

/** A language (LCID) in a revision filter, with its delta flag. */
export interface LanguageAndDelta {
  readonly id: number;
  readonly delta: boolean;
}

/**
 * `ServerSyncFilter`. An absent list and an empty list differ on the wire and to WSUS (an empty
 * `Categories` matches nothing), so lists are optional rather than defaulted.
 */
export interface ServerSyncFilter {
  /** The anchor of the previous list of the same kind; absent on a full sync. */
  readonly anchor?: string;
  /** True: categories, classifications and detectoids; false: updates. */
  readonly getConfig: boolean;
  readonly get63LanguageOnly?: boolean;
  readonly categories?: readonly IdAndDelta[];
  readonly classifications?: readonly IdAndDelta[];
  readonly languages?: readonly LanguageAndDelta[];
}

/** GetAuthConfig request (no parameters). */
export interface GetAuthConfigRequest {
  readonly operation: 'GetAuthConfig';
}

/** DssAuth GetAuthorizationCookie request. */
export interface GetAuthorizationCookieRequest {
  readonly operation: 'GetAuthorizationCookie';
  readonly accountName: string;
  readonly accountGuid: string;
  /** `programKeys` (ArrayOfGuid); no known client sends it. */
  readonly programKeys?: readonly string[];
}

/** GetCookie request. */
export interface GetCookieRequest {
  readonly operation: 'GetCookie';
  /** The spec asks for exactly one; kept as the list the WSDL declares so a server can check. */
  readonly authCookies: readonly AuthorizationCookie[];
  readonly oldCookie?: Cookie;
  /** `x.y`, e.g. `1.20`. */
  readonly protocolVersion: string;
}

/**
 * Fields of the cookie-carrying requests. `cookie` is optional only because a server must be able
 * to read a request that lacks it and answer `InvalidCookie` (as WSUS does); clients always send it.
 */
interface WithCookie {
  readonly cookie?: Cookie;
}

/** GetConfigData request. */
export interface GetConfigDataRequest extends WithCookie {
  readonly operation: 'GetConfigData';
  /** The last `NewConfigAnchor`; absent on the first call. */
  readonly configAnchor?: string;
}

/** GetRevisionIdList request. */
export interface GetRevisionIdListRequest extends WithCookie {
  readonly operation: 'GetRevisionIdList';
  readonly filter: ServerSyncFilter;
}

/** GetUpdateData request. */
export interface GetUpdateDataRequest extends WithCookie {
  readonly operation: 'GetUpdateData';
  readonly updateIds: readonly UpdateIdentity[];
}

/** GetUpdateDecryptionData request: the revisions whose files' decryption data the caller wants. */
export interface GetUpdateDecryptionDataRequest extends WithCookie {
  readonly operation: 'GetUpdateDecryptionData';
  readonly updateIds: readonly UpdateIdentity[];
}

/** GetDeployments request: a replica DSS asks for the approvals since its last call. */
export interface GetDeploymentsRequest extends WithCookie {
  readonly operation: 'GetDeployments';
  /** The anchor of the last GetDeployments answer; absent on the first call. */
  readonly deploymentAnchor?: string;
  /** The anchor of the caller's last GetRevisionIdList answer; required. */
  readonly syncAnchor?: string;
}

/** Any request, keyed by `operation`. */
export type WsusssRequest =
  | GetAuthConfigRequest
  | GetAuthorizationCookieRequest
  | GetCookieRequest
  | GetConfigDataRequest
  | GetRevisionIdListRequest
  | GetUpdateDataRequest
  | GetUpdateDecryptionDataRequest
  | GetDeploymentsRequest;

/** One authorization plug-in advertised by GetAuthConfig. */
export interface AuthPlugInInfo {
  /** `PlugInID` (capital D here, unlike `AuthorizationCookie.PlugInId`). */
  readonly plugInId: string;
  /** Relative to the server root, e.g. `DssAuthWebService/DssAuthWebService.asmx`. */
  readonly serviceUrl: string;
  readonly parameter?: string;
}

/** `ServerAuthConfig`. */
export interface ServerAuthConfig {
  /** `LastChange` as written (xs:dateTime). */
  readonly lastChange: string;
  readonly authInfo: readonly AuthPlugInInfo[];
  /** Absent on WSUS 2025. */
  readonly allowedEventIds?: readonly number[];
}

/** One language the upstream offers. */
export interface ServerSyncLanguageData {
  readonly languageId: number;
  readonly shortLanguage: string;
  readonly longLanguage: string;
  readonly enabled: boolean;
}

/** `ServerSyncConfigData`. Integer limits other than the update batch size are optional: old servers omit them. */
export interface ServerSyncConfigData {
  readonly catalogOnlySync: boolean;
  readonly lazySync: boolean;
  readonly serverHostsPsfFiles: boolean;
  readonly maxNumberOfUpdatesPerRequest: number;
  readonly maxNumberOfDriverSetsPerRequest?: number;
  readonly maxNumberOfComputerIdsInRequest?: number;
  readonly maxNumberOfPnpHardwareIdsInRequest?: number;
  readonly newConfigAnchor?: string;
  readonly protocolVersion?: string;
  /** Empty when the request's `configAnchor` is current. */
  readonly languageUpdateList?: readonly ServerSyncLanguageData[];
  readonly maxUpdatesPerRequestInGetUpdateDecryptionData?: number;
}

/** `RevisionIdList`. */
export interface RevisionIdList {
  /** The anchor to send next time for a delta list. */
  readonly anchor?: string;
  readonly newRevisions: readonly UpdateIdentity[];
}

/** The update metadata document as carried: plain text, or a base64 cabinet. */
export type UpdateBlob =
  | { readonly compressed: false; readonly xml: string }
  | {
      readonly compressed: true;
      /** Base64 of an MS-CAB whose single member `blob` holds the document as UTF-16LE. */
      readonly cabBase64: string;
    };

/** `ServerSyncUpdateData`: one update revision's metadata. */
export interface ServerSyncUpdateData {
  readonly id: UpdateIdentity;
  /** Base64 SHA-1 digests of the revision's files; WSUS omits the list when there are none. */
  readonly fileDigestList?: readonly string[];
  readonly blob: UpdateBlob;
}

/** `ServerSyncUrlData`: where a file can be downloaded. */
export interface ServerSyncUrlData {
  /** Base64 SHA-1. */
  readonly fileDigest: string;
  readonly muUrl?: string;
  /** WSUS sends it empty. */
  readonly ussUrl?: string;
}

/** `ServerUpdateData`. */
export interface ServerUpdateData {
  readonly updates: readonly ServerSyncUpdateData[];
  readonly fileUrls: readonly ServerSyncUrlData[];
}

/** `ServerSyncFileDecryption`: one file of a revision and its key. */
export interface ServerSyncFileDecryption {
  /** Base64 SHA-1 of the file. */
  readonly fileDigest?: string;
  /** Base64; the spec requires it only for a file the metadata marks encrypted. */
  readonly decryptionKey?: string;
}

/** `ServerSyncUpdateFileDecryption`: the decryption data of one requested revision's files. */
export interface ServerSyncUpdateFileDecryption {
  readonly updateId: UpdateIdentity;
  readonly fileDecryptionData: readonly ServerSyncFileDecryption[];
}

/** `ServerDecryptionData`. */
export interface ServerDecryptionData {
  readonly updateFileDecryptionData: readonly ServerSyncUpdateFileDecryption[];
}

/** `ServerSyncTargetGroup`: a computer target group of the upstream. */
export interface ServerSyncTargetGroup {
  readonly targetGroupId: string;
  /** All zeros for the top of the group tree. */
  readonly parentGroupId: string;
  readonly name?: string;
  readonly isBuiltin: boolean;
}

/** `ServerSyncDeployment`: one approval of an update revision for a target group. */
export interface ServerSyncDeployment {
  readonly updateId: string;
  readonly revisionNumber: number;
  /** 0 install, 1 uninstall, 2 scan (detect only), 3 block. */
  readonly action: number;
  readonly adminName?: string;
  /** xs:dateTime as written. */
  readonly deadline: string;
  readonly isAssigned: boolean;
  readonly goLiveTime: string;
  readonly deploymentGuid: string;
  readonly targetGroupId: string;
  readonly downloadPriority: number;
}

/** `ServerSyncDeploymentResult`. */
export interface ServerSyncDeploymentResult {
  readonly anchor?: string;
  readonly groups: readonly ServerSyncTargetGroup[];
  readonly deployments: readonly ServerSyncDeployment[];
  /** Deployment GUIDs removed since the caller's anchor. */
  readonly deadDeployments: readonly string[];
  /** Every update hidden (declined) on the upstream: a full list each time. */
  readonly hiddenUpdates: readonly string[];
  /** Every EULA accepted on the upstream: a full list each time. */
  readonly acceptedEulas: readonly string[];
}

/** Each operation's result type. */
export interface ResultOf {
  readonly GetAuthConfig: ServerAuthConfig;
  readonly GetAuthorizationCookie: AuthorizationCookie;
  readonly GetCookie: Cookie;
  readonly GetConfigData: ServerSyncConfigData;
  readonly GetRevisionIdList: RevisionIdList;
  readonly GetUpdateData: ServerUpdateData;
  readonly GetUpdateDecryptionData: ServerDecryptionData;
  readonly GetDeployments: ServerSyncDeploymentResult;
}

/** A response of one operation. */
export type ResponseOf<O extends Operation> = { readonly operation: O; readonly result: ResultOf[O] };

/** Any response, keyed by `operation`. */
export type WsusssResponse = { [O in Operation]: ResponseOf<O> }[Operation];
