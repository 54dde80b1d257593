/**
 * `supsync updates list|show|deployed`: the catalog as a patch admin queries it (Get-CMSoftwareUpdate
 * filters), one update in full, and marking updates deployed (cleanup never removes a deployed
 * update), on a local database or a running site, with SMS_SoftwareUpdate field names in --json.
 */
import type { Command } from 'commander';
import {
  SEVERITY_NAMES,
  type SmsSoftwareUpdate,
  type SmsUpdateCategory,
  toSmsSoftwareUpdate,
} from '../api/sms-mapping.ts';
import { toUpdateQuery, type UpdateFilters } from '../api/update-routes.ts';
import { isGuid, normalizeGuid } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import { titleSuggestions } from '../site/settings-validation.ts';
import { categoriesOf } from './categories-commands.ts';
import {
  action,
  type CommandContext,
  intOption,
  onTarget,
  type TargetFlags,
  withTargetOptions,
} from './command-kit.ts';
import { type Io, printJson } from './output.ts';

interface ListOptions extends TargetFlags {
  product?: string;
  classification?: string;
  kb?: string;
  severity?: string;
  superseded?: string;
  expired?: string;
  deployed?: string;
  text?: string;
  postedFrom?: string;
  postedTo?: string;
  revisedFrom?: string;
  revisedTo?: string;
  offset?: string;
  limit?: string;
  json?: boolean;
}

interface Page {
  readonly total: number;
  readonly items: readonly SmsSoftwareUpdate[];
}

function boolOption(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new SupsyncError('INPUT_INVALID', `--${name} must be true or false, got "${value}"`);
}

/** `value` as a lower-case GUID, as the API's GUID_PATTERN takes it, or INPUT_INVALID naming `what`. */
function guidOf(value: string, what: string): string {
  const id = normalizeGuid(value);
  if (!isGuid(id)) throw new SupsyncError('INPUT_INVALID', `${what} must be a GUID, got "${value}"`);
  return id;
}

const updateIdArgument = (value: string) => guidOf(value, 'an update id');

/** The site's products (classifications): `categoriesOf` on the command's target. */
type CategoryLookup = (type: 'Product' | 'UpdateClassification') => Promise<SmsUpdateCategory[]>;

/**
 * `--product` and `--classification` as the API's filters take them: a GUID as given, else the
 * exact title of one of the site's products (classifications), as `config set products` takes them.
 * The site's categories are read only for a title.
 */
async function categoryFilters(o: ListOptions, lookup: CategoryLookup): Promise<UpdateFilters> {
  const idOf = async (name: 'product' | 'classification', value: string | undefined): Promise<string | undefined> => {
    if (value === undefined) return undefined;
    const guid = normalizeGuid(value);
    if (isGuid(guid)) return guid;
    const titles = new Map(
      (await lookup(name === 'product' ? 'Product' : 'UpdateClassification')).map((c) => [
        c.LocalizedCategoryInstanceName,
        c.CategoryId,
      ]),
    );
    const title = value.trim();
    const id = titles.get(title);
    if (id !== undefined) return id;
    const { suggestions, hint } = titleSuggestions(title, [...titles.keys()]);
    throw new SupsyncError(
      'INPUT_INVALID',
      `--${name}: no ${name} "${title}" on this site (give its GUID or exact title)${hint}`,
      {
        details: { option: name, value: title, ...(suggestions.length === 0 ? {} : { suggestions }) },
      },
    );
  };
  const productId = await idOf('product', o.product);
  const classificationId = await idOf('classification', o.classification);
  return {
    ...(productId === undefined ? {} : { productId }),
    ...(classificationId === undefined ? {} : { classificationId }),
  };
}

/**
 * The options but `--product` and `--classification` as the API's filters (checked the way the
 * API's schema checks them); `categoryFilters` gives those two.
 */
