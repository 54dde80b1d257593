/**
 * `supsync categories list`: the companies, product families, products and classifications the
 * site knows, with what the subscription selects (Get-CMSoftwareUpdateCategory; the Products and
 * Classifications pages of the SUP component), from a local database or a running site. The
 * titles shown are the ones `config set products|classifications` takes.
 */
import type { Command } from 'commander';
import { type SmsUpdateCategory, toSmsCategory } from '../api/sms-mapping.ts';
import { SupsyncError } from '../shared/errors.ts';
import { requireSettings, type SiteStore } from '../store/site-store.ts';
import { action, type CommandContext, onTarget, type TargetFlags, withTargetOptions } from './command-kit.ts';
import { type Io, printJson } from './output.ts';
import type { RemoteClient } from './remote-client.ts';

const TYPES = ['Company', 'ProductFamily', 'Product', 'UpdateClassification'] as const;
type CategoryTypeName = (typeof TYPES)[number];
const PRODUCT_TREE = new Set<string>(['Company', 'ProductFamily', 'Product']);

interface ListOptions extends TargetFlags {
  readonly type?: string;
  readonly subscribed?: boolean;
}

function typeOption(value: string | undefined): CategoryTypeName | undefined {
  if (value === undefined) return undefined;
  const type = TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (type === undefined)
    throw new SupsyncError('INPUT_INVALID', `--type must be one of ${TYPES.join(', ')}, got "${value}"`);
  return type;
}

/**
 * The site's categories of one type (or all), as GET /categories answers, from a running site or
 * from a store: for `onTarget`.
 */
export const categoriesOf = {
  remote: async (client: RemoteClient, type: CategoryTypeName | undefined): Promise<SmsUpdateCategory[]> =>
    (await client.get<{ items: SmsUpdateCategory[] }>('/api/v1/categories', { type })).items,
  local: async (store: SiteStore, type: CategoryTypeName | undefined): Promise<SmsUpdateCategory[]> => {
    const settings = await requireSettings(store);
    return (await store.listCategories())
      .filter((c) => type === undefined || c.categoryType === type)
      .map((c) => toSmsCategory(c, settings));
  },
};

function readCategories(o: ListOptions, type: CategoryTypeName | undefined): Promise<SmsUpdateCategory[]> {
  return onTarget(o, {
    remote: (client) => categoriesOf.remote(client, type),
    local: (store) => categoriesOf.local(store, type),
  });
}

const byTitle = (a: SmsUpdateCategory, b: SmsUpdateCategory) =>
  a.LocalizedCategoryInstanceName.localeCompare(b.LocalizedCategoryInstanceName, 'en');

function line(c: SmsUpdateCategory, depth: number): string {
  const mark = c.AllowSubscription ? (c.IsSubscribed ? '[x] ' : '[ ] ') : '';
  return `${'  '.repeat(depth)}${mark}${c.LocalizedCategoryInstanceName}  ${c.CategoryId}\n`;
}

/**
 * Companies, their product families and their products as a tree (each category under the one its
 * prerequisite clause names), as the SUP's Products page shows them; a category whose parent the
 * site does not hold is a root. With `onlySubscribed`, only the branches that lead to a subscribed
 * product.
 */
function printTree(io: Io, items: readonly SmsUpdateCategory[], onlySubscribed: boolean): void {
  const ids = new Set(items.map((c) => c.CategoryId));
  const children = new Map<string | null, SmsUpdateCategory[]>();
  for (const c of items) {
    const parent = c.ParentCategoryId !== null && ids.has(c.ParentCategoryId) ? c.ParentCategoryId : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const wanted = (c: SmsUpdateCategory): boolean =>
    !onlySubscribed || c.IsSubscribed || (children.get(c.CategoryId) ?? []).some(wanted);
  const walk = (parent: string | null, depth: number) => {
    for (const c of (children.get(parent) ?? []).filter(wanted).sort(byTitle)) {
      io.out(line(c, depth));
      walk(c.CategoryId, depth + 1);
    }
  };
  walk(null, 1);
}

function count(items: readonly SmsUpdateCategory[], type: CategoryTypeName): string {
  const of = items.filter((c) => c.CategoryTypeName === type);
  return `${of.filter((c) => c.IsSubscribed).length} of ${of.length} subscribed`;
}

export function registerCategoriesCommands(program: Command, ctx: CommandContext): void {
  const categories = program
    .command('categories')
    .description('The companies, product families, products and classifications of a site');
  withTargetOptions(
    categories
      .command('list')
      .description('List them with what the subscription selects ([x]), as Get-CMSoftwareUpdateCategory does')
      .option('--type <type>', `only one type, as a flat list: ${TYPES.join(', ')}`)
      .option('--subscribed', 'only the products and classifications the subscription selects'),
    { json: 'print { items } with SMS_UpdateCategoryInstance field names' },
  ).action(
    action(ctx, async (o: ListOptions) => {
      const type = typeOption(o.type);
      const all = await readCategories(o, type);
      const items = o.subscribed ? all.filter((c) => c.IsSubscribed) : all;
      if (o.json) {
        printJson(ctx.io, { items });
        return 0;
      }
      if (type !== undefined) {
        for (const c of [...items].sort(byTitle)) ctx.io.out(line(c, 0));
        ctx.io.out(`${items.length} ${type} categories${o.subscribed ? ' subscribed' : ''}\n`);
        return 0;
      }
      ctx.io.out(`Classifications (${count(all, 'UpdateClassification')}):\n`);
      for (const c of items.filter((x) => x.CategoryTypeName === 'UpdateClassification').sort(byTitle))
        ctx.io.out(line(c, 1));
      ctx.io.out(`Products (${count(all, 'Product')}), by company and product family:\n`);
      printTree(
        ctx.io,
        all.filter((c) => PRODUCT_TREE.has(c.CategoryTypeName)),
        o.subscribed === true,
      );
      return 0;
    }),
  );
}
