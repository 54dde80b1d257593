/**
 * Release series: the monthly cumulative update of one product and architecture, the definition
 * updates of Defender, the security updates of one Office component... A new release supersedes
 * the latest release(s) of its series.
 *
 * The key is derived from what a document says about itself (its English title without the parts
 * that change per release, and its products), so the generator, which knows what it releases, and
 * the churn, which only reads documents back from a store, find the same series.
 */
import type { UpdateRevision } from '../catalog/model.ts';
import { CLASSIFICATIONS } from '../catalog/well-known.ts';

const VOLATILE: readonly (readonly [RegExp, string])[] = [
  [/^HIDDEN: /, ''],
  [/^\d{4}-\d{2} /, ''], // month prefix of Windows releases
  [/ ?\(KB\d+\)/, ''],
  [/\b[Vv]ersion [^\s)]+/g, 'version *'], // product versions and definition versions
  [/ - v\d+(\.\d+)*/, ''], // MSRT
  [/ \d{4}-\d{2}$/, ''], // month suffix of feature updates
  [/ - \d+(\.\d+)+$/, ''], // driver versions
];

/** The series a release with this English title and these products belongs to. */
export function seriesKey(englishTitle: string, productIds: readonly string[]): string {
  let t = englishTitle;
  for (const [re, by] of VOLATILE) t = t.replace(re, by);
  return `${t}|${[...productIds].sort().join(',')}`;
}

const CLASSIFICATION_IDS: ReadonlySet<string> = new Set(CLASSIFICATIONS.map((c) => c.id));

/** True for a document a release is named by: a bundle, or a standalone update in its categories. */
export function isTopLevel(rev: UpdateRevision): boolean {
  return rev.bundledUpdates.length > 0 || rev.prerequisites.some((c) => c.isCategory);
}

/** The series key of a stored top-level document, or undefined when it has no English title. */
export function seriesKeyOf(rev: UpdateRevision): string | undefined {
  const title = rev.localized.find((l) => l.language === 'en')?.title;
  if (title === undefined) return undefined;
  const products = new Set<string>();
  for (const c of rev.prerequisites) {
    if (c.isAtLeastOne === true) for (const id of c.updateIds) if (!CLASSIFICATION_IDS.has(id)) products.add(id);
  }
  return seriesKey(title, [...products]);
}

/** The latest releases of each series, newest last. Bounded: a release supersedes a few at most. */
export class SeriesLedger {
  readonly #bySeries = new Map<string, string[]>();
  static readonly KEEP = 4;

  /** Up to `n` latest update ids of the series, oldest first. */
  latest(key: string, n: number): string[] {
    return (this.#bySeries.get(key) ?? []).slice(-n);
  }

  record(key: string, updateId: string): void {
    const ids = (this.#bySeries.get(key) ?? []).filter((id) => id !== updateId);
    ids.push(updateId);
    this.#bySeries.set(key, ids.slice(-SeriesLedger.KEEP));
  }
}