function filtersOf(o: ListOptions): UpdateFilters {
  const severity =
    o.severity === undefined ? undefined : SEVERITY_NAMES.find((s) => s.toLowerCase() === o.severity?.toLowerCase());
  if (o.severity !== undefined && severity === undefined) {
    throw new SupsyncError(
      'INPUT_INVALID',
      `--severity must be one of ${SEVERITY_NAMES.join(', ')}, got "${o.severity}"`,
    );
  }
  if (o.kb !== undefined && !/^(KB|kb)?[0-9]{1,10}$/.test(o.kb))
    throw new SupsyncError('INPUT_INVALID', `--kb must be a KB number, got "${o.kb}"`);
  const f: Record<string, unknown> = {
    kb: o.kb,
    severity,
    superseded: boolOption('superseded', o.superseded),
    expired: boolOption('expired', o.expired),
    deployed: boolOption('deployed', o.deployed),
    text: o.text,
    postedFrom: o.postedFrom,
    postedTo: o.postedTo,
    revisedFrom: o.revisedFrom,
    revisedTo: o.revisedTo,
    offset: intOption('offset', o.offset, 0, Number.MAX_SAFE_INTEGER, 0),
    limit: intOption('limit', o.limit, 1, 1000, 50),
  };
  for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
  return f as UpdateFilters;
}

function printTable(io: Io, page: Page, offset: number): void {
  io.out(`${'ArticleID'.padEnd(10)} ${'Severity'.padEnd(9)} ${'Flags'.padEnd(5)} ${'DateRevised'.padEnd(10)} Title\n`);
  for (const u of page.items) {
    const flags = `${u.IsSuperseded ? 'S' : '-'}${u.IsExpired ? 'E' : '-'}${u.IsDeployed ? 'D' : '-'}${u.IsBundle ? 'B' : '-'}`;
    io.out(
      `${(u.ArticleID || '-').padEnd(10)} ${u.SeverityName.padEnd(9)} ${flags.padEnd(5)} ${u.DateRevised.slice(0, 10)} ${u.LocalizedDisplayName}\n`,
    );
  }
  const shown = page.items.length === 0 ? '0' : `${offset + 1}-${offset + page.items.length}`;
  io.out(`${shown} of ${page.total} updates (flags: S superseded, E expired, D deployed, B bundle)\n`);
}

/** One update as `Name: value` lines, SMS_SoftwareUpdate's names. */
function printUpdate(io: Io, u: SmsSoftwareUpdate): void {
  const yes = (b: boolean) => (b ? 'Yes' : 'No');
  const rows: [string, string][] = [
    ['LocalizedDisplayName', u.LocalizedDisplayName],
    ['CI_UniqueID', u.CI_UniqueID],
    ['RevisionNumber', String(u.RevisionNumber)],
    ['ArticleID', u.ArticleIDs.join(', ')],
    ['BulletinID', u.BulletinIDs.join(', ')],
    ['SeverityName', u.SeverityName],
    ['UpdateType', `${u.UpdateType}${u.IsBundle ? ' (bundle)' : ''}${u.IsFeatureUpdate ? ', feature update' : ''}`],
    ['DatePosted', u.DatePosted],
    ['DateRevised', u.DateRevised],
    ['IsSuperseded', u.IsSuperseded ? `Yes, by ${u.SupersededBy.join(', ')}` : 'No'],
    ['IsExpired', u.IsExpired ? `Yes, since ${u.ExpiredAt ?? 'unknown'}` : 'No'],
    ['IsDeployed', yes(u.IsDeployed)],
    ['PublicationState', u.PublicationState],
    ['Categories', u.CategoryInstance_UniqueIDs.join(', ')],
    ['LocalizedDescription', u.LocalizedDescription],
  ];
  for (const [name, value] of rows) io.out(`${name.padEnd(21)} ${value}\n`);
}

