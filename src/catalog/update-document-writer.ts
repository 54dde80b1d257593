/**
 * Writes an update metadata document shaped like the ones Microsoft Update serves (see the captures
 * in shared/fixtures/wsus-captures/docs): compact, `upd:` prefix, the namespaces declared on the
 * root with `upd` last, child order UpdateIdentity, Properties, LocalizedPropertiesCollection,
 * Relationships, ApplicabilityRules, Files, HandlerSpecificData. What the facts of
 * {@link UpdateRevision} do not hold (handler, rules, publisher) comes from {@link UpdateDocumentExtras}.
 *
 * `parseUpdateDocument(writeUpdateDocument(rev))` gives back the facts of `rev`; the generator and
 * the churn rely on that, and the tests check it on the real documents too.
 */
// Text and attribute values alike: attribute rules are the stricter of the two, so one serves both.
import { escapeXmlAttribute as escapeXml } from '../shared/xml-escape.ts';
import type { PrerequisiteClause, UpdateFile, UpdateRevision } from './model.ts';
import { NS, type NsPrefix } from './update-namespaces.ts';
import { UPGRADES_CLASSIFICATION } from './well-known.ts';

/** Parts of a document that are not among the facts supsync reads. All optional. */
export interface UpdateDocumentExtras {
  /** `PublisherID` of `upd:Properties`. */
  readonly publisherId?: string;
  /**
   * Installation handler of an installable update: `cmd` writes the CommandLineInstallation
   * handler data the real Defender leaves carry; `drv` names the driver handler only.
   */
  readonly handler?: 'cmd' | 'drv';
  /** Command-line arguments for the `cmd` handler (the program is the first file). */
  readonly installArguments?: string;
  /** `upd:InstallationBehavior/@Impact`, written for installable updates (default `Minor`). */
  readonly impact?: 'Minor' | 'Normal' | 'RequiresExclusiveHandling';
  /** `upd:InstallationBehavior/@RebootBehavior`, when the update needs one. */
  readonly rebootBehavior?: 'NeverReboots' | 'AlwaysRequiresReboot' | 'CanRequestReboot';
  /**
   * Inner XML of `upd:ApplicabilityRules`, written as is. It may use the `bar:`, `lar:`, `drv:`
   * prefixes, which are then declared on the root. Categories default to `IsInstalled` = `lar:True`.
   */
  readonly applicabilityRules?: string;
  /** `upd:SupportUrl` of `upd:Properties`. */
  readonly supportUrl?: string;
  /** `upd:MoreInfoUrl` of every localized block. */
  readonly moreInfoUrl?: string;
  /** CategoryInformation presentation attributes (categories only). */
  readonly category?: {
    readonly displayOrder?: number;
    readonly prohibitsSubcategories?: boolean;
    readonly prohibitsUpdates?: boolean;
    readonly excludedByDefault?: boolean;
  };
}

const HANDLER_URI: Readonly<Record<'cat' | 'cmd' | 'drv', string>> = {
  cat: NS.cat,
  cmd: NS.cmd,
  drv: NS.drv,
};

function attrs(pairs: readonly (readonly [string, string | number | boolean | undefined])[]): string {
  let out = '';
  for (const [name, value] of pairs) if (value !== undefined) out += ` ${name}="${escapeXml(String(value))}"`;
  return out;
}

function prerequisitesXml(clauses: readonly PrerequisiteClause[]): string {
  let out = '';
  for (const c of clauses) {
    const group = c.isCategory || c.updateIds.length !== 1 || (c.isAtLeastOne ?? false);
    const ids = c.updateIds.map((id) => `<upd:UpdateIdentity UpdateID="${escapeXml(id)}" />`).join('');
    out += group ? `<upd:AtLeastOne${c.isCategory ? ' IsCategory="true"' : ''}>${ids}</upd:AtLeastOne>` : ids;
  }
  return out;
}

