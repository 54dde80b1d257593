/**
 * The two list phases of a sync — categories, then updates — for full and delta alike.
 * Delta: the stored anchor with Delta=true on ids already subscribed; only revisions absent locally
 * are downloaded; nothing is repaired. Full: anchorless lists, every listed revision and its bundle
 * members checked against its stored hash; missing or damaged ones downloaded again.
 */
import { revisionKey, type UpdateIdentity } from '../catalog/model.ts';
import { CLASSIFICATIONS, WELL_KNOWN_PRODUCTS } from '../catalog/well-known.ts';
import type { CategorySelection, SupSettings } from '../site/settings.ts';
import type { CategorySummary, PhaseCounts, SyncKind, SyncState, SyncStatePatch } from '../store/site-store.ts';
import { type DownloadContext, downloadRevisions, missingOrDamaged, type PhaseName } from './download.ts';
import type { IdAndDelta } from './upstream-source.ts';

export interface PhaseOutcome {
  readonly counts: PhaseCounts;
  /** State to record once the phase is complete (anchors), or undefined to leave it. */
  readonly statePatch: SyncStatePatch | undefined;
  /**
   * Every update id offered under the subscription (full sync only): listed, plus what they bundle
   * and require, transitively.
   */
  readonly offered?: ReadonlySet<string>;
}

export interface PhaseContext extends DownloadContext {
  readonly kind: SyncKind;
  readonly state: SyncState | undefined;
  readonly settings: SupSettings;
  readonly onPhase: (phase: PhaseName, total: number) => void;
}

const MAX_CLOSURE_ROUNDS = 8;

export async function syncCategories(ctx: PhaseContext): Promise<PhaseOutcome> {
  const anchor = ctx.kind === 'delta' ? ctx.state?.categoryAnchor : undefined;
  ctx.log.write('info', 'sync: SMS synchronizing categories');
  const listed = await ctx.session.listCategories(anchor);
  const checks = await ctx.store.checkRevisions(listed.ids, ctx.kind === 'full');
  const { need, damaged } = missingOrDamaged(listed.ids, checks);
  ctx.onPhase('categories', need.length);
  const result = await downloadRevisions(ctx, 'categories', need);
  logProcessed(ctx, 'categories', need.length);
  return {
    counts: {
      listed: listed.ids.length,
      downloaded: result.downloaded,
      repaired: damaged,
      expired: 0,
      removed: 0,
      failed: result.failed,
    },
    statePatch: result.failed === 0 ? { categoryAnchor: listed.anchor } : undefined,
  };
}

/** Resolves the subscription to category ids, with Delta flags for a delta sync. */
export async function subscriptionFilter(
  ctx: PhaseContext,
): Promise<{ products: IdAndDelta[]; classifications: IdAndDelta[] }> {
  const categories = await ctx.store.listCategories();
  warnUnknownCategories(ctx, categories);
  const resolve = (
    sel: SupSettings['products'],
    type: 'Product' | 'UpdateClassification',
    before?: readonly string[],
  ) => {
    const ids = sel === 'all' ? categories.filter((c) => c.categoryType === type).map((c) => c.categoryId) : [...sel];
    const known = new Set(before ?? []);
    // An id that was not in the filter when the anchor was taken gets Delta=false: a full backfill for it.
    return ids.sort().map((id) => ({ id, delta: ctx.kind === 'delta' && known.has(id) }));
  };
  return {
    products: resolve(ctx.settings.products, 'Product', ctx.state?.anchorProducts),
    classifications: resolve(ctx.settings.classifications, 'UpdateClassification', ctx.state?.anchorClassifications),
  };
}

/**
 * Subscribed products and classifications that the catalog synchronized from the upstream does not
 * hold (a GUID taken on trust before the first sync, or a product the upstream dropped) select
 * nothing: say so each sync, as WSyncMgr does when the subscription names categories WSUS lacks.
 * The sync goes on with the rest, and picks them up if the upstream offers them later.
 */
function warnUnknownCategories(ctx: PhaseContext, categories: readonly CategorySummary[]): void {
  const lines: string[] = [];
  const check = (selection: CategorySelection, type: 'Product' | 'UpdateClassification', titles: WellKnown) => {
    if (selection === 'all') return;
    const known = new Set(categories.filter((c) => c.categoryType === type).map((c) => c.categoryId));
    for (const id of selection) {
      if (known.has(id)) continue;
      const title = titles.find((t) => t.id === id)?.title;
      lines.push(`Category ${type}:${id}${title === undefined ? '' : ` (${title})`} not found on the upstream`);
    }
  };
  check(ctx.settings.products, 'Product', WELL_KNOWN_PRODUCTS);
  check(ctx.settings.classifications, 'UpdateClassification', CLASSIFICATIONS);
  if (lines.length === 0) return;
  for (const line of lines) ctx.log.write('warning', line);
  ctx.log.write('warning', 'Subscription contains categories unknown to the upstream.');
}

type WellKnown = readonly { readonly id: string; readonly title: string }[];