export function registerUpdatesCommands(program: Command, ctx: CommandContext): void {
  const updates = program.command('updates').description('Query the software updates of a site');
  withTargetOptions(
    updates
      .command('show')
      .description('One software update with its SMS_SoftwareUpdate fields')
      .argument('<updateId>', 'the update id (CI_UniqueID)'),
    { json: 'print it with SMS_SoftwareUpdate field names' },
  ).action(
    action(ctx, async (value: string, o: TargetFlags) => {
      const id = updateIdArgument(value);
      const update = await onTarget(o, {
        remote: (client) => client.get<SmsSoftwareUpdate>(`/api/v1/updates/${id}`),
        local: async (store) => {
          const found = await store.getUpdate(id);
          if (found === undefined) throw new SupsyncError('NOT_FOUND', `no software update ${id}`);
          return toSmsSoftwareUpdate(found);
        },
      });
      if (o.json) printJson(ctx.io, update);
      else printUpdate(ctx.io, update);
      return 0;
    }),
  );
  withTargetOptions(
    updates
      .command('deployed')
      .description('Mark updates deployed, so cleanup keeps them once expired (--not takes the mark off)')
      .argument('<updateIds...>', 'update ids (CI_UniqueID), at most 1000')
      .option('--not', 'mark them not deployed'),
    { token: 'operator API token', json: false },
  ).action(
    action(ctx, async (values: string[], o: TargetFlags & { not?: boolean }) => {
      const ids = [...new Set(values.map(updateIdArgument))];
      if (ids.length > 1000) throw new SupsyncError('INPUT_INVALID', `at most 1000 update ids, got ${ids.length}`);
      const deployed = o.not !== true;
      const changed = await onTarget(o, {
        remote: async (client) =>
          (await client.send<{ changed: number }>('POST', '/api/v1/updates/deployed', { updateIds: ids, deployed }))
            .changed,
        local: (store) => store.setDeployed(ids, deployed),
      });
      ctx.io.out(`${changed} of ${ids.length} update(s) marked ${deployed ? 'deployed' : 'not deployed'}\n`);
      return 0;
    }),
  );
  withTargetOptions(
    updates.command('list').description('List updates with Get-CMSoftwareUpdate-style filters, newest revision first'),
    { json: 'print { total, items } with SMS_SoftwareUpdate field names' },
  )
    .option('--product <guid|title>', 'product GUID or exact title')
    .option('--classification <guid|title>', 'classification GUID or exact title')
    .option('--kb <number>', 'KB article, e.g. 5034441')
    .option('--severity <name>', SEVERITY_NAMES.join(', '))
    .option('--superseded <bool>', 'true or false')
    .option('--expired <bool>', 'true or false')
    .option('--deployed <bool>', 'true or false')
    .option('--text <text>', 'text in the title (case-insensitive)')
    .option('--posted-from <date>', 'DatePosted on or after (YYYY-MM-DD, UTC)')
    .option('--posted-to <date>', 'DatePosted on or before (whole day)')
    .option('--revised-from <date>', 'DateRevised on or after')
    .option('--revised-to <date>', 'DateRevised on or before')
    .option('--offset <n>', 'skip this many', '0')
    .option('--limit <n>', 'page size (1-1000)', '50')
    .action(
      action(ctx, async (o: ListOptions) => {
        const filters = filtersOf(o);
        const page = await onTarget<Page>(o, {
          remote: async (client) => {
            const categories = await categoryFilters(o, (type) => categoriesOf.remote(client, type));
            const query = { ...filters, ...categories } as Record<string, string | number | boolean>;
            return client.get<Page>('/api/v1/updates', query);
          },
          local: async (store) => {
            const categories = await categoryFilters(o, (type) => categoriesOf.local(store, type));
            const result = await store.queryUpdates(toUpdateQuery({ ...filters, ...categories }));
            return { total: result.total, items: result.items.map(toSmsSoftwareUpdate) };
          },
        });
        if (o.json) printJson(ctx.io, page);
        else printTable(ctx.io, page, filters.offset ?? 0);
        return 0;
      }),
    );
}