function relationshipsXml(rev: UpdateRevision): string {
  let out = '';
  if (rev.prerequisites.length > 0)
    out += `<upd:Prerequisites>${prerequisitesXml(rev.prerequisites)}</upd:Prerequisites>`;
  if (rev.bundledUpdates.length > 0) {
    // One AtLeastOne group, as the captured Defender bundles have it; the facts keep no grouping.
    const ids = rev.bundledUpdates
      .map((b) => `<upd:UpdateIdentity UpdateID="${escapeXml(b.updateId)}" RevisionNumber="${b.revisionNumber}" />`)
      .join('');
    out += `<upd:BundledUpdates><upd:AtLeastOne>${ids}</upd:AtLeastOne></upd:BundledUpdates>`;
  }
  if (rev.supersededUpdateIds.length > 0) {
    const ids = rev.supersededUpdateIds.map((id) => `<upd:UpdateIdentity UpdateID="${escapeXml(id)}" />`).join('');
    out += `<upd:SupersededUpdates>${ids}</upd:SupersededUpdates>`;
  }
  return out === '' ? '' : `<upd:Relationships>${out}</upd:Relationships>`;
}

function fileXml(f: UpdateFile): string {
  const head = `<upd:File${attrs([
    ['Digest', f.digestSha1],
    ['DigestAlgorithm', 'SHA1'],
    ['FileName', f.fileName],
    ['Size', f.size],
    ['Modified', f.modified],
  ])}`;
  if (f.digestSha256 === undefined) return `${head} />`;
  return `${head}><upd:AdditionalDigest Algorithm="SHA256">${escapeXml(f.digestSha256)}</upd:AdditionalDigest></upd:File>`;
}

function propertiesXml(rev: UpdateRevision, extras: UpdateDocumentExtras, handler: string | undefined): string {
  const isCategory = rev.updateType === 'Category';
  const namesUpgrades = rev.prerequisites.some((c) => c.updateIds.includes(UPGRADES_CLASSIFICATION));
  const installable = rev.files.length > 0;
  const head = attrs([
    ...(isCategory
      ? ([
          ['DefaultPropertiesLanguage', rev.defaultLanguage],
          ['IsPublic', 'true'],
          ['UpdateType', rev.updateType],
        ] as const)
      : ([
          ['UpdateType', rev.updateType],
          ['DefaultPropertiesLanguage', rev.defaultLanguage],
        ] as const)),
    ['MsrcSeverity', rev.msrcSeverity],
    // The reader also takes OSUpgrade as the marker; written only when no Upgrades clause says it.
    ['OSUpgrade', rev.isFeatureUpdate && !namesUpgrades ? 'true' : undefined],
    ['Handler', handler],
    ['MaxDownloadSize', installable ? rev.files.reduce((n, f) => n + f.size, 0) : undefined],
    ['MinDownloadSize', installable ? 0 : undefined],
    ['PublicationState', rev.publicationState],
    ['CreationDate', rev.creationDate === '' ? undefined : rev.creationDate],
    ['PublisherID', extras.publisherId],
  ]);
  let body = '';
  if (installable) {
    body += `<upd:InstallationBehavior${attrs([
      ['Impact', extras.impact ?? 'Minor'],
      ['RebootBehavior', extras.rebootBehavior],
    ])} />`;
  }
  if (extras.supportUrl !== undefined) body += `<upd:SupportUrl>${escapeXml(extras.supportUrl)}</upd:SupportUrl>`;
  for (const b of rev.securityBulletinIds) body += `<upd:SecurityBulletinID>${escapeXml(b)}</upd:SecurityBulletinID>`;
  for (const kb of rev.kbArticleIds) body += `<upd:KBArticleID>${escapeXml(kb)}</upd:KBArticleID>`;
  return `<upd:Properties${head}>${body}</upd:Properties>`;
}

