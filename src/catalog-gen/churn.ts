/**
 * Advances a generated catalog by some days the way Microsoft Update changes: Patch Tuesday
 * releases when the window crosses one (each superseding the previous release of its series),
 * Defender definition updates three times a day (each superseding the three before), the monthly
 * engine bundle, new revisions of a few existing updates (a language added) and a few
 * expirations (a new revision with PublicationState Expired).
 *
 * The catalog's clock is its data: the window starts at the newest CreationDate in the store, so
 * churn needs no state of its own and the same seed on the same store makes the same changes.
 * It reads only the recent part of the catalog (the revisions of the last 40 days, by change
 * sequence, enough to find the latest release of every monthly series) and the few documents it
 * revises; never the whole catalog.
 */
import type { StoredRevision, UpdateIdentity } from '../catalog/model.ts';
import { revisionKey } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { SiteStore } from '../store/site-store.ts';
import { addMonths, monthStart } from './calendar.ts';
import { reviseDocument } from './document-revisions.ts';
import { appRelease, definitionRelease } from './other-releases.ts';
import { UPDATE_LANGUAGES } from './phrasebook.ts';
import { Prng } from './prng.ts';
import { buildRelease, type PlannedRelease } from './release-builder.ts';
import { isTopLevel, SeriesLedger, seriesKeyOf } from './series.ts';
import { patchTuesdayReleases } from './windows-releases.ts';

export interface ChurnOptions {
  /** Days to advance the catalog by (1 to 3650). */
  readonly days: number;
  readonly seed: string;
}

/** Exactly what changed: the identities of every revision written. */
export interface ChurnReport {
  readonly added: UpdateIdentity[];
  readonly revised: UpdateIdentity[];
  readonly expired: UpdateIdentity[];
  /** The catalog clock before (exclusive) and after (inclusive) the churn, ISO 8601. */
  readonly fromDate: string;
  readonly toDate: string;
}

