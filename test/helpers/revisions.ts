/**
 * Builds update revisions for store tests: an {@link UpdateRevision} plus a plausible update
 * metadata document carrying the same facts (shaped like shared/fixtures/wsus-captures/docs, not
 * byte-exact). Deliberately independent of the catalog's document writer, so store tests do not
 * move when that writer changes.
 */
import type {
  CategoryType,
  PrerequisiteClause,
  StoredRevision,
  UpdateFile,
  UpdateIdentity,
  UpdateRevision,
  UpdateType,
} from '../../src/catalog/model.ts';

/** Real catalog GUIDs used across the store tests. */
export const IDS = Object.freeze({
  microsoft: '56309036-4c77-4dd9-951a-99ee9c246a94',
  windows: '6964aab4-c5b5-43bd-a17d-ffb4346a8e1d',
  defender: '8c3fcc84-7410-4a95-8b89-a166a0190486',
  definitionUpdates: 'e0789628-ce08-4437-be74-2495b842f43b',
  securityUpdates: '0fa1201d-4330-4fa8-8ae9-b877473b6441',
  /** Windows 11, a second product for filters. */
  windows11: '72e7624a-5b00-45d2-b92f-e561c0a6a160',
});

/** A deterministic lower-case GUID for test update number `n` (distinct per `family`). */
export function guid(n: number, family = 0xabc): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${family.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

export interface RevisionSpec {
  readonly id: string;
  readonly rev?: number;
  readonly type?: UpdateType;
  readonly categoryType?: CategoryType;
  readonly title?: string;
  /** Extra localized titles by language, besides the English `title`. */
  readonly titles?: Readonly<Record<string, string>>;
  readonly description?: string;
  /** ISO CreationDate; default 2026-01-01. */
  readonly created?: string;
  readonly state?: 'Published' | 'Expired';
  readonly severity?: string;
  readonly kb?: readonly string[];
  readonly bulletins?: readonly string[];
  readonly prerequisites?: readonly PrerequisiteClause[];
  readonly bundled?: readonly UpdateIdentity[];
  readonly supersedes?: readonly string[];
  readonly files?: readonly UpdateFile[];
  readonly feature?: boolean;
  /** Pads the document with applicability rules up to about this many characters (benchmarks). */
  readonly padTo?: number;
}

/** A membership clause: `AtLeastOne IsCategory="true"` when `isCategory`, a plain `AtLeastOne` otherwise. */
export function clause(ids: readonly string[], isCategory = true): PrerequisiteClause {
  return { updateIds: ids, isCategory };
}

export function makeRevision(spec: RevisionSpec): StoredRevision {
  const localized = [
    {
      language: 'en',
      title: spec.title ?? `Update ${spec.id}`,
      ...(spec.description ? { description: spec.description } : {}),
    },
    ...Object.entries(spec.titles ?? {}).map(([language, title]) => ({ language, title })),
  ];
  const revision: UpdateRevision = {
    identity: { updateId: spec.id, revisionNumber: spec.rev ?? 200 },
    updateType: spec.type ?? 'Software',
    publicationState: spec.state ?? 'Published',
    creationDate: spec.created ?? '2026-01-01T00:00:00.000Z',
    defaultLanguage: 'en',
    ...(spec.severity ? { msrcSeverity: spec.severity } : {}),
    kbArticleIds: spec.kb ?? [],
    securityBulletinIds: spec.bulletins ?? [],
    localized,
    ...(spec.categoryType ? { categoryType: spec.categoryType } : {}),
    prerequisites: spec.prerequisites ?? [],
    bundledUpdates: spec.bundled ?? [],
    supersededUpdateIds: spec.supersedes ?? [],
    files: spec.files ?? [],
    isFeatureUpdate: spec.feature ?? false,
  };
  return { revision, xml: documentFor(revision, spec.padTo ?? 0) };
}

/** A category revision whose parent is named in an IsCategory prerequisite. */
export function category(id: string, categoryType: CategoryType, title: string, parent?: string): StoredRevision {
  return makeRevision({
    id,
    rev: 100,
    type: 'Category',
    categoryType,
    title,
    created: '2005-01-01T00:00:00.000Z',
    ...(parent ? { prerequisites: [clause([parent])] } : {}),
  });
}

/** Microsoft > Windows > Defender, Windows 11, and the two classifications. */
export function wellKnownCategories(): StoredRevision[] {
  return [
    category(IDS.microsoft, 'Company', 'Microsoft'),
    category(IDS.windows, 'ProductFamily', 'Windows', IDS.microsoft),
    category(IDS.defender, 'Product', 'Microsoft Defender Antivirus', IDS.windows),
    category(IDS.windows11, 'Product', 'Windows 11', IDS.windows),
    category(IDS.definitionUpdates, 'UpdateClassification', 'Definition Updates'),
    category(IDS.securityUpdates, 'UpdateClassification', 'Security Updates'),
  ];
}

/** A software update in `products` × `classifications` through IsCategory clauses (plain ones when `viaClause` is false). */
export function update(
  id: string,
  products: readonly string[],
  classifications: readonly string[],
  more: Omit<RevisionSpec, 'id' | 'prerequisites'> & { readonly viaClause?: boolean } = {},
): StoredRevision {
  const isCategory = more.viaClause ?? true;
  const prerequisites = [products, classifications].filter((l) => l.length > 0).map((l) => clause(l, isCategory));
  return makeRevision({ ...more, id, prerequisites });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const ident = (id: string, rev?: number) =>
  `<upd:UpdateIdentity UpdateID="${id}"${rev === undefined ? '' : ` RevisionNumber="${rev}"`} />`;

function relationships(r: UpdateRevision): string {
  const prereqs = r.prerequisites
    .map((c) =>
      c.updateIds.length === 1 && !c.isCategory
        ? ident(c.updateIds[0] as string)
        : `<upd:AtLeastOne${c.isCategory ? ' IsCategory="true"' : ''}>${c.updateIds.map((i) => ident(i)).join('')}</upd:AtLeastOne>`,
    )
    .join('');
  const parts = [
    prereqs && `<upd:Prerequisites>${prereqs}</upd:Prerequisites>`,
    r.bundledUpdates.length > 0 &&
      `<upd:BundledUpdates><upd:AtLeastOne>${r.bundledUpdates.map((b) => ident(b.updateId, b.revisionNumber)).join('')}</upd:AtLeastOne></upd:BundledUpdates>`,
    r.supersededUpdateIds.length > 0 &&
      `<upd:SupersededUpdates>${r.supersededUpdateIds.map((i) => ident(i)).join('')}</upd:SupersededUpdates>`,
  ].filter(Boolean);
  return parts.length > 0 ? `<upd:Relationships>${parts.join('')}</upd:Relationships>` : '';
}

function documentFor(r: UpdateRevision, padTo: number): string {
  const props = [
    `UpdateType="${r.updateType}"`,
    'DefaultPropertiesLanguage="en"',
    `PublicationState="${esc(r.publicationState)}"`,
    `CreationDate="${r.creationDate}"`,
    r.msrcSeverity ? `MsrcSeverity="${esc(r.msrcSeverity)}"` : '',
    r.isFeatureUpdate ? 'OSUpgrade="true"' : '',
  ].filter(Boolean);
  const kbs = r.kbArticleIds.map((k) => `<upd:KBArticleID>${esc(k)}</upd:KBArticleID>`).join('');
  const bulletins = r.securityBulletinIds
    .map((b) => `<upd:SecurityBulletinID>${esc(b)}</upd:SecurityBulletinID>`)
    .join('');
  const localized = r.localized
    .map(
      (l) =>
        `<upd:LocalizedProperties><upd:Language>${l.language}</upd:Language><upd:Title>${esc(l.title)}</upd:Title>${
          l.description ? `<upd:Description>${esc(l.description)}</upd:Description>` : ''
        }</upd:LocalizedProperties>`,
    )
    .join('');
  const files = r.files
    .map(
      (f) =>
        `<upd:File Digest="${f.digestSha1}" DigestAlgorithm="SHA1" FileName="${esc(f.fileName)}" Size="${f.size}">${
          f.digestSha256 ? `<upd:AdditionalDigest Algorithm="SHA256">${f.digestSha256}</upd:AdditionalDigest>` : ''
        }</upd:File>`,
    )
    .join('');
  const handler = r.categoryType
    ? `<upd:HandlerSpecificData xsi:type="cat:Category"><cat:CategoryInformation CategoryType="${r.categoryType}" /></upd:HandlerSpecificData>`
    : '';
  const head =
    '<upd:Update xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cat="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category" ' +
    'xmlns:bar="http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules" xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update">' +
    ident(r.identity.updateId, r.identity.revisionNumber) +
    `<upd:Properties ${props.join(' ')}>${kbs}${bulletins}</upd:Properties>` +
    `<upd:LocalizedPropertiesCollection>${localized}</upd:LocalizedPropertiesCollection>${relationships(r)}`;
  const tail = `${files ? `<upd:Files>${files}</upd:Files>` : ''}${handler}</upd:Update>`;
  return head + rulesPadding(padTo - head.length - tail.length) + tail;
}

/** Applicability rules of roughly `chars` characters, the bulk of a real leaf document. */
function rulesPadding(chars: number): string {
  if (chars <= 0) return '';
  const rule =
    '<bar:RegDword Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates" Value="AVSignatureVersion" Comparison="GreaterThanOrEqualTo" Data="1" />';
  const count = Math.max(1, Math.round(chars / rule.length));
  return `<upd:ApplicabilityRules><upd:IsInstalled>${rule.repeat(count)}</upd:IsInstalled></upd:ApplicabilityRules>`;
}
