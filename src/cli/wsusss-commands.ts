/**
 * `supsync wsusss inspect <file> [--extract <dir>]`: reads a captured MS-WSUSSS request or
 * response body and prints what it holds — a diagnostic for admins and for us.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SupsyncError } from '../shared/errors.ts';
import { inspectMessage } from '../wsusss/inspect.ts';
import { action, type CommandContext } from './command-kit.ts';
import { printJson } from './output.ts';

export function registerWsusssCommands(program: Command, ctx: CommandContext): void {
  const wsusss = program.command('wsusss').description('MS-WSUSSS protocol tools');
  wsusss
    .command('inspect')
    .description('Summarise a captured MS-WSUSSS message body as JSON')
    .argument('<file>', 'a request or response body (XML)')
    .option('--extract <dir>', 'write every update document in the message to <dir>/<UpdateID>-r<Revision>.xml')
    .action(
      action(ctx, async (file: string, o: { extract?: string }) => {
        let bytes: Uint8Array;
        try {
          bytes = await readFile(file);
        } catch (err) {
          throw new SupsyncError('INPUT_INVALID', `cannot read ${file}: ${(err as Error).message}`);
        }
        printJson(ctx.io, await inspectMessage(bytes, o.extract === undefined ? {} : { extractDir: o.extract }));
        return 0;
      }),
    );
}
