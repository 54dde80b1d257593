/**
 * The patch admin's view of the catalog: filtered, paged updates with SMS_SoftwareUpdate field
 * names, one update, marking updates deployed (cleanup keeps deployed updates), and the categories
 * with IsSubscribed per the settings.
 */
import type { FastifyInstance } from 'fastify';
import { normalizeGuid } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import { requireSettings, type UpdateQuery } from '../store/site-store.ts';
import type { ApiContext } from './api-context.ts';
import { addRoute, audit } from './route-kit.ts';
import { GUID_PATTERN, listOf, ref } from './schemas.ts';
import { SEVERITY_NAMES, toSmsCategory, toSmsSoftwareUpdate } from './sms-mapping.ts';

/** Query parameters of GET /updates (names as the CLI's `updates list` options). */
export interface UpdateFilters {
  readonly productId?: string;
  readonly classificationId?: string;
  readonly kb?: string;
  readonly severity?: string;
  readonly superseded?: boolean;
  readonly expired?: boolean;
  readonly deployed?: boolean;
  readonly text?: string;
  readonly postedFrom?: string;
  readonly postedTo?: string;
  readonly revisedFrom?: string;
  readonly revisedTo?: string;
  readonly offset?: number;
  readonly limit?: number;
}

const date = { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] } as const;

const updatesQuery = {
  type: 'object',
  properties: {
    productId: {
      type: 'string',
      pattern: GUID_PATTERN,
      description: 'product GUID (the update or a bundle holding it)',
    },
    classificationId: { type: 'string', pattern: GUID_PATTERN },
    kb: { type: 'string', pattern: '^(KB|kb)?[0-9]{1,10}$', description: 'KB article, e.g. 5034441 or KB5034441' },
    severity: { type: 'string', enum: SEVERITY_NAMES },
    superseded: { type: 'boolean' },
    expired: { type: 'boolean' },
    deployed: { type: 'boolean' },
    text: { type: 'string', minLength: 1, maxLength: 200, description: 'case-insensitive text in the title' },
    postedFrom: { ...date, description: 'DatePosted on or after (YYYY-MM-DD or ISO date-time, UTC)' },
    postedTo: { ...date, description: 'DatePosted on or before; a date includes the whole day' },
    revisedFrom: date,
    revisedTo: date,
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  },
  additionalProperties: false,
} as const;

/**
 * A date filter bound as the store compares it (ISO UTC text). A `to` bound includes the whole of
 * its last unit: a bare date its day, a time without fractions its second — stored dates come with
 * and without milliseconds, and `…:00Z` sorts after `…:00.000Z`.
 */
function bound(value: string | undefined, end: boolean): string | undefined {
  if (value === undefined) return undefined;
  const bareDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const t = Date.parse(bareDate ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new SupsyncError('INPUT_INVALID', `"${value}" is not a date`);
  const extra = !end ? 0 : bareDate ? 86_399_999 : /\.\d+/.test(value) ? 0 : 999;
  return new Date(t + extra).toISOString();
}

/** Turns the filters of GET /updates (or `updates list`) into the store's query. */
export function toUpdateQuery(f: UpdateFilters): UpdateQuery {
  const q: Record<string, unknown> = {
    productId: f.productId === undefined ? undefined : normalizeGuid(f.productId),
    classificationId: f.classificationId === undefined ? undefined : normalizeGuid(f.classificationId),
    kbArticleId: f.kb,
    severity: f.severity,
    isSuperseded: f.superseded,
    isExpired: f.expired,
    isDeployed: f.deployed,
    text: f.text,
    postedFrom: bound(f.postedFrom, false),
    postedTo: bound(f.postedTo, true),
    revisedFrom: bound(f.revisedFrom, false),
    revisedTo: bound(f.revisedTo, true),
    offset: f.offset ?? 0,
    limit: f.limit ?? 50,
  };
  for (const k of Object.keys(q)) if (q[k] === undefined) delete q[k];
  return q as UpdateQuery;
}

export function registerUpdateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  addRoute<{ Querystring: UpdateFilters }>(app, ctx.auth, {
    method: 'GET',
    url: '/updates',
    role: 'read',
    tags: ['updates'],
    summary: 'Query software updates (Get-CMSoftwareUpdate filters), paged, newest revision first',
    querystring: updatesQuery,
    response: {
      200: {
        type: 'object',
        properties: {
          total: { type: 'integer' },
          offset: { type: 'integer' },
          limit: { type: 'integer' },
          items: listOf('SoftwareUpdate'),
        },
        required: ['total', 'offset', 'limit', 'items'],
      },
    },
    handler: async (request) => {
      const query = toUpdateQuery(request.query);
      const page = await ctx.store.queryUpdates(query);
      return {
        total: page.total,
        offset: query.offset ?? 0,
        limit: query.limit ?? 50,
        items: page.items.map(toSmsSoftwareUpdate),
      };
    },
  });

  addRoute<{ Params: { id: string } }>(app, ctx.auth, {
    method: 'GET',
    url: '/updates/:id',
    role: 'read',
    tags: ['updates'],
    summary: 'One software update by its update id (CI_UniqueID)',
    params: {
      type: 'object',
      properties: { id: { type: 'string', pattern: GUID_PATTERN } },
      required: ['id'],
      additionalProperties: false,
    },
    response: { 200: ref('SoftwareUpdate') },
    handler: async (request) => {
      const update = await ctx.store.getUpdate(normalizeGuid(request.params.id));
      if (update === undefined) throw new SupsyncError('NOT_FOUND', `no software update ${request.params.id}`);
      return toSmsSoftwareUpdate(update);
    },
  });

  addRoute<{ Body: { updateIds: string[]; deployed: boolean } }>(app, ctx.auth, {
    method: 'POST',
    url: '/updates/deployed',
    role: 'operator',
    tags: ['updates'],
    summary: 'Mark updates deployed (or not); cleanup never removes a deployed update',
    body: {
      type: 'object',
      properties: {
        updateIds: {
          type: 'array',
          items: { type: 'string', pattern: GUID_PATTERN },
          minItems: 1,
          maxItems: 1000,
          uniqueItems: true,
        },
        deployed: { type: 'boolean' },
      },
      required: ['updateIds', 'deployed'],
      additionalProperties: false,
    },
    response: { 200: { type: 'object', properties: { changed: { type: 'integer' } }, required: ['changed'] } },
    handler: async (request) => {
      const ids = request.body.updateIds.map(normalizeGuid);
      const changed = await ctx.store.setDeployed(ids, request.body.deployed);
      await audit(ctx.store, ctx.now, request, 'updates.deployed', {
        updateIds: ids,
        deployed: request.body.deployed,
        changed,
      });
      return { changed };
    },
  });

  addRoute<{ Querystring: { type?: string } }>(app, ctx.auth, {
    method: 'GET',
    url: '/categories',
    role: 'read',
    tags: ['updates'],
    summary: 'Companies, product families, products and classifications, with IsSubscribed per the settings',
    querystring: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['Company', 'ProductFamily', 'Product', 'UpdateClassification'] } },
      additionalProperties: false,
    },
    response: { 200: { type: 'object', properties: { items: listOf('UpdateCategory') }, required: ['items'] } },
    handler: async (request) => {
      const settings = await requireSettings(ctx.store);
      const all = await ctx.store.listCategories();
      const wanted = request.query.type;
      return {
        items: all
          .filter((c) => wanted === undefined || c.categoryType === wanted)
          .map((c) => toSmsCategory(c, settings)),
      };
    },
  });
}
