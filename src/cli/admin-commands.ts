/**
 * `supsync alerts` (the sync-failure alerts, GET /alerts) and `supsync audit` (who changed what,
 * GET /audit, an admin's token with --server), from a local database or a running site.
 */
import type { Command } from 'commander';
import type { AlertRecord, AuditRecord } from '../store/site-store.ts';
import {
  action,
  type CommandContext,
  intOption,
  onTarget,
  type TargetFlags,
  withTargetOptions,
} from './command-kit.ts';
import { printJson } from './output.ts';

export function registerAdminCommands(program: Command, ctx: CommandContext): void {
  withTargetOptions(
    program
      .command('alerts')
      .description('Sync-failure alerts, newest first: raised by a failed sync, canceled by the next success')
      .option('--active', 'only the alerts still active'),
  ).action(
    action(ctx, async (o: TargetFlags & { active?: boolean }) => {
      const active = o.active === true;
      const alerts = await onTarget(o, {
        remote: async (client) => (await client.get<{ items: AlertRecord[] }>('/api/v1/alerts', { active })).items,
        local: (store) => store.listAlerts(active),
      });
      if (o.json) printJson(ctx.io, alerts);
      else if (alerts.length === 0) ctx.io.out(active ? 'no active alerts\n' : 'no alerts\n');
      else
        for (const a of alerts) {
          const ended = a.canceledAt === undefined ? '' : `, canceled ${a.canceledAt}`;
          ctx.io.out(`${a.raisedAt}  ${a.state.padEnd(8)}  ${a.message}${ended}\n`);
        }
      return 0;
    }),
  );

  withTargetOptions(
    program
      .command('audit')
      .description('The audit trail, newest first: who requested, stopped or changed what through the API')
      .option('--limit <n>', 'how many entries (1-1000)', '100'),
    { token: 'admin API token' },
  ).action(
    action(ctx, async (o: TargetFlags & { limit: string }) => {
      const limit = intOption('limit', o.limit, 1, 1000);
      const entries = await onTarget(o, {
        remote: async (client) => (await client.get<{ items: AuditRecord[] }>('/api/v1/audit', { limit })).items,
        local: (store) => store.listAudit(limit),
      });
      if (o.json) printJson(ctx.io, entries);
      else if (entries.length === 0) ctx.io.out('no audit entries\n');
      else for (const e of entries) ctx.io.out(`${e.time}  ${e.actor}  ${e.action}  ${JSON.stringify(e.details)}\n`);
      return 0;
    }),
  );
}
