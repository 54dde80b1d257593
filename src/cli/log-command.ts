/**
 * `supsync log`: the last entries of a site's wsyncmgr.log, from the file beside a local database
 * or from a running site (GET /api/v1/log), for an admin without CMTrace at hand.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { siteLogPath } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import { type LogEntry, readLogTail } from '../sync/wsyncmgr-log.ts';
import { action, type CommandContext, intOption } from './command-kit.ts';
import { printJson } from './output.ts';
import { targetOf } from './remote-client.ts';

const TYPE_LETTER = { info: 'I', warning: 'W', error: 'E' } as const;

export function registerLogCommand(program: Command, ctx: CommandContext): void {
  program
    .command('log')
    .description("The last entries of the site's wsyncmgr.log, oldest first")
    .option('--db <path>', 'site database (SQLite file or postgres:// URL): read the log beside it')
    .option('--log-dir <dir>', 'folder of wsyncmgr.log (default: logs/ beside the database)')
    .option('--server <url>', 'ask a running site (supsync serve) instead')
    .option('--token <token>', 'API token for --server (default: $SUPSYNC_TOKEN)')
    .option('--lines <n>', 'how many entries (1-5000)', '50')
    .option('--json', 'print JSON: { path, items: [{ time, severity, component, message }] }')
    .action(
      action(
        ctx,
        async (o: { db?: string; logDir?: string; server?: string; token?: string; lines: string; json?: boolean }) => {
          const lines = intOption('lines', o.lines, 1, 5000);
          const target = targetOf(o);
          let log: { path: string; items: LogEntry[] };
          if (target.kind === 'remote') {
            try {
              log = await target.client.get<{ path: string; items: LogEntry[] }>('/api/v1/log', { lines });
            } finally {
              await target.client.close();
            }
          } else {
            const path = siteLogPath(target.db, o.logDir);
            if (!existsSync(path)) throw new SupsyncError('NOT_FOUND', `no wsyncmgr.log at ${path}`);
            log = { path, items: await readLogTail(path, lines) };
          }
          if (o.json) printJson(ctx.io, log);
          else for (const e of log.items) ctx.io.out(`${e.time}  ${TYPE_LETTER[e.severity]}  ${e.message}\n`);
          return 0;
        },
      ),
    );
}
