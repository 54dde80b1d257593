/**
 * `supsync catalog generate|churn`: make a site look like Microsoft Update (a generated catalog
 * served by supsync itself), and advance it the way the real catalog changes.
 */
import type { Command } from 'commander';
import { openStore } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import { action, type CommandContext, intOption } from './command-kit.ts';
import { printJson, tenthsPrinter } from './output.ts';

export function registerCatalogCommands(program: Command, ctx: CommandContext): void {
  const catalog = program.command('catalog').description('A generated Microsoft Update stand-in catalog');
  catalog
    .command('generate')
    .description('Generate a deterministic catalog shaped like Microsoft Update into a site database')
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL), created when absent')
    .requiredOption('--updates <n>', 'number of updates to generate')
    .option('--seed <seed>', 'seed; the same seed gives the same catalog', 'supsync')
    .option('--now <date>', 'catalog date (ISO); default 2026-11-10', '2026-11-10T00:00:00Z')
    .option('--json', 'print JSON')
    .action(
      action(ctx, async (o: { db: string; updates: string; seed: string; now: string; json?: boolean }) => {
        const updates = intOption('updates', o.updates, 1, 1_000_000);
        const now = new Date(o.now);
        if (Number.isNaN(now.getTime())) throw new SupsyncError('INPUT_INVALID', `--now "${o.now}" is not a date`);
        const store = await openStore(o.db);
        try {
          const started = Date.now();
          const { generateIntoStore } = await import('../catalog-gen/index.ts');
          const progress = o.json
            ? undefined
            : tenthsPrinter(ctx.io, (done, total, pct) => `generated ${done} of ${total} (${pct}%)\n`);
          const report = await generateIntoStore(store, { updates, seed: o.seed, now }, progress);
          const result = { ...report, seconds: (Date.now() - started) / 1000 };
          if (o.json) printJson(ctx.io, result);
          else
            ctx.io.out(
              `catalog: ${report.categories} categories, ${report.updates} updates, ${report.revisions} revisions in ${result.seconds.toFixed(1)} s\n`,
            );
          return 0;
        } finally {
          await store.close();
        }
      }),
    );
  catalog
    .command('churn')
    .description('Advance the catalog by some days: Patch Tuesday releases, revisions, expirations, definitions')
    .requiredOption('--db <path>', 'site database file holding a generated catalog')
    .requiredOption('--days <d>', 'days to advance')
    .option('--seed <seed>', 'seed', 'supsync')
    .option('--json', 'print JSON with exactly what changed')
    .action(
      action(ctx, async (o: { db: string; days: string; seed: string; json?: boolean }) => {
        const days = intOption('days', o.days, 1, 3650);
        const store = await openStore(o.db, { mustExist: true });
        try {
          const { churnStore } = await import('../catalog-gen/index.ts');
          const report = await churnStore(store, { days, seed: o.seed });
          if (o.json) printJson(ctx.io, report);
          else
            ctx.io.out(
              `churn ${report.fromDate} -> ${report.toDate}: ${report.added.length} added, ${report.revised.length} revised, ${report.expired.length} expired\n`,
            );
          return 0;
        } finally {
          await store.close();
        }
      }),
    );
}
