/**
 * `supsync demo`: the main job in one command on a fresh machine. It starts a Microsoft Update
 * stand-in (a generated catalog served by supsync itself over MS-WSUSSS), a site on the embedded
 * SQLite store whose upstream is that stand-in, runs the first sync with visible progress, and
 * prints where the API and its docs are, a token, and how to trigger the next sync.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createApiToken } from '../api/auth.ts';
import { buildHttpServer, openSite } from '../app.ts';
import { generateIntoStore } from '../catalog-gen/index.ts';
import { DEFAULT_SETTINGS } from '../site/settings.ts';
import { action, type CommandContext, intOption } from './command-kit.ts';
import { printRun, progressPrinter } from './sync-progress.ts';

interface DemoOptions {
  dir: string;
  updates: string;
  seed: string;
  port: string;
  upstreamPort: string;
  exitAfterSync?: boolean;
}

export function registerDemoCommand(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description('Run a site syncing from a built-in Microsoft Update stand-in, with the API on loopback')
    .option('--dir <dir>', 'working folder for the databases and logs', '.supsync-demo')
    .option('--updates <n>', 'size of the generated Microsoft Update catalog', '3000')
    .option('--seed <seed>', 'catalog seed', 'supsync')
    .option('--port <port>', 'port of the site (API and MS-WSUSSS for children)', '8530')
    .option('--upstream-port <port>', 'port of the Microsoft Update stand-in', '8531')
    .option('--exit-after-sync', 'stop after the first sync instead of serving until Ctrl-C')
    .action(action(ctx, (o: DemoOptions) => runDemo(ctx, o)));
}

async function runDemo(ctx: CommandContext, o: DemoOptions): Promise<number> {
  const { io } = ctx;
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const updates = intOption('updates', o.updates, 10, 200_000);
  const port = intOption('port', o.port, 0, 65535);
  const upstreamPort = intOption('upstream-port', o.upstreamPort, 0, 65535);

  // 1. The Microsoft Update stand-in: generated once, then reused.
  const mu = openSite({ db: join(dir, 'microsoft-update.db'), logDir: join(dir, 'microsoft-update-logs') });
  if ((await mu.store.listLatestIdentities(false)).length === 0) {
    io.out(`Generating a Microsoft Update stand-in catalog of ${updates} updates (seed ${o.seed})...\n`);
    const report = await generateIntoStore(mu.store, { updates, seed: o.seed, now: new Date('2026-11-10T00:00:00Z') });
    io.out(`  ${report.categories} categories, ${report.updates} updates\n`);
  }
  const muServer = await buildHttpServer({ site: mu });
  const upstreamUrl = await muServer.listen({ host: '127.0.0.1', port: upstreamPort });

  // 2. The site, syncing from it.
  const progress = progressPrinter(io);
  const site = openSite({ db: join(dir, 'site.db'), logDir: join(dir, 'logs'), onSyncEvent: progress.onEvent });
  if ((await site.store.getSettings()) === undefined) {
    await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup.demo.local', upstreamUrl });
  } else {
    const s = await site.store.getSettings();
    if (s !== undefined && s.upstreamUrl !== upstreamUrl) await site.store.saveSettings({ ...s, upstreamUrl });
  }
  const server = await buildHttpServer({ site, startScheduler: !o.exitAfterSync });
  const base = await server.listen({ host: '127.0.0.1', port });
  const { token } = await createApiToken(site.store, `demo-admin-${Date.now()}`, 'admin', () => new Date());

  io.out(
    `\nMicrosoft Update stand-in: ${upstreamUrl}\nSite CS1 API:              ${base}/api/v1\nAPI docs:                  ${base}/docs\n`,
  );
  io.out(`Admin token (shown once):  ${token}\nwsyncmgr.log:              ${site.logPath}\n\n`);

  // 3. The first sync, with progress.
  await site.coordinator.recoverInterrupted();
  const run = await (await site.coordinator.request({ full: false, trigger: 'manual', requestedBy: 'demo' })).finished;
  progress.stop();
  printRun(io, run, site.logPath);

  io.out(
    `\nTrigger the next sync:\n  curl -X POST -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"full":false}' ${base}/api/v1/sync\n` +
      `  npx supsync sync --server ${base} --token ${token}\n  npx supsync status --db ${join(dir, 'site.db')}\n`,
  );
  if (!o.exitAfterSync) {
    io.out('\nServing; press Ctrl-C to stop.\n');
    await new Promise<void>((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
  }
  await server.close();
  await muServer.close();
  await site.close();
  await mu.close();
  return run.state === 'succeeded' ? 0 : 1;
}
