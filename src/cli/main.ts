/**
 * The `supsync` command line: thin commands over the site (local database) and the protocol tools.
 */
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './admin-commands.ts';
import { registerCatalogCommands } from './catalog-commands.ts';
import { registerCategoriesCommands } from './categories-commands.ts';
import { registerChildrenCommands } from './children-commands.ts';
import { registerConfigCommands } from './config-commands.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerLogCommand } from './log-command.ts';
import { type Io, processIo, reportError } from './output.ts';
import { registerPackageCommands } from './package-commands.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSyncCommands } from './sync-commands.ts';
import { registerTokenCommands } from './token-commands.ts';
import { registerUpdatesCommands } from './updates-commands.ts';
import { registerWsusssCommands } from './wsusss-commands.ts';

/** Builds the program. Commands report their exit code through `setExit`. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('supsync')
    .description('An open-source Software Update Point: syncs Windows update metadata over MS-WSUSSS')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  const ctx = { io, setExit };
  registerConfigCommands(program, ctx);
  registerSyncCommands(program, ctx);
  registerLogCommand(program, ctx);
  registerPackageCommands(program, ctx);
  registerChildrenCommands(program, ctx);
  registerServeCommand(program, ctx);
  registerUpdatesCommands(program, ctx);
  registerCategoriesCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerWsusssCommands(program, ctx);
  registerDemoCommand(program, ctx);
  return program;
}

/** Entry point used by bin/supsync.mjs; returns the process exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportError(io, err);
  }
  return code;
}