const DAY = 86_400_000;
const LOOKBACK = 40 * DAY;
const BATCH = 500;
/** Definition releases per day, at these hours UTC (plus up to 20 minutes). */
const DEFINITION_HOURS = [1, 9, 17];
/** Office / Visual Studio / SQL Server releases per Patch Tuesday. */
const APP_RELEASES = 6;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The catalog clock and the latest releases of each series, from the recent revisions only. */
async function readRecent(store: SiteStore): Promise<{ clock: Date; ledger: SeriesLedger }> {
  const seq = await store.currentSeq();
  const seen = new Set<string>();
  const tops: { at: number; key: string; id: string; revisionNumber: number }[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  let oldest = Number.POSITIVE_INFINITY;
  for (let span = 2048; ; span *= 2) {
    const since = Math.max(0, seq - span);
    const { ids } = await store.listRevisionsForDownstream({ config: false, sinceSeq: since });
    const fresh = ids.filter((i) => !seen.has(revisionKey(i)));
    for (const i of fresh) seen.add(revisionKey(i));
    for (const part of chunks(fresh, BATCH)) {
      for (const { revision } of await store.getRevisions(part)) {
        const at = Date.parse(revision.creationDate);
        if (Number.isNaN(at)) continue;
        newest = Math.max(newest, at);
        oldest = Math.min(oldest, at);
        const key = isTopLevel(revision) ? seriesKeyOf(revision) : undefined;
        if (key !== undefined)
          tops.push({ at, key, id: revision.identity.updateId, revisionNumber: revision.identity.revisionNumber });
      }
    }
    if (since === 0 || newest - oldest >= LOOKBACK) break;
  }
  if (newest === Number.NEGATIVE_INFINITY) {
    throw new SupsyncError('INPUT_INVALID', 'the store holds no updates to advance; generate a catalog first');
  }
  // A later revision keeps its release's place in the series: order it by its first (200) revision.
  const later = tops.filter((t) => t.revisionNumber > 200);
  const firsts = await store.getRevisions(later.map((t) => ({ updateId: t.id, revisionNumber: 200 })));
  const firstAt = new Map(firsts.map((f) => [f.revision.identity.updateId, Date.parse(f.revision.creationDate)]));
  for (const t of later) t.at = firstAt.get(t.id) ?? t.at;
  const ledger = new SeriesLedger();
  for (const t of tops.sort((a, b) => a.at - b.at)) ledger.record(t.key, t.id);
  return { clock: new Date(newest), ledger };
}

/** Releases due in (from, to], in time order. */
function releasesBetween(from: Date, to: Date, rng: Prng): PlannedRelease[] {
  const out: PlannedRelease[] = [];
  const due = (r: PlannedRelease) => r.at > from && r.at <= to;
  for (let m = monthStart(from); m <= to; m = addMonths(m, 1)) {
    out.push(...patchTuesdayReleases(m, rng).filter(due));
    for (let i = 0; i < APP_RELEASES; i++) {
      const r = appRelease(m, i, rng);
      if (due(r)) out.push({ ...r, at: new Date(r.at.getTime() + 600_000 + i * 90_000) });
    }
  }
  for (let day = Math.floor(from.getTime() / DAY) * DAY; day <= to.getTime(); day += DAY) {
    for (const hour of DEFINITION_HOURS) {
      // The slot's time depends on the slot only, so a later churn never re-releases it.
      const slot = day / 3_600_000 + hour;
      const at = new Date(day + hour * 3_600_000 + 1_800_000 + ((slot * 2_654_435_761) % 1_200_000));
      if (at > from && at <= to) out.push(definitionRelease(at, 3, rng));
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Draws up to `n` published top-level updates not drawn before, reading only their documents. */
async function drawPublished(
  store: SiteStore,
  ids: readonly UpdateIdentity[],
  drawn: Set<string>,
  n: number,
  rng: Prng,
): Promise<StoredRevision[]> {
  const out: StoredRevision[] = [];
  for (let round = 0; round < 8 && out.length < n && drawn.size < ids.length; round++) {
    const batch: UpdateIdentity[] = [];
    for (let k = 0; k < (n - out.length) * 4 && drawn.size < ids.length; k++) {
      let i = rng.int(ids.length);
      while (drawn.has(ids[i]?.updateId ?? '')) i = (i + 1) % ids.length;
      const id = ids[i] as UpdateIdentity;
      drawn.add(id.updateId);
      batch.push(id);
    }
    for (const doc of await store.getRevisions(batch)) {
      if (out.length < n && isTopLevel(doc.revision) && doc.revision.publicationState === 'Published') out.push(doc);
    }
  }
  return out;
}

function validate(options: ChurnOptions): void {
  if (!Number.isSafeInteger(options.days) || options.days < 1 || options.days > 3650) {
    throw new SupsyncError('INPUT_INVALID', `days must be an integer from 1 to 3650, got ${String(options.days)}`);
  }
  if (typeof options.seed !== 'string') throw new SupsyncError('INPUT_INVALID', 'seed must be a string');
}

/**
 * Advances the catalog in `store` by `days` days and reports exactly which revisions it wrote.
 * @throws SupsyncError `INPUT_INVALID` for bad options or a store without updates.
 */
export async function churnStore(store: SiteStore, options: ChurnOptions): Promise<ChurnReport> {
  validate(options);
  const { clock, ledger } = await readRecent(store);
  const from = clock;
  const to = new Date(from.getTime() + options.days * DAY);
  const rng = new Prng(`supsync churn/${options.seed}/${from.toISOString()}`);
  const within = () => new Date(from.getTime() + 1 + rng.int(to.getTime() - from.getTime()));

  const added = releasesBetween(from, to, rng).flatMap((r) => buildRelease(r.spec, r.size, r.at, rng, ledger));

  const ids = [...(await store.listLatestIdentities(false))].sort((a, b) => (a.updateId < b.updateId ? -1 : 1));
  const drawn = new Set<string>();
  const revised: StoredRevision[] = [];
  for (const doc of await drawPublished(store, ids, drawn, Math.max(1, Math.round(options.days / 4)), rng)) {
    const en = doc.revision.localized.find((l) => l.language === 'en');
    const language = UPDATE_LANGUAGES.find((l) => !doc.revision.localized.some((x) => x.language === l));
    if (en === undefined || language === undefined) continue;
    // A newly translated language often ships with the English text first, as here.
    const next = reviseDocument(doc, { creationDate: within().toISOString(), addLanguage: { ...en, language } });
    if (next !== undefined) revised.push(next);
  }
  const expired: StoredRevision[] = [];
  for (const doc of await drawPublished(store, ids, drawn, Math.max(1, Math.round(options.days / 8)), rng)) {
    const next = reviseDocument(doc, { creationDate: within().toISOString(), expire: true });
    if (next !== undefined) expired.push(next);
  }

  const all = [...added, ...revised, ...expired].sort(
    (a, b) => Date.parse(a.revision.creationDate) - Date.parse(b.revision.creationDate),
  );
  for (const part of chunks(all, BATCH)) await store.putRevisions(part);
  const identities = (docs: StoredRevision[]) => docs.map((d) => d.revision.identity);
  return {
    added: identities(added),
    revised: identities(revised),
    expired: identities(expired),
    fromDate: from.toISOString(),
    toDate: to.toISOString(),
  };
}