export async function syncUpdates(ctx: PhaseContext): Promise<PhaseOutcome> {
  const filter = await subscriptionFilter(ctx);
  const anchor = ctx.kind === 'delta' ? ctx.state?.updateAnchor : undefined;
  ctx.log.write('info', 'sync: SMS synchronizing updates');
  const listed = await ctx.session.listUpdates({ ...(anchor === undefined ? {} : { anchor }), ...filter });
  const verify = ctx.kind === 'full';
  // A full sync walks what the listed updates bundle and require too, so deleted or damaged leaves
  // and prerequisites are repaired, and kept.
  let candidates: UpdateIdentity[] = [...listed.ids];
  const offered = new Set(candidates.map((id) => id.updateId));
  const lookUp = prerequisiteLookup(ctx);
  if (verify) candidates = [...candidates, ...(await offeredClosure(ctx, offered, lookUp))];
  const checks = await ctx.store.checkRevisions(candidates, verify);
  let { need, damaged } = missingOrDamaged(candidates, checks);
  ctx.onPhase('updates', need.length);

  let downloaded = 0;
  let failed = 0;
  let processedBefore = 0;
  const seen = new Set(candidates.map(revisionKey));
  for (let round = 0; need.length > 0 && round < MAX_CLOSURE_ROUNDS; round++) {
    const base = processedBefore;
    const result = await downloadRevisions(
      { ...ctx, onProgress: (d, t) => ctx.onProgress(base + d, base + t) },
      'updates',
      need,
    );
    processedBefore += need.length;
    downloaded += result.downloaded;
    failed += result.failed;
    // Bundle members are fetched even when the filter would not list them (leaves carry the
    // product only in a plain AtLeastOne, so a real WSUS never lists them), and so are
    // prerequisite updates outside the subscription.
    const prerequisites = await lookUp(result.prerequisiteIds, offered);
    const fresh = [...result.bundledMembers, ...prerequisites].filter((m) => !seen.has(revisionKey(m)));
    for (const m of fresh) {
      seen.add(revisionKey(m));
      offered.add(m.updateId);
    }
    const memberChecks = await ctx.store.checkRevisions(fresh, verify);
    const next = missingOrDamaged(fresh, memberChecks);
    need = next.need;
    damaged += next.damaged;
    if (need.length > 0) ctx.onPhase('updates', processedBefore + need.length);
  }
  logProcessed(ctx, 'updates', processedBefore);
  const products = filter.products.map((p) => p.id);
  const classifications = filter.classifications.map((c) => c.id);
  return {
    counts: { listed: listed.ids.length, downloaded, repaired: damaged, expired: 0, removed: 0, failed },
    statePatch:
      failed === 0
        ? { updateAnchor: listed.anchor, anchorProducts: products, anchorClassifications: classifications }
        : undefined,
    ...(verify ? { offered } : {}),
  };
}

/** Finds the upstream identities of prerequisites the site does not have and `offered` does not name. */
type PrerequisiteLookup = (ids: readonly string[], offered: ReadonlySet<string>) => Promise<UpdateIdentity[]>;

/**
 * A prerequisite names an UpdateID only, so its revision comes from the upstream's unfiltered update
 * list: asked for only when such an id exists, and at most once per phase (at 150k updates it is a
 * few MB of SOAP), however many closure rounds need it.
 */
function prerequisiteLookup(ctx: PhaseContext): PrerequisiteLookup {
  let unfiltered: ReturnType<PhaseContext['session']['listUpdates']> | undefined;
  return async (ids, offered) => {
    const unknown = [...new Set(ids)].filter((id) => !offered.has(id));
    if (unknown.length === 0) return [];
    const stored = await ctx.store.storedUpdateIds(unknown);
    const missing = new Set(unknown.filter((id) => !stored.has(id)));
    if (missing.size === 0) return [];
    ctx.log.write('info', `Looking up ${missing.size} prerequisite update(s) outside the subscription`);
    unfiltered ??= ctx.session.listUpdates({});
    const found = (await unfiltered).ids.filter((i) => missing.has(i.updateId));
    if (found.length < missing.size) {
      ctx.log.write('warning', `${missing.size - found.length} prerequisite update(s) are not offered by the upstream`);
    }
    return found;
  };
}

/**
 * What the listed updates bring along, to a fixed point: the members of stored bundles and the
 * update prerequisites (stored, or else listed upstream), then theirs in turn. A full sync checks and
 * repairs them and keeps them offered rather than expiring them as no longer offered: a required
 * update outside the subscription may itself be a bundle or require another. Adds them to `offered`.
 */
async function offeredClosure(
  ctx: PhaseContext,
  offered: Set<string>,
  lookUp: PrerequisiteLookup,
): Promise<UpdateIdentity[]> {
  const out: UpdateIdentity[] = [];
  let software: Map<string, UpdateIdentity> | undefined;
  let frontier = [...offered];
  for (let round = 0; frontier.length > 0 && round < MAX_CLOSURE_ROUNDS; round++) {
    const found: UpdateIdentity[] = [];
    const take = (id: UpdateIdentity) => {
      if (offered.has(id.updateId)) return;
      offered.add(id.updateId);
      found.push(id);
    };
    for (const member of await ctx.store.listBundleMembers(frontier)) take(member);
    const required = (await ctx.store.listPrerequisiteIds(frontier)).filter((id) => !offered.has(id));
    if (required.length > 0) {
      software ??= new Map((await ctx.store.listLatestIdentities(false)).map((i) => [i.updateId, i]));
      const stored = software;
      for (const id of required) {
        const known = stored.get(id);
        if (known !== undefined) take(known);
      }
      for (const id of await lookUp(required, offered)) take(id);
    }
    out.push(...found);
    frontier = found.map((id) => id.updateId);
  }
  return out;
}

/** The closing progress line of a phase with nothing to download (progress lines cover the rest). */
function logProcessed(ctx: PhaseContext, phase: PhaseName, total: number): void {
  if (total > 0) return;
  ctx.log.write('info', `sync: SMS synchronizing ${phase}, processed 0 out of 0 items (100%)`);
}
