/**
 * `supsync export` and `supsync import`: the catalog carried by hand to a disconnected site, as
 * ConfigMgr admins do with WSUSUtil export/import (src/sync/export-package.ts has the format).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../app.ts';
import { checkExportPackage, exportPackageSource, writeExportPackage } from '../sync/export-package.ts';
import { action, type CommandContext } from './command-kit.ts';
import { printJson, tenthsPrinter } from './output.ts';
import { runOnSite } from './sync-commands.ts';

export function registerPackageCommands(program: Command, ctx: CommandContext): void {
  program
    .command('export')
    .description("Write the site's catalog to an export package for a disconnected site")
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .requiredOption('--out <file>', 'package file to write (gzip-compressed; replaced whole at the end)')
    .option('--json', 'print a machine-readable summary')
    .action(
      action(ctx, async (o: { db: string; out: string; json?: boolean }) => {
        const store = await openStore(o.db, { mustExist: true });
        try {
          const summary = await writeExportPackage(store, resolve(o.out), {
            ...(o.json
              ? {}
              : {
                  onProgress: tenthsPrinter(
                    ctx.io,
                    (done, total, pct) => `export: ${done} of ${total} revisions (${pct}%)\n`,
                  ),
                }),
          });
          if (summary.damaged > 0)
            ctx.io.err(
              `warning: ${summary.damaged} revision(s) are damaged on this site and were left out; a full sync (supsync sync --full) repairs them\n`,
            );
          if (o.json) printJson(ctx.io, summary);
          else
            ctx.io.out(
              `exported ${summary.categories} categories and ${summary.updates} updates of site ${summary.header.siteCode} (catalog version ${summary.header.catalogVersion}) to ${summary.path}, ${summary.bytes} bytes\n`,
            );
          return 0;
        } finally {
          await store.close();
        }
      }),
    );

  program
    .command('import')
    .description('Synchronize a disconnected site (upstream "none") from an export package: a full sync')
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .requiredOption('--in <file>', 'package file written by supsync export')
    .option('--json', 'print a machine-readable summary')
    .option('--log-dir <dir>', 'folder for wsyncmgr.log (default: logs/ beside the database)')
    .action(
      action(ctx, async (o: { db: string; in: string; json?: boolean; logDir?: string }) => {
        return runOnSite(ctx, o, async () => {
          // Checked whole before the run starts: a damaged package records no run and writes nothing.
          const pkg = await checkExportPackage(resolve(o.in));
          const { header } = pkg;
          const reason = `import of export package ${o.in} (site ${header.siteCode}, catalog version ${header.catalogVersion}, exported ${header.exportedAt})`;
          return { full: true, trigger: 'import', from: { source: exportPackageSource(pkg), reason } };
        });
      }),
    );
}
