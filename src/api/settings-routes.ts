/**
 * The SUP settings in the `supsync config get|set` vocabulary. A change answers what the next sync
 * will be and why — and whether this change is what made it full (new subscription, supersedence
 * rules or upstream, as in ConfigMgr).
 */
import type { FastifyInstance } from 'fastify';
import { validateCron } from '../site/cron.ts';
import { applySetting, describeSettings, SETTING_KEYS } from '../site/settings-validation.ts';
import { requireSettings } from '../store/site-store.ts';
import type { ApiContext } from './api-context.ts';
import { addRoute, audit } from './route-kit.ts';
import { ref } from './schemas.ts';

const keys = Object.keys(SETTING_KEYS);
const settingsObject = {
  type: 'object',
  properties: Object.fromEntries(keys.map((k) => [k, { type: 'string' }])),
  required: keys,
} as const;

const settingsAnswer = {
  type: 'object',
  properties: {
    settings: settingsObject,
    help: { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, { type: 'string' }])) },
    nextSync: ref('SyncPlan'),
  },
  required: ['settings', 'nextSync'],
} as const;

export function registerSettingsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  addRoute(app, ctx.auth, {
    method: 'GET',
    url: '/settings',
    role: 'read',
    tags: ['settings'],
    summary: 'The software update point settings, and what the next sync will be',
    response: { 200: settingsAnswer },
    handler: async () => ({
      settings: describeSettings(await requireSettings(ctx.store)),
      help: SETTING_KEYS,
      nextSync: await ctx.engine.plan(false),
    }),
  });

  addRoute<{ Body: Record<string, string> }>(app, ctx.auth, {
    method: 'PATCH',
    url: '/settings',
    role: 'admin',
    tags: ['settings'],
    summary: 'Change settings (`config set` keys and values); says whether the next sync becomes full and why',
    description:
      'Body: `{ "<key>": "<value>", ... }` with the keys of GET /settings. All changes apply together or not at all. ' +
      'The answer carries the new settings, the plan of the next sync, and `becameFull` when these changes turned a delta into a full sync.',
    body: {
      type: 'object',
      properties: Object.fromEntries(keys.map((k) => [k, { type: 'string', maxLength: 4000 }])),
      additionalProperties: false,
      minProperties: 1,
    },
    response: {
      200: {
        type: 'object',
        properties: {
          settings: settingsObject,
          changed: { type: 'array', items: { type: 'string' } },
          nextSync: ref('SyncPlan'),
          becameFull: { type: 'boolean' },
        },
        required: ['settings', 'changed', 'nextSync', 'becameFull'],
      },
    },
    handler: async (request) => {
      const before = await requireSettings(ctx.store);
      const planBefore = await ctx.engine.plan(false);
      const known = await ctx.store.listCategories();
      let after = before;
      for (const [key, value] of Object.entries(request.body))
        after = applySetting(after, key, value, known, validateCron);
      await ctx.store.saveSettings(after);
      const described = describeSettings(after);
      const old = describeSettings(before);
      const changed = keys.filter((k) => described[k as keyof typeof described] !== old[k as keyof typeof old]);
      await audit(ctx.store, ctx.now, request, 'settings.change', { requested: request.body, changed });
      await ctx.scheduler?.settingsChanged();
      const nextSync = await ctx.engine.plan(false);
      return {
        settings: described,
        changed,
        nextSync,
        becameFull: planBefore.kind === 'delta' && nextSync.kind === 'full',
      };
    },
  });
}
