/**
 * Generates a catalog that looks like Microsoft Update: the real category tree, then months of
 * releases ending at `now` (see release-plan.ts for the mix). Deterministic: the same options give
 * the same revisions, byte for byte. Streaming: one month's plan (small records, no documents) is
 * held at a time, and documents are written as they are yielded.
 *
 * `now` is a parameter, never the wall clock; the CLI passes a fixed 2026-11-10T00:00:00Z (the
 * morning of a Patch Tuesday) unless told otherwise, so a seed alone names a catalog.
 */
import type { StoredRevision } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import { DEFAULT_SETTINGS } from '../site/settings.ts';
import type { SiteStore } from '../store/site-store.ts';
import { configurationRevisions } from './category-docs.ts';
import { Prng } from './prng.ts';
import { buildRelease } from './release-builder.ts';
import { monthWindows, planMonth } from './release-plan.ts';
import { SeriesLedger } from './series.ts';

export interface GenerateOptions {
  /** Software and driver updates to generate (bundles and leaves each count). */
  readonly updates: number;
  readonly seed: string;
  /** The catalog's present: the newest release is before it. */
  readonly now: Date;
}

export interface GenerateReport {
  /** Categories and detectoids written. */
  readonly categories: number;
  readonly updates: number;
  /** Revisions written in all (one per category and update). */
  readonly revisions: number;
}

/** Largest catalog accepted: far beyond Microsoft Update's size, small enough to stay a typo guard. */
export const MAX_UPDATES = 1_000_000;
const BATCH = 500;

function validate(options: GenerateOptions): void {
  const { updates, seed, now } = options;
  if (!Number.isSafeInteger(updates) || updates < 0 || updates > MAX_UPDATES) {
    throw new SupsyncError(
      'INPUT_INVALID',
      `updates must be an integer from 0 to ${MAX_UPDATES}, got ${String(updates)}`,
    );
  }
  if (typeof seed !== 'string') throw new SupsyncError('INPUT_INVALID', 'seed must be a string');
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new SupsyncError('INPUT_INVALID', 'now must be a valid date');
}

/**
 * The generated catalog in write order: categories and detectoids first, then updates by creation
 * date, each bundle right after its leaves.
 * @throws SupsyncError `INPUT_INVALID` for a bad update count, seed or date.
 */
export function* generateCatalog(options: GenerateOptions): Generator<StoredRevision> {
  validate(options);
  yield* configurationRevisions();
  const rng = new Prng(`supsync catalog/${options.seed}`);
  const ledger = new SeriesLedger();
  for (const window of monthWindows(options.updates, options.now)) {
    for (const release of planMonth(window, rng))
      yield* buildRelease(release.spec, release.size, release.at, rng, ledger);
  }
}

/** Settings of the stand-in site: the top of its chain, so it has no upstream. */
function standInSettings() {
  return { ...DEFAULT_SETTINGS, siteCode: 'MU1', supName: 'microsoft-update-standin', upstreamUrl: 'none' };
}

/**
 * Writes a generated catalog into `store` in batches, creating the stand-in site (`MU1`,
 * `microsoft-update-standin`, upstream `none`) when the database holds none yet.
 * @throws SupsyncError `INPUT_INVALID` for bad options; store errors as the store raises them.
 */
export async function generateIntoStore(
  store: SiteStore,
  options: GenerateOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<GenerateReport> {
  validate(options);
  if ((await store.getSettings()) === undefined) await store.initSite(standInSettings());
  const config = configurationRevisions().length;
  const total = config + options.updates;
  let batch: StoredRevision[] = [];
  let done = 0;
  // Memberships are refreshed once, by the last batch.
  const flush = async (last: boolean) => {
    await store.putRevisions(batch, { deferDerived: !last });
    done += batch.length;
    batch = [];
    onProgress?.(done, total);
  };
  for (const revision of generateCatalog(options)) {
    batch.push(revision);
    if (batch.length >= BATCH) await flush(false);
  }
  await flush(true);
  return { categories: config, updates: done - config, revisions: done };
}
