/**
 * JSON Schemas shared by the routes. They are added to Fastify once (`addSchema`), referenced as
 * `{ $ref: 'Name#' }`, validated by ajv, used by fast-json-stringify to serialize answers (which
 * drops any property a schema does not name, so these must be complete) and published as
 * components of the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES } from '../shared/errors.ts';

export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (type: 'string' | 'integer' | 'number') => ({ type: [type, 'null'] }) as const;
const strings = { type: 'array', items: str } as const;

const phaseCounts = {
  $id: 'PhaseCounts',
  type: 'object',
  properties: { listed: int, downloaded: int, repaired: int, expired: int, removed: int, failed: int },
} as const;

const liveProgress = {
  $id: 'LiveProgress',
  type: 'object',
  description: 'Where a running sync is now (from the engine events; not stored).',
  properties: {
    runId: int,
    phase: { type: 'string', enum: ['connecting', 'categories', 'updates', 'site-database'] },
    done: int,
    total: int,
    etaSeconds: nullable('integer'),
  },
  required: ['runId', 'phase', 'done', 'total', 'etaSeconds'],
} as const;

const syncRun = {
  $id: 'SyncRun',
  type: 'object',
  properties: {
    id: int,
    kind: { type: 'string', enum: ['full', 'delta'] },
    reason: str,
    trigger: { type: 'string', enum: ['schedule', 'manual', 'api', 'cli', 'parent', 'retry', 'startup', 'import'] },
    requestedBy: str,
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    queuedAt: str,
    startedAt: str,
    finishedAt: str,
    categories: { $ref: 'PhaseCounts#' },
    updates: { $ref: 'PhaseCounts#' },
    errorCode: str,
    errorMessage: str,
    catalogVersion: int,
    upstreamUrl: str,
    progress: { anyOf: [{ $ref: 'LiveProgress#' }, { type: 'null' }] },
  },
  required: ['id', 'kind', 'reason', 'trigger', 'state', 'queuedAt', 'upstreamUrl'],
} as const;

const syncPlan = {
  $id: 'SyncPlan',
  type: 'object',
  properties: { kind: { type: 'string', enum: ['full', 'delta'] }, reason: str, reasons: strings },
  required: ['kind', 'reason', 'reasons'],
} as const;

const supSyncStatus = {
  $id: 'SupSyncStatus',
  type: 'object',
  description: 'One row of SMS_SUPSyncStatus, plus what supsync knows about the last, running, queued and next runs.',
  properties: {
    SiteCode: str,
    WSUSServerName: str,
    WSUSSourceServer: str,
    LastSyncState: nullable('integer'),
    LastSyncStateTime: nullable('string'),
    LastSyncErrorCode: int,
    LastSyncErrorName: nullable('string'),
    LastSyncErrorMessage: nullable('string'),
    LastSuccessfulSyncTime: nullable('string'),
    SyncCatalogVersion: int,
    ReplicationLinkStatus: { type: 'integer', enum: [0, 1, 2] },
    LastSyncKind: nullable('string'),
    LastSyncReason: nullable('string'),
    LastRunId: nullable('integer'),
    Queued: {
      anyOf: [{ type: 'object', properties: { runId: int, kind: str }, required: ['runId', 'kind'] }, { type: 'null' }],
    },
    Running: { anyOf: [{ $ref: 'LiveProgress#' }, { type: 'null' }] },
    NextScheduledSync: nullable('string'),
  },
  required: ['SiteCode', 'WSUSServerName', 'WSUSSourceServer', 'LastSyncErrorCode', 'SyncCatalogVersion'],
} as const;

const softwareUpdate = {
  $id: 'SoftwareUpdate',
  type: 'object',
  description: 'An update with SMS_SoftwareUpdate field names, plus a few supsync extras.',
  properties: {
    CI_UniqueID: str,
    CIType_ID: { type: 'integer', description: '1 software update, 8 bundle' },
    ArticleID: str,
    ArticleIDs: strings,
    BulletinID: str,
    BulletinIDs: strings,
    LocalizedDisplayName: str,
    LocalizedDescription: str,
    DatePosted: str,
    DateRevised: str,
    IsSuperseded: bool,
    IsExpired: bool,
    IsDeployed: bool,
    IsBundle: bool,
    IsFeatureUpdate: bool,
    Severity: { type: 'integer', description: '0 None, 2 Low, 6 Moderate, 8 Important, 10 Critical' },
    SeverityName: str,
    RevisionNumber: int,
    CategoryInstance_UniqueIDs: strings,
    SupersededBy: strings,
    ExpiredAt: nullable('string'),
    UpdateType: str,
    PublicationState: str,
  },
  required: ['CI_UniqueID', 'LocalizedDisplayName', 'RevisionNumber'],
} as const;

const category = {
  $id: 'UpdateCategory',
  type: 'object',
  description: 'A category with SMS_UpdateCategoryInstance field names.',
  properties: {
    CategoryInstance_UniqueID: str,
    CategoryId: str,
    CategoryTypeName: str,
    LocalizedCategoryInstanceName: str,
    ParentCategoryId: nullable('string'),
    AllowSubscription: bool,
    IsSubscribed: bool,
    RevisionNumber: int,
  },
  required: ['CategoryInstance_UniqueID', 'CategoryId', 'LocalizedCategoryInstanceName', 'IsSubscribed'],
} as const;

const alert = {
  $id: 'Alert',
  type: 'object',
  properties: {
    id: int,
    kind: { type: 'string', enum: ['sync-failure'] },
    state: { type: 'string', enum: ['active', 'canceled'] },
    raisedAt: str,
    canceledAt: str,
    message: str,
    runId: int,
  },
  required: ['id', 'kind', 'state', 'raisedAt', 'message'],
} as const;

const statusMessage = {
  $id: 'StatusMessage',
  type: 'object',
  description:
    'A status message of the sync manager (component SMS_WSUS_SYNC_MANAGER): 6701 started, 6704 and 6705 in ' +
    'progress, 6702 done, 6703 failed.',
  properties: {
    id: int,
    runId: int,
    messageId: int,
    severity: { type: 'string', enum: ['I', 'W', 'E'], description: 'informational, warning or error' },
    time: str,
    text: str,
  },
  required: ['id', 'messageId', 'severity', 'time', 'text'],
} as const;

const token = {
  $id: 'ApiToken',
  type: 'object',
  properties: {
    id: int,
    name: str,
    role: { type: 'string', enum: ['read', 'operator', 'admin'] },
    createdAt: str,
    lastUsedAt: str,
  },
  required: ['id', 'name', 'role', 'createdAt'],
} as const;

const audit = {
  $id: 'AuditRecord',
  type: 'object',
  properties: { id: int, time: str, actor: str, action: str, details: {} },
  required: ['id', 'time', 'actor', 'action'],
} as const;

const apiError = {
  $id: 'ApiError',
  type: 'object',
  description: 'The one error envelope; `code` is stable (docs/errors.md).',
  properties: {
    statusCode: int,
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    error: str,
    message: str,
  },
  required: ['statusCode', 'code', 'error', 'message'],
} as const;

// A child site in the hierarchy view, with its own children: the schema refers to itself.
const childSiteStatus = {
  $id: 'ChildSiteStatus',
  type: 'object',
  description:
    'A child site: its last notification, its own SMS_SUPSyncStatus (asked of it) and its children. Never its token.',
  properties: {
    siteCode: str,
    url: str,
    addedAt: str,
    notifiedAt: nullable('string'),
    notifyResult: nullable('string'),
    status: { anyOf: [{ $ref: 'SupSyncStatus#' }, { type: 'null' }] },
    statusError: nullable('string'),
    children: { type: 'array', items: { $ref: 'ChildSiteStatus#' } },
  },
  required: ['siteCode', 'url', 'addedAt', 'notifiedAt', 'notifyResult', 'status', 'statusError', 'children'],
} as const;

/** Adds the shared schemas to `app` (once, on the root instance). */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const s of [
    childSiteStatus,
    phaseCounts,
    liveProgress,
    syncRun,
    syncPlan,
    supSyncStatus,
    softwareUpdate,
    category,
    alert,
    statusMessage,
    token,
    audit,
    apiError,
  ]) {
    app.addSchema(s);
  }
}

/** `{ $ref: 'Name#' }` for a shared schema. */
export const ref = (name: string) => ({ $ref: `${name}#` }) as const;

/** A querystring of one `limit` (1…max, `fallback` when absent) and nothing else. */
export const limitQuery = (max: number, fallback: number) =>
  ({
    type: 'object',
    properties: { limit: { type: 'integer', minimum: 1, maximum: max, default: fallback } },
    additionalProperties: false,
  }) as const;

/** `{ type: 'array', items: { $ref } }`. */
export const listOf = (name: string) => ({ type: 'array', items: ref(name) }) as const;
