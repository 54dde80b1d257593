/**
 * `supsync init` and `supsync config get|set`: create a site and change its SUP settings, with
 * the answer saying when a change makes the next sync full and why.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { openSite, openStore } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import { validateCron } from '../site/cron.ts';
import { DEFAULT_SETTINGS, type SupSettings } from '../site/settings.ts';
import { applySetting, describeSettings, SETTING_KEYS } from '../site/settings-validation.ts';
import { requireSettings } from '../store/site-store.ts';
import { action, type CommandContext, onTarget, type TargetFlags, withTargetOptions } from './command-kit.ts';
import { printJson } from './output.ts';
import { targetOf } from './remote-client.ts';
import { remoteConfigGet, remoteConfigSet } from './remote-config.ts';

interface InitOptions {
  db: string;
  upstream: string;
  products?: string;
  classifications?: string;
  languages?: string;
  siteCode?: string;
  supName?: string;
  schedule?: string;
}

export function registerConfigCommands(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('Create a site database with its software update point settings')
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .requiredOption('--upstream <url>', 'upstream root URL (Microsoft Update, a WSUS or a parent site)')
    .option('--products <list>', '"all" or product GUIDs / exact titles, comma-separated', 'all')
    .option('--classifications <list>', '"all" or classification GUIDs / exact titles', 'all')
    .option('--languages <list>', 'summary-details languages', 'en')
    .option('--site-code <code>', 'three-character site code', 'CS1')
    .option('--sup-name <name>', 'name of this software update point', hostname())
    .option('--schedule <schedule>', SETTING_KEYS.schedule, 'hours:24')
    .action(
      action(ctx, async (o: InitOptions) => {
        // Every value is checked before the database file is created: a bad option leaves nothing.
        let settings: SupSettings = { ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup', upstreamUrl: 'none' };
        const set = (key: string, value: string | undefined) => {
          if (value !== undefined) settings = applySetting(settings, key, value, [], validateCron);
        };
        set('upstream', o.upstream);
        set('products', o.products);
        set('classifications', o.classifications);
        set('languages', o.languages);
        set('site-code', o.siteCode);
        set('sup-name', o.supName);
        set('schedule', o.schedule);
        const store = await openStore(o.db);
        try {
          await store.initSite(settings);
          ctx.io.out(`Created site ${settings.siteCode} in ${o.db}, upstream ${settings.upstreamUrl}\n`);
          return 0;
        } finally {
          await store.close();
        }
      }),
    );

  const config = program.command('config').description('Read or change the software update point settings');
  withTargetOptions(
    config.command('get').description('Show the settings (all, or one key)').argument('[key]', 'one setting'),
  ).action(
    action(ctx, async (key: string | undefined, o: TargetFlags) => {
      return onTarget(o, {
        remote: (client) => remoteConfigGet(ctx, client, key, o.json === true),
        local: async (store) => {
          const all = describeSettings(await requireSettings(store));
          if (key !== undefined && !(key in all)) {
            throw new SupsyncError('CONFIG_INVALID', `${key}: unknown setting; known: ${Object.keys(all).join(', ')}`);
          }
          const shown = key === undefined ? all : { [key]: all[key as keyof typeof all] };
          if (o.json) printJson(ctx.io, shown);
          else for (const [k, v] of Object.entries(shown)) ctx.io.out(`${k} = ${v}\n`);
          return 0;
        },
      });
    }),
  );
  withTargetOptions(
    config
      .command('set')
      .description('Change one setting; says whether the next sync becomes full')
      .argument('<key>', `one of: ${Object.keys(SETTING_KEYS).join(', ')}`)
      .argument('<value>', 'the new value'),
    { token: 'admin API token' },
  ).action(
    action(ctx, async (key: string, value: string, o: TargetFlags) => {
      const target = targetOf(o);
      if (target.kind === 'remote') {
        try {
          return await remoteConfigSet(ctx, target.client, key, value, o.json === true);
        } finally {
          await target.client.close();
        }
      }
      const site = await openSite({ db: target.db, mustExist: true });
      try {
        const before = await requireSettings(site.store);
        const after = applySetting(before, key, value, await site.store.listCategories(), validateCron);
        await site.store.saveSettings(after);
        const plan = await site.engine.plan(false);
        const result = {
          key,
          value: describeSettings(after)[key as keyof ReturnType<typeof describeSettings>],
          nextSync: plan,
        };
        if (o.json) printJson(ctx.io, result);
        else ctx.io.out(`${key} = ${result.value}\nnext sync: ${plan.kind} (${plan.reasons.join('; ')})\n`);
        return 0;
      } finally {
        await site.close();
      }
    }),
  );
}
