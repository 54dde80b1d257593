/**
 * `supsync config get|set --server`: the settings of a running site through GET/PATCH /settings,
 * printed as the local commands print them.
 */
import { SupsyncError } from '../shared/errors.ts';
import type { SyncPlan } from '../sync/plan.ts';
import type { CommandContext } from './command-kit.ts';
import { printJson } from './output.ts';
import type { RemoteClient } from './remote-client.ts';

interface SettingsAnswer {
  readonly settings: Record<string, string>;
  readonly nextSync: SyncPlan;
  readonly becameFull?: boolean;
}

export async function remoteConfigGet(
  ctx: CommandContext,
  client: RemoteClient,
  key: string | undefined,
  json: boolean,
): Promise<number> {
  const { settings } = await client.get<SettingsAnswer>('/api/v1/settings');
  if (key !== undefined && !(key in settings)) {
    throw new SupsyncError('CONFIG_INVALID', `${key}: unknown setting; known: ${Object.keys(settings).join(', ')}`);
  }
  const shown = key === undefined ? settings : { [key]: settings[key] };
  if (json) printJson(ctx.io, shown);
  else for (const [k, v] of Object.entries(shown)) ctx.io.out(`${k} = ${v}\n`);
  return 0;
}

export async function remoteConfigSet(
  ctx: CommandContext,
  client: RemoteClient,
  key: string,
  value: string,
  json: boolean,
): Promise<number> {
  const answer = await client.send<SettingsAnswer>('PATCH', '/api/v1/settings', { [key]: value });
  const result = {
    key,
    value: answer.settings[key],
    nextSync: answer.nextSync,
    becameFull: answer.becameFull === true,
  };
  if (json) printJson(ctx.io, result);
  else
    ctx.io.out(
      `${key} = ${result.value}\nnext sync: ${answer.nextSync.kind} (${answer.nextSync.reasons.join('; ')})\n`,
    );
  return 0;
}