function localizedXml(rev: UpdateRevision, extras: UpdateDocumentExtras): string {
  let out = '<upd:LocalizedPropertiesCollection>';
  for (const l of rev.localized) {
    out += `<upd:LocalizedProperties><upd:Language>${escapeXml(l.language)}</upd:Language><upd:Title>${escapeXml(l.title)}</upd:Title>`;
    if (l.description !== undefined) out += `<upd:Description>${escapeXml(l.description)}</upd:Description>`;
    if (extras.moreInfoUrl !== undefined) out += `<upd:MoreInfoUrl>${escapeXml(extras.moreInfoUrl)}</upd:MoreInfoUrl>`;
    out += '</upd:LocalizedProperties>';
  }
  return `${out}</upd:LocalizedPropertiesCollection>`;
}

function handlerDataXml(rev: UpdateRevision, extras: UpdateDocumentExtras): string {
  const xsi = `xmlns:xsi="${NS.xsi}"`;
  if (rev.updateType === 'Category') {
    const c = extras.category ?? {};
    const info = attrs([
      ['CategoryType', rev.categoryType],
      ['ProhibitsSubcategories', c.prohibitsSubcategories ?? false],
      ['ProhibitsUpdates', c.prohibitsUpdates ?? rev.categoryType !== 'Product'],
      ['ExcludedByDefault', c.excludedByDefault],
      ['DisplayOrder', c.displayOrder],
    ]);
    return `<upd:HandlerSpecificData xsi:type="cat:Category" ${xsi}><cat:CategoryInformation${info} /></upd:HandlerSpecificData>`;
  }
  const program = rev.files[0]?.fileName;
  if (extras.handler !== 'cmd' || program === undefined) return '';
  const command = attrs([
    ['Program', program],
    ['Arguments', extras.installArguments],
  ]);
  return `<upd:HandlerSpecificData xsi:type="cmd:CommandLineInstallation" ${xsi}><cmd:InstallCommand${command}><cmd:ReturnCode Code="0" Result="Succeeded" /></cmd:InstallCommand></upd:HandlerSpecificData>`;
}

/**
 * Writes `rev` as an update metadata document.
 * @throws SupsyncError `XML_MALFORMED` when a value holds a character XML 1.0 cannot carry.
 */
export function writeUpdateDocument(rev: UpdateRevision, extras: UpdateDocumentExtras = {}): string {
  const isCategory = rev.updateType === 'Category';
  // Bundles and detectoids install nothing: like the real ones they name no handler.
  const handlerKey = isCategory ? 'cat' : rev.files.length > 0 ? extras.handler : undefined;
  const handler = handlerKey === undefined ? undefined : HANDLER_URI[handlerKey];
  const rules = extras.applicabilityRules ?? (isCategory ? '<upd:IsInstalled><lar:True /></upd:IsInstalled>' : '');
  const prefixes: NsPrefix[] = ['pub'];
  for (const p of ['bar', 'lar', 'drv'] as const) if (rules.includes(`<${p}:`)) prefixes.push(p);
  if (handlerKey !== undefined && !prefixes.includes(handlerKey)) prefixes.push(handlerKey);
  prefixes.push('upd');
  const root = prefixes.map((p) => ` xmlns:${p}="${NS[p]}"`).join('');
  const files = rev.files.length === 0 ? '' : `<upd:Files>${rev.files.map(fileXml).join('')}</upd:Files>`;
  return (
    `<upd:Update${root}>` +
    `<upd:UpdateIdentity UpdateID="${escapeXml(rev.identity.updateId)}" RevisionNumber="${rev.identity.revisionNumber}" />` +
    propertiesXml(rev, extras, handler) +
    localizedXml(rev, extras) +
    relationshipsXml(rev) +
    (rules === '' ? '' : `<upd:ApplicabilityRules>${rules}</upd:ApplicabilityRules>`) +
    files +
    handlerDataXml(rev, extras) +
    '</upd:Update>'
  );
}
