/**
 * `supsync token create|list`: API tokens, in a local database or through a running site (which
 * needs an admin token). A new token is printed once; only its hash is stored.
 */
import type { Command } from 'commander';
import { createApiToken, parseRole } from '../api/auth.ts';
import type { ApiTokenRecord } from '../store/site-store.ts';
import { action, type CommandContext, onTarget, type TargetFlags, withTargetOptions } from './command-kit.ts';
import { printJson } from './output.ts';

export function registerTokenCommands(program: Command, ctx: CommandContext): void {
  const token = program.command('token').description('API tokens for the REST API (roles: read, operator, admin)');
  withTargetOptions(
    token
      .command('create')
      .description('Create an API token and print it once')
      .requiredOption('--role <role>', 'read, operator (may also trigger syncs) or admin (may also change settings)')
      .option('--name <name>', 'who or what uses the token (shown in the audit trail)'),
    { token: 'admin API token' },
  ).action(
    action(ctx, async (o: TargetFlags & { role: string; name?: string }) => {
      const role = parseRole(o.role);
      const name = o.name ?? `${role}-token`;
      const created = await onTarget<ApiTokenRecord & { token: string }>(o, {
        remote: (client) => client.send('POST', '/api/v1/tokens', { name, role }),
        local: async (store) => {
          const { record, token: plaintext } = await createApiToken(store, name, role, () => new Date());
          return { ...record, token: plaintext };
        },
      });
      if (o.json) printJson(ctx.io, created);
      else {
        ctx.io.err(
          `Created ${created.role} token #${created.id} "${created.name}". It is shown once; only its hash is kept.\n`,
        );
        ctx.io.out(`${created.token}\n`);
      }
      return 0;
    }),
  );

  withTargetOptions(token.command('list').description('List API tokens (names, roles, last use; never the tokens)'), {
    token: 'admin API token',
  }).action(
    action(ctx, async (o: TargetFlags) => {
      const tokens = await onTarget(o, {
        remote: async (client) => (await client.get<{ items: ApiTokenRecord[] }>('/api/v1/tokens')).items,
        local: (store) => store.listTokens(),
      });
      if (o.json) printJson(ctx.io, tokens);
      else
        for (const t of tokens)
          ctx.io.out(
            `#${t.id} ${t.role.padEnd(8)} ${t.name.padEnd(24)} created ${t.createdAt}  last used ${t.lastUsedAt ?? 'never'}\n`,
          );
      return 0;
    }),
  );
}
