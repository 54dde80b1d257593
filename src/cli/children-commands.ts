/**
 * `supsync children add|list|remove`: the child sites a site notifies after each sync that changes its catalog,
 * and the sync status of every SUP below it (src/sync/child-sites.ts).
 */
import type { Command } from 'commander';
import { openStore } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import { parseUpstreamUrl } from '../site/settings-validation.ts';
import { type ChildSiteStatus, readChildStatuses } from '../sync/child-sites.ts';
import { action, type CommandContext, onTarget, type TargetFlags, withTargetOptions } from './command-kit.ts';
import { printJson } from './output.ts';

const TOKEN_FORMAT = /^sup_[A-Za-z0-9_-]{43}$/;

function parseSiteCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z0-9]{3}$/.test(code))
    throw new SupsyncError(
      'INPUT_INVALID',
      `--site-code: a site code is three letters or digits, e.g. PS1; got "${value}"`,
    );
  return code;
}

/** Each child with its status and last notification, its own children indented below it. */
function printChildren(ctx: CommandContext, list: readonly ChildSiteStatus[], indent: string): void {
  for (const c of list) {
    const s = c.status;
    const state =
      s === null
        ? `status unknown (${c.statusError})`
        : `LastSyncState ${s.LastSyncState ?? ''}, SyncCatalogVersion ${s.SyncCatalogVersion}, LastSuccessfulSyncTime ${s.LastSuccessfulSyncTime ?? 'never'}`;
    const notified = `last notified ${c.notifiedAt ?? 'never'}${c.notifyResult === null ? '' : `: ${c.notifyResult}`}`;
    ctx.io.out(`${indent}${c.siteCode}  ${c.url}\n${indent}  ${state}\n${indent}  ${notified}\n`);
    printChildren(ctx, c.children, `${indent}    `);
  }
}

export function registerChildrenCommands(program: Command, ctx: CommandContext): void {
  const children = program
    .command('children')
    .description('Child sites notified after each sync that changes the catalog, and their sync status');

  children
    .command('add')
    .description('Add a child site (or replace the one with its site code)')
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .requiredOption('--site-code <code>', "the child's site code, e.g. PS1")
    .requiredOption('--url <url>', "the child's site service, e.g. http://ps1.contoso.com:8530")
    .option('--token <token>', 'an operator token the child issued for this site (default: $SUPSYNC_CHILD_TOKEN)')
    .action(
      action(ctx, async (o: { db: string; siteCode: string; url: string; token?: string }) => {
        const siteCode = parseSiteCode(o.siteCode);
        const url = parseUpstreamUrl(o.url, 'url');
        const token = (o.token ?? process.env.SUPSYNC_CHILD_TOKEN ?? '').trim();
        if (!TOKEN_FORMAT.test(token))
          throw new SupsyncError(
            'INPUT_INVALID',
            '--token: an operator token of the child site is required (sup_…, from supsync token create on the child)',
          );
        const store = await openStore(o.db, { mustExist: true });
        try {
          await store.putChildSite({ siteCode, url, token, addedAt: new Date().toISOString() });
        } finally {
          await store.close();
        }
        ctx.io.out(`Child site ${siteCode} at ${url}: notified after each sync that changes the catalog\n`);
        return 0;
      }),
    );

  children
    .command('remove')
    .description('Stop notifying a child site')
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .requiredOption('--site-code <code>', "the child's site code")
    .action(
      action(ctx, async (o: { db: string; siteCode: string }) => {
        const siteCode = parseSiteCode(o.siteCode);
        const store = await openStore(o.db, { mustExist: true });
        try {
          if (!(await store.removeChildSite(siteCode)))
            throw new SupsyncError('NOT_FOUND', `no child site ${siteCode}`);
        } finally {
          await store.close();
        }
        ctx.io.out(`Child site ${siteCode} removed\n`);
        return 0;
      }),
    );

  withTargetOptions(
    children
      .command('list')
      .description('The sites below this one, their last notification and their own sync status (asked of each)'),
  ).action(
    action(ctx, async (o: TargetFlags) => {
      const list = await onTarget(o, {
        remote: async (client) => (await client.get<{ children: ChildSiteStatus[] }>('/api/v1/hierarchy')).children,
        local: (store) => readChildStatuses(store),
      });
      if (o.json) {
        printJson(ctx.io, list);
        return 0;
      }
      if (list.length === 0) ctx.io.out('no child sites\n');
      printChildren(ctx, list, '');
      return 0;
    }),
  );
}
