/**
 * Turns one planned release into update documents: leaves first, then the bundle that names them,
 * or one standalone update when the release was planned with size 1. Shapes follow the captures:
 * the bundle carries its products and classification in `AtLeastOne IsCategory="true"` clauses,
 * its leaves name them only in plain `AtLeastOne` groups next to bare detectoid prerequisites, and
 * hidden bundles (Defender engine) name them in plain groups too.
 *
 * Multilingual top-level documents grow languages until they exceed 5,120 bytes, so they are sent
 * compressed under either reading of the Windows rule (UTF-8 or UTF-16 size); single-language
 * documents stay under 2,560 characters, so they are sent as plain text under both.
 */
import type { PrerequisiteClause, StoredRevision, UpdateFile, UpdateRevision, UpdateType } from '../catalog/model.ts';
import { type UpdateDocumentExtras, writeUpdateDocument } from '../catalog/update-document-writer.ts';
import { UPGRADES_CLASSIFICATION } from '../catalog/well-known.ts';
import { SupsyncError } from '../shared/errors.ts';
import { type Blurb, blurb, type Phrase, type PhraseValues, phrase, UPDATE_LANGUAGES } from './phrasebook.ts';
import type { Prng } from './prng.ts';
import { type SeriesLedger, seriesKey } from './series.ts';

/** Windows compresses a document above this size; multilingual documents are made larger. */
export const COMPRESS_ABOVE = 5120;
/** Single-language documents stay below this many characters (5,120 bytes even as UTF-16). */
export const SMALL_BELOW_CHARS = COMPRESS_ABOVE / 2;
const MIN_LANGUAGES = 6;

/** Publisher ids seen in the captures: Windows-published updates and the Defender publisher. */
export const PUBLISHER = Object.freeze({
  microsoft: '395392a0-19c0-48b7-a927-f7c15066d905',
  defender: 'bccf8ca0-2819-4598-8d15-c1506e363e92',
});

/** One installable part: a leaf, or the payload of a standalone update. */
export interface LeafSpec {
  readonly title: string;
  /** Bare prerequisites (detectoid ids). */
  readonly detectoids: readonly string[];
  /** File name; `{sha1}` is replaced by the hex SHA-1 of the generated digest. */
  readonly fileName: string;
  readonly size: number;
  /** Inner XML of upd:ApplicabilityRules. */
  readonly rules: string;
  readonly installArguments?: string;
}

/** A release as planned: everything but identities, digests and the supersedence it will find. */
export interface ReleaseSpec {
  readonly phrase: Phrase;
  readonly values: PhraseValues;
  /** Appended to the title in every language (e.g. ` 64-Bit Edition`). */
  readonly suffix?: string;
  readonly blurb?: Blurb;
  readonly multilingual: boolean;
  /** Names categories in plain AtLeastOne groups and prefixes the title with `HIDDEN: `. */
  readonly hidden?: boolean;
  readonly productIds: readonly string[];
  readonly classificationId: string;
  readonly updateType?: Extract<UpdateType, 'Software' | 'Driver'>;
  readonly severity?: string;
  readonly kb?: string;
  readonly publisherId: string;
  /** How many of the latest releases of the same series this one supersedes (0: none). */
  readonly supersedesLast: number;
  /** Leaves available; a release of size s uses the first s - 1 (size 1: standalone with the first). */
  readonly leaves: readonly LeafSpec[];
}

/** A release placed in time; `size` counts the updates it yields (1: standalone, else bundle + leaves). */
export interface PlannedRelease {
  readonly at: Date;
  readonly size: number;
  readonly spec: ReleaseSpec;
}

/** The English title of a release: also the base of its series key. */
export function englishTitle(spec: ReleaseSpec): string {
  return titleIn(spec, 'en');
}

function titleIn(spec: ReleaseSpec, language: string): string {
  const t = phrase(language, spec.phrase, spec.values) + (spec.suffix ?? '');
  return spec.hidden === true ? `HIDDEN: ${t}` : t;
}

const iso = (d: Date) => d.toISOString();
const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function file(rng: Prng, leaf: LeafSpec, at: Date): UpdateFile {
  const sha1 = rng.bytes(20);
  const modified = new Date(at.getTime() - rng.between(1, 72) * 3_600_000 - rng.int(3_600_000));
  return {
    fileName: leaf.fileName.replace('{sha1}', sha1.toString('hex')),
    size: leaf.size,
    digestSha1: sha1.toString('base64'),
    digestSha256: rng.bytes(32).toString('base64'),
    modified: isoSeconds(modified),
  };
}

function categoryClauses(spec: ReleaseSpec, isCategory: boolean): PrerequisiteClause[] {
  const products = { updateIds: [...spec.productIds], isCategory, isAtLeastOne: true };
  const classification = { updateIds: [spec.classificationId], isCategory, isAtLeastOne: true };
  // The captured hidden bundles list the classification first.
  return spec.hidden === true ? [classification, products] : [products, classification];
}

