/**
 * `supsync demo`: the main job in one command on a fresh machine. It starts a Microsoft Update
 * stand-in (a generated catalog served by supsync itself over MS-WSUSSS), a site on the embedded
 * SQLite store whose upstream is that stand-in, runs the first sync with visible progress, and
 * prints where the API and its docs are, a token, and how to trigger the next sync.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openSite } from '../app.ts';
import { DEFAULT_SETTINGS } from '../site/settings.ts';
import type { SiteStore } from '../store/site-store.ts';
import type { SyncEvent } from '../sync/engine.ts';
import { action, type CommandContext, intOption, listenOn } from './command-kit.ts';
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
  // Loaded here, not at start-up: other commands never need them.
  const [{ buildHttpServer }, { generateIntoStore }, { createApiToken }] = await Promise.all([
    import('../app-http.ts'),
    import('../catalog-gen/index.ts'),
    import('../api/auth.ts'),
  ]);
  const { io } = ctx;
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true });
  const updates = intOption('updates', o.updates, 10, 200_000);
  const port = intOption('port', o.port, 0, 65535);
  const upstreamPort = intOption('upstream-port', o.upstreamPort, 0, 65535);
  // Whatever was opened is closed again, also when a step fails (a port in use must not leave the
  // stand-in listening and the process hanging).
  const opened: (() => Promise<unknown>)[] = [];
  try {
    // 1. The Microsoft Update stand-in: generated once, then reused.
    const mu = await openSite({ db: join(dir, 'microsoft-update.db'), logDir: join(dir, 'microsoft-update-logs') });
    opened.push(() => mu.close());
    if ((await mu.store.listLatestIdentities(false)).length === 0) {
      io.out(`Generating a Microsoft Update stand-in catalog of ${updates} updates (seed ${o.seed})...\n`);
      const report = await generateIntoStore(mu.store, {
        updates,
        seed: o.seed,
        now: new Date('2026-11-10T00:00:00Z'),
      });
      io.out(`  ${report.categories} categories, ${report.updates} updates\n`);
    }
    const muServer = await buildHttpServer({ site: mu });
    opened.push(() => muServer.close());
    const upstreamUrl = await listenOn(muServer, upstreamPort, 'upstream-port');

    // 2. The site, syncing from it. Progress shows once the addresses are printed.
    const progress = progressPrinter(io);
    let early: SyncEvent[] | undefined = [];
    const site = await openSite({
      db: join(dir, 'site.db'),
      logDir: join(dir, 'logs'),
      storeThread: true,
      onSyncEvent: (e) => (early === undefined ? progress.onEvent(e) : early.push(e)),
    });
    opened.push(() => site.close());
    const settings = await site.store.getSettings();
    if (settings === undefined) {
      await site.store.initSite({ ...DEFAULT_SETTINGS, siteCode: 'CS1', supName: 'sup.demo.local', upstreamUrl });
    } else if (settings.upstreamUrl !== upstreamUrl) {
      await followStandIn(site.store, settings.upstreamUrl, upstreamUrl);
      await site.store.saveSettings({ ...settings, upstreamUrl });
    }

    // 3. The first sync is requested before the server (and its scheduler) starts, so the
    //    scheduler counts it instead of starting a catch-up sync of its own.
    await site.coordinator.recoverInterrupted();
    const ticket = await site.coordinator.request({ full: false, trigger: 'manual', requestedBy: 'demo' });
    const server = await buildHttpServer({ site, startScheduler: !o.exitAfterSync });
    opened.push(() => server.close());
    const base = await listenOn(server, port, 'port');
    const { token } = await createApiToken(site.store, `demo-admin-${Date.now()}`, 'admin', () => new Date());

    io.out(
      `\nMicrosoft Update stand-in: ${upstreamUrl}\nSite CS1 API:              ${base}/api/v1\nAPI docs:                  ${base}/docs\n` +
        `Console:                   ${base}/console/\n`,
    );
    io.out(`Admin token (shown once):  ${token}\nwsyncmgr.log:              ${site.logPath}\n\n`);
    for (const e of early) progress.onEvent(e);
    early = undefined;
    const run = await ticket.finished;
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
    return run.state === 'succeeded' ? 0 : 1;
  } finally {
    for (const close of opened.reverse()) await close();
  }
}

/**
 * The stand-in came up on another port (`--upstream-port 0`): it is the same upstream — the same
 * database, catalog and anchors — so its sync state moves with it and the next sync stays a delta
 * instead of escalating to full for a changed upstream. Only a previous stand-in address
 * (http://127.0.0.1:<port>) is followed.
 */
async function followStandIn(store: SiteStore, from: string, to: string): Promise<void> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(from)) return;
  const previous = await store.getSyncState(from);
  if (previous === undefined) return;
  const { upstreamUrl: _from, ...state } = previous;
  await store.patchSyncState(to, {
    configAnchor: null,
    categoryAnchor: null,
    updateAnchor: null,
    anchorProducts: null,
    anchorClassifications: null,
    fingerprint: null,
    lastFullSyncAt: null,
    lastSuccessAt: null,
    ...state,
  });
}
