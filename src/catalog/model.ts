/**
 * The domain model of the update catalog: what an update revision says about itself, as read from
 * its MS-WSUSSS update metadata document. Pure types and functions, no I/O.
 */
import { hash } from 'node:crypto';

/** An update revision's identity. `updateId` is always a lower-case GUID. */
export interface UpdateIdentity {
  readonly updateId: string;
  readonly revisionNumber: number;
}

export type UpdateType = 'Software' | 'Driver' | 'Category' | 'Detectoid';
export type CategoryType = 'Company' | 'ProductFamily' | 'Product' | 'UpdateClassification';
export type PublicationState = 'Published' | 'Expired' | (string & {});

export interface LocalizedProperties {
  /** Language tag as in the document (`en`, `de`, `pt-br`, ...). */
  readonly language: string;
  readonly title: string;
  readonly description?: string;
}

export interface UpdateFile {
  readonly fileName: string;
  readonly size: number;
  /** Base64 SHA-1 digest (the `Digest` attribute). */
  readonly digestSha1: string;
  /** Base64 SHA-256 digest from `AdditionalDigest Algorithm="SHA256"`, when present. */
  readonly digestSha256?: string;
  readonly modified?: string;
}

/** One `AtLeastOne` group or one required id in the prerequisites (conjunctive normal form). */
export interface PrerequisiteClause {
  /** Any one of these update ids satisfies the clause; a bare required id is a clause of one. */
  readonly updateIds: readonly string[];
  /** `IsCategory="true"` on the `AtLeastOne`: a category membership clause. */
  readonly isCategory: boolean;
  /**
   * How the document states the clause: an `AtLeastOne` group (true) or a bare required
   * `UpdateIdentity` (false). Both mean the same in CNF, but real leaves name their product in a
   * plain one-id `AtLeastOne` and detectoids bare, and a writer needs the form to reproduce that.
   * The reader always sets it; when absent, writers take a single non-category id as bare.
   */
  readonly isAtLeastOne?: boolean;
}

/** Everything supsync reads from one update metadata document. */
export interface UpdateRevision {
  readonly identity: UpdateIdentity;
  readonly updateType: UpdateType;
  readonly publicationState: PublicationState;
  /** ISO 8601 `CreationDate` of this revision. */
  readonly creationDate: string;
  readonly defaultLanguage?: string;
  readonly msrcSeverity?: string;
  readonly kbArticleIds: readonly string[];
  readonly securityBulletinIds: readonly string[];
  readonly localized: readonly LocalizedProperties[];
  /** Set for `UpdateType="Category"` documents that carry `CategoryInformation/@CategoryType`. */
  readonly categoryType?: CategoryType;
  readonly prerequisites: readonly PrerequisiteClause[];
  /** Bundled updates, keyed by revision (all `AtLeastOne` groups flattened). */
  readonly bundledUpdates: readonly UpdateIdentity[];
  readonly supersededUpdateIds: readonly string[];
  readonly files: readonly UpdateFile[];
  /**
   * A feature update: some prerequisite clause (category or plain) names the Upgrades classification,
   * or `upd:Properties` carries `IsFeatureUpdate` / `OSUpgrade` set to `true` or `1`.
   */
  readonly isFeatureUpdate: boolean;
}

/** A revision as stored: the parsed facts plus the original document, kept losslessly. */
export interface StoredRevision {
  readonly revision: UpdateRevision;
  /** The original update metadata document as UTF-8 text. */
  readonly xml: string;
}

/** `updateId` + `revisionNumber` as one string key, e.g. `a2fef9b0-...:200`. */
export function revisionKey(id: UpdateIdentity): string {
  return `${id.updateId}:${id.revisionNumber}`;
}

/**
 * sha256 hex of an update document as UTF-8: what a store keeps to verify it and an export package
 * carries with it. The one-shot `crypto.hash` is several times faster than a `createHash` stream
 * for documents of a few KB.
 */
export function contentHash(xml: string): string {
  return hash('sha256', xml, 'hex');
}

/** Normalises a GUID to the lower-case form supsync uses everywhere. */
export function normalizeGuid(guid: string): string {
  return guid.trim().toLowerCase();
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True when `s` (already normalised) is a GUID. */
export function isGuid(s: string): boolean {
  return GUID_RE.test(s);
}

/** The title in `language`, else the default language, else English, else the first one. */
export function pickTitle(rev: UpdateRevision, language = 'en'): string {
  const by = (lang: string | undefined) => rev.localized.find((l) => l.language === lang);
  return (by(language) ?? by(rev.defaultLanguage) ?? by('en') ?? rev.localized[0])?.title ?? '';
}
