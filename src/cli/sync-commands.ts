/**
 * `supsync sync` (one synchronization, with progress) and `supsync status` (SMS_SUPSyncStatus).
 */
import type { Command } from 'commander';
import { openSite, type Site } from '../app.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { SyncRunRecord } from '../store/site-store.ts';
import type { SyncRequest } from '../sync/coordinator.ts';
import { readSupSyncStatus } from '../sync/status.ts';
import {
  action,
  type CommandContext,
  intOption,
  onTarget,
  type TargetFlags,
  withTargetOptions,
} from './command-kit.ts';
import { printJson } from './output.ts';
import { targetOf } from './remote-client.ts';
import { remoteCancel, remoteStatus, remoteSync } from './remote-sync.ts';
import { printRun, printStatusReport, progressPrinter, statusJson } from './sync-progress.ts';

interface SyncOptions extends TargetFlags {
  wait: boolean;
  full?: boolean;
  plan?: boolean;
  cancel?: string | true;
  logDir?: string;
}

/**
 * Opens the site at `o.db` with a progress bar (none with `json`), lets `body` decide what to run —
 * a sync request, or an exit code when it has done its work — runs the request in this process,
 * prints the finished run and returns the exit code.
 */
export async function runOnSite(
  ctx: CommandContext,
  o: { db: string; json?: boolean | undefined; logDir?: string | undefined },
  body: (site: Site) => Promise<SyncRequest | number>,
): Promise<number> {
  const progress = o.json ? undefined : progressPrinter(ctx.io);
  const site = await openSite({
    db: o.db,
    mustExist: true,
    ...(o.logDir === undefined ? {} : { logDir: o.logDir }),
    ...(progress === undefined ? {} : { onSyncEvent: progress.onEvent }),
  });
  try {
    const request = await body(site);
    if (typeof request === 'number') return request;
    await site.coordinator.recoverInterrupted();
    const ticket = await site.coordinator.request(request);
    const run = await untilStopped(ctx, site, ticket.run.id, ticket.finished);
    progress?.stop();
    if (o.json) printJson(ctx.io, run);
    else printRun(ctx.io, run, site.logPath);
    return run.state === 'succeeded' ? 0 : 1;
  } finally {
    progress?.stop();
    await site.close();
  }
}

/**
 * Waits for `finished`, while Ctrl-C (or SIGTERM) stops the sync at its next safe point as
 * `--cancel` does on a running site, so the run ends `cancelled` with what it committed kept. A
 * second signal quits at once: the database stays consistent, and the next start records the run
 * as interrupted.
 */
async function untilStopped(
  ctx: CommandContext,
  site: Site,
  runId: number,
  finished: Promise<SyncRunRecord>,
): Promise<SyncRunRecord> {
  const quit = () => process.exit(130);
  const stop = (signal: NodeJS.Signals) => {
    for (const s of SIGNALS) process.off(s, stop);
    for (const s of SIGNALS) process.once(s, quit);
    ctx.io.err(`\n${signal}: stopping sync #${runId} at its next safe point (${signal} again quits at once)\n`);
    site.coordinator.cancel(runId, `${signal} to supsync sync`).catch(() => undefined);
  };
  for (const s of SIGNALS) process.on(s, stop);
  try {
    return await finished;
  } finally {
    for (const s of SIGNALS) {
      process.off(s, stop);
      process.off(s, quit);
    }
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function registerSyncCommands(program: Command, ctx: CommandContext): void {
  withTargetOptions(
    program
      .command('sync')
      .description('Synchronize the site from its upstream once (delta unless a full sync is due or asked for)'),
    { token: 'operator API token', json: 'print a machine-readable summary' },
  )
    .option('--no-wait', 'with --server: return once the sync is requested (like SyncNow)')
    .option('--full', 'run a full synchronization (re-examines everything, repairs damaged updates)')
    .option('--plan', 'only print what the next sync would do and why')
    .option('--cancel [runId]', 'with --server: stop that run, or the running (else the queued) sync')
    .option('--log-dir <dir>', 'folder for wsyncmgr.log (default: logs/ beside the database)')
    .action(
      action(ctx, async (o: SyncOptions) => {
        const target = targetOf(o);
        if (target.kind === 'remote') {
          try {
            if (o.cancel === undefined) {
              return await remoteSync(ctx, target.client, {
                full: o.full === true,
                json: o.json === true,
                wait: o.wait,
                progress: progressPrinter,
                printRun,
              });
            }
            const runId = o.cancel === true ? undefined : intOption('cancel', o.cancel, 1, Number.MAX_SAFE_INTEGER);
            return await remoteCancel(ctx, target.client, runId, o.json === true);
          } finally {
            await target.client.close();
          }
        }
        if (o.cancel !== undefined) {
          throw new SupsyncError(
            'INPUT_INVALID',
            '--cancel stops a sync of a running site (--server); stop a local supsync sync with Ctrl-C',
          );
        }
        return runOnSite(ctx, { db: target.db, json: o.json, logDir: o.logDir }, async (site) => {
          if (!o.plan) return { full: o.full === true, trigger: 'cli' };
          const plan = await site.engine.plan(o.full === true);
          if (o.json) printJson(ctx.io, plan);
          else ctx.io.out(`next sync: ${plan.kind}\nwhy: ${plan.reasons.join('; ')}\n`);
          return 0;
        });
      }),
    );

  withTargetOptions(
    program
      .command('status')
      .description('Software update point sync status (SMS_SUPSyncStatus fields) and recent runs'),
    { json: 'print JSON with the SMS_SUPSyncStatus field names' },
  )
    .option('--messages [count]', 'also the latest status messages of SMS_WSUS_SYNC_MANAGER (default 20)')
    .action(
      action(ctx, async (o: TargetFlags & { messages?: string | true }) => {
        const messages =
          o.messages === undefined
            ? undefined
            : intOption('messages', o.messages === true ? '20' : o.messages, 1, 1000);
        return onTarget(o, {
          remote: (client) => remoteStatus(ctx, client, o.json === true, messages),
          local: async (store) => {
            const status = await readSupSyncStatus(store);
            const report = {
              runs: await store.listRuns(10),
              ...(messages === undefined ? {} : { messages: await store.listStatusMessages(messages) }),
            };
            if (o.json) printJson(ctx.io, statusJson(status, report));
            else printStatusReport(ctx.io, { statuses: [status], ...report });
            return 0;
          },
        });
      }),
    );
}
