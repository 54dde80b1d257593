/**
 * `supsync serve`: runs the site as one process — the REST API, the MS-WSUSSS endpoints for child
 * sites and downstream WSUS servers, and the sync scheduler — until SIGINT/SIGTERM, then shuts down
 * gracefully (the running sync stops at a safe point). Listens on loopback unless told otherwise.
 */
import type { Command } from 'commander';
import { openSite } from '../app.ts';
import { action, type CommandContext, intOption, listenOn } from './command-kit.ts';

export function registerServeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description(
      'Serve the site: REST API, web console, scheduler, MS-WSUSSS upstream endpoints for child sites and downstream WSUS',
    )
    .requiredOption('--db <path>', 'site database (SQLite file or postgres:// URL)')
    .option('--host <address>', 'address to listen on (loopback unless configured)', '127.0.0.1')
    .option('--port <port>', 'TCP port (WSUS uses 8530)', '8530')
    .option('--no-scheduler', 'do not run scheduled syncs or retries (syncs only on request)')
    .option('--protect-metrics', 'require a read token for /metrics')
    .option('--protect-health', 'require a read token for /health')
    .action(
      action(
        ctx,
        async (o: {
          db: string;
          host: string;
          port: string;
          scheduler: boolean;
          protectMetrics?: boolean;
          protectHealth?: boolean;
        }) => {
          const port = intOption('port', o.port, 0, 65535);
          const site = await openSite({ db: o.db, mustExist: true, storeThread: true });
          await site.coordinator.recoverInterrupted();
          // Loaded here, not at start-up: the other commands never need Fastify and the API.
          const { buildHttpServer } = await import('../app-http.ts');
          const app = await buildHttpServer({
            site,
            startScheduler: o.scheduler,
            api: { protectMetrics: o.protectMetrics === true, protectHealth: o.protectHealth === true },
          });
          let address: string;
          try {
            address = await listenOn(app, port, 'port', o.host);
          } catch (err) {
            await app.close();
            await site.close();
            throw err;
          }
          ctx.io.out(
            `supsync serving ${address}\n  REST API:  ${address}/api/v1 (docs ${address}/docs, OpenAPI ${address}/openapi.json)\n` +
              `  console:   ${address}/console/\n` +
              `  MS-WSUSSS: ${address}/ServerSyncWebService/ServerSyncWebService.asmx\n` +
              `  scheduler: ${o.scheduler ? 'on' : 'off'}\n`,
          );
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          ctx.io.out('stopping: finishing the running sync at a safe point...\n');
          await app.close();
          await site.close();
          return 0;
        },
      ),
    );
}