function bare(ids: readonly string[]): PrerequisiteClause[] {
  return ids.map((id) => ({ updateIds: [id], isCategory: false, isAtLeastOne: false }));
}

/** Facts every document of a release shares; the severity is the top-level document's only. */
function base(
  spec: ReleaseSpec,
  rng: Prng,
  at: Date,
  isTop: boolean,
): Omit<UpdateRevision, 'localized' | 'prerequisites' | 'files'> {
  return {
    identity: { updateId: rng.guid(), revisionNumber: 200 },
    updateType: spec.updateType ?? 'Software',
    publicationState: 'Published',
    creationDate: iso(at),
    defaultLanguage: 'en',
    ...(spec.severity === undefined || !isTop ? {} : { msrcSeverity: spec.severity }),
    kbArticleIds: spec.kb === undefined ? [] : [spec.kb],
    securityBulletinIds: [],
    bundledUpdates: [],
    supersededUpdateIds: [],
    isFeatureUpdate: spec.classificationId === UPGRADES_CLASSIFICATION,
  };
}

function leafExtras(spec: ReleaseSpec, leaf: LeafSpec): UpdateDocumentExtras {
  return {
    publisherId: spec.publisherId,
    handler: spec.updateType === 'Driver' ? 'drv' : 'cmd',
    applicabilityRules: leaf.rules,
    ...(leaf.installArguments === undefined ? {} : { installArguments: leaf.installArguments }),
  };
}

function stored(revision: UpdateRevision, extras: UpdateDocumentExtras): StoredRevision {
  return { revision, xml: writeUpdateDocument(revision, extras) };
}

/** Writes the top-level document, adding languages until a multilingual one is large enough. */
function topLevel(
  spec: ReleaseSpec,
  facts: Omit<UpdateRevision, 'localized'>,
  extras: UpdateDocumentExtras,
): StoredRevision {
  const localized = (n: number) =>
    UPDATE_LANGUAGES.slice(0, n).map((language) => ({
      language,
      title: titleIn(spec, language),
      ...(spec.blurb === undefined ? {} : { description: blurb(language, spec.blurb) }),
    }));
  if (!spec.multilingual) return stored({ ...facts, localized: localized(1) }, extras);
  for (let n = MIN_LANGUAGES; ; n++) {
    const doc = stored({ ...facts, localized: localized(n) }, extras);
    if (Buffer.byteLength(doc.xml, 'utf8') > COMPRESS_ABOVE || n >= UPDATE_LANGUAGES.length) return doc;
  }
}

/**
 * Builds the documents of one release of `size` updates (leaves, then the bundle; or one standalone
 * update when size is 1) and records it in the ledger, superseding the latest of its series.
 */
export function buildRelease(
  spec: ReleaseSpec,
  size: number,
  at: Date,
  rng: Prng,
  ledger: SeriesLedger,
): StoredRevision[] {
  const first = spec.leaves[0];
  if (first === undefined || !Number.isInteger(size) || size < 1 || size > 1 + spec.leaves.length) {
    // A plan asking for more updates than a release has would break the exact count.
    throw new SupsyncError('INTERNAL', `release of ${spec.leaves.length} leaves planned with size ${size}`);
  }
  const key = seriesKey(englishTitle(spec), spec.productIds);
  const supersedes = spec.supersedesLast > 0 ? ledger.latest(key, spec.supersedesLast) : [];
  const out: StoredRevision[] = [];
  const topExtras: UpdateDocumentExtras = {
    publisherId: spec.publisherId,
    ...(spec.kb === undefined ? {} : { moreInfoUrl: `https://support.microsoft.com/help/${spec.kb}` }),
  };
  let top: StoredRevision;
  if (size === 1) {
    const facts = base(spec, rng, at, true);
    top = topLevel(
      spec,
      {
        ...facts,
        supersededUpdateIds: supersedes,
        prerequisites: [...bare(first.detectoids), ...categoryClauses(spec, true)],
        files: [file(rng, first, at)],
      },
      { ...topExtras, ...leafExtras(spec, first) },
    );
  } else {
    for (const leaf of spec.leaves.slice(0, size - 1)) {
      const revision: UpdateRevision = {
        ...base(spec, rng, at, false),
        localized: [{ language: 'en', title: leaf.title }],
        prerequisites: [...bare(leaf.detectoids), ...categoryClauses(spec, false)],
        files: [file(rng, leaf, at)],
      };
      out.push(stored(revision, leafExtras(spec, leaf)));
    }
    top = topLevel(
      spec,
      {
        ...base(spec, rng, at, true),
        prerequisites: categoryClauses(spec, spec.hidden !== true),
        bundledUpdates: out.map((l) => l.revision.identity),
        supersededUpdateIds: supersedes,
        files: [],
      },
      topExtras,
    );
  }
  out.push(top);
  ledger.record(key, top.revision.identity.updateId);
  return out;
}
