/**
 * Reads an MS-WSUSSS update metadata document (ms-wsusss.md §3) into the facts of
 * {@link UpdateRevision}, in one namespace-aware saxes pass without building a tree: a sync reads
 * tens of thousands of these, so the reader keeps a stack of small context codes and nothing else.
 *
 * Elements are recognised by namespace URI and local name only. Real documents repeat their
 * declarations on nested elements and a server may choose other prefixes, so prefixes mean nothing.
 * The caller keeps the original text; nothing here changes it.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { SupsyncError } from '../shared/errors.ts';
import type {
  CategoryType,
  LocalizedProperties,
  PrerequisiteClause,
  UpdateFile,
  UpdateIdentity,
  UpdateRevision,
  UpdateType,
} from './model.ts';
import { isGuid, normalizeGuid } from './model.ts';
import { NS } from './update-namespaces.ts';
import { UPGRADES_CLASSIFICATION } from './well-known.ts';

export { type UpdateDocumentExtras, writeUpdateDocument } from './update-document-writer.ts';

// Where the reader is. Children of SKIP are SKIP, so unknown subtrees (applicability rules,
// handler data, EULA links) cost one array push per element and nothing else.
const SKIP = 0;
const DOC = 1;
const UPDATE = 2;
const PROPS = 3;
const KB = 4;
const BULLETIN = 5;
const LOCALIZED_COLLECTION = 6;
const LOCALIZED = 7;
const LANGUAGE = 8;
const TITLE = 9;
const DESCRIPTION = 10;
const RELATIONSHIPS = 11;
const PREREQUISITES = 12;
const PREREQUISITE_GROUP = 13;
const BUNDLED = 14;
const BUNDLED_GROUP = 15;
const SUPERSEDED = 16;
const FILES = 17;
const FILE = 18;
const SHA256 = 19;
const HANDLER = 20;

const UPDATE_TYPES: ReadonlySet<string> = new Set<UpdateType>(['Software', 'Driver', 'Category', 'Detectoid']);
const CATEGORY_TYPES: ReadonlySet<string> = new Set<CategoryType>([
  'Company',
  'ProductFamily',
  'Product',
  'UpdateClassification',
]);

function invalid(message: string): SupsyncError {
  return new SupsyncError('UPDATE_XML_INVALID', `update metadata document: ${message}`);
}

const isTrue = (v: string | undefined) => v === 'true' || v === '1';

function attr(tag: SaxesTagNS, name: string): string | undefined {
  // Unprefixed attributes have no namespace and are keyed by their plain name.
  return tag.attributes[name]?.value;
}

function guidAttr(tag: SaxesTagNS, name: string): string {
  const raw = attr(tag, name);
  const id = raw === undefined ? '' : normalizeGuid(raw);
  if (!isGuid(id)) throw invalid(`${tag.local}/@${name} is not a GUID: ${JSON.stringify(raw ?? null)}`);
  return id;
}

function intAttr(tag: SaxesTagNS, name: string): number {
  const raw = attr(tag, name);
  if (raw === undefined || !/^\s*\d{1,15}\s*$/.test(raw)) {
    throw invalid(`${tag.local}/@${name} is not a non-negative integer: ${JSON.stringify(raw ?? null)}`);
  }
  return Number(raw);
}

function identityOf(tag: SaxesTagNS): UpdateIdentity {
  return { updateId: guidAttr(tag, 'UpdateID'), revisionNumber: intAttr(tag, 'RevisionNumber') };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Collects facts while the parser walks the document. */
class Reader {
  readonly stack: number[] = [DOC];
  text = '';
  identity: UpdateIdentity | undefined;
  props: Record<string, string | undefined> | undefined;
  readonly kbArticleIds: string[] = [];
  readonly securityBulletinIds: string[] = [];
  readonly localized: LocalizedProperties[] = [];
  local: Mutable<LocalizedProperties> = { language: '', title: '' };
  readonly prerequisites: PrerequisiteClause[] = [];
  group: { ids: string[]; isCategory: boolean } = { ids: [], isCategory: false };
  readonly bundledUpdates: UpdateIdentity[] = [];
  readonly supersededUpdateIds: string[] = [];
  readonly files: UpdateFile[] = [];
  file: Mutable<UpdateFile> = { fileName: '', size: 0, digestSha1: '' };
  categoryType: CategoryType | undefined;

  open(tag: SaxesTagNS): void {
    const parent = this.stack[this.stack.length - 1] ?? SKIP;
    const context = parent === SKIP ? SKIP : this.enter(parent, tag);
    if (context >= KB && context <= DESCRIPTION) this.text = '';
    if (context === SHA256) this.text = '';
    this.stack.push(context);
  }

  /** Decides the context of a child of `parent` and reads its attributes. */
  private enter(parent: number, tag: SaxesTagNS): number {
    if (parent === DOC) {
      if (tag.uri !== NS.upd || tag.local !== 'Update') throw invalid(`root element is {${tag.uri}}${tag.local}`);
      return UPDATE;
    }
    if (parent === HANDLER) {
      if (tag.uri === NS.cat && tag.local === 'CategoryInformation') {
        const type = attr(tag, 'CategoryType');
        // Hundreds of real categories carry no CategoryType (ms-wsusss.md §3.9): not an error.
        if (type !== undefined && CATEGORY_TYPES.has(type)) this.categoryType = type as CategoryType;
      }
      return SKIP;
    }
    if (tag.uri !== NS.upd) return SKIP;
    switch (parent) {
      case UPDATE:
        return this.enterTop(tag);
      case PROPS:
        return tag.local === 'KBArticleID' ? KB : tag.local === 'SecurityBulletinID' ? BULLETIN : SKIP;
      case LOCALIZED_COLLECTION:
        if (tag.local !== 'LocalizedProperties') return SKIP;
        this.local = { language: '', title: '' };
        return LOCALIZED;
      case LOCALIZED:
        return tag.local === 'Language'
          ? LANGUAGE
          : tag.local === 'Title'
            ? TITLE
            : tag.local === 'Description'
              ? DESCRIPTION
              : SKIP;
      case RELATIONSHIPS:
        return tag.local === 'Prerequisites'
          ? PREREQUISITES
          : tag.local === 'BundledUpdates'
            ? BUNDLED
            : tag.local === 'SupersededUpdates'
              ? SUPERSEDED
              : SKIP;
      case PREREQUISITES:
        if (tag.local === 'UpdateIdentity') {
          this.prerequisites.push({ updateIds: [guidAttr(tag, 'UpdateID')], isCategory: false, isAtLeastOne: false });
          return SKIP;
        }
        if (tag.local !== 'AtLeastOne') return SKIP;
        this.group = { ids: [], isCategory: isTrue(attr(tag, 'IsCategory')) };
        return PREREQUISITE_GROUP;
      case PREREQUISITE_GROUP:
        if (tag.local === 'UpdateIdentity') this.group.ids.push(guidAttr(tag, 'UpdateID'));
        return SKIP;
      case BUNDLED:
      case BUNDLED_GROUP:
        if (tag.local === 'UpdateIdentity') this.bundledUpdates.push(identityOf(tag));
        return parent === BUNDLED && tag.local === 'AtLeastOne' ? BUNDLED_GROUP : SKIP;
      case SUPERSEDED:
        if (tag.local === 'UpdateIdentity') this.supersededUpdateIds.push(guidAttr(tag, 'UpdateID'));
        return SKIP;
      case FILES:
        if (tag.local !== 'File') return SKIP;
        this.file = {
          fileName: attr(tag, 'FileName') ?? '',
          size: intAttr(tag, 'Size'),
          digestSha1: attr(tag, 'Digest') ?? '',
        };
        if (this.file.fileName === '' || this.file.digestSha1 === '')
          throw invalid('upd:File without FileName or Digest');
        if (attr(tag, 'Modified') !== undefined) this.file.modified = attr(tag, 'Modified') as string;
        return FILE;
      case FILE:
        return tag.local === 'AdditionalDigest' && attr(tag, 'Algorithm') === 'SHA256' ? SHA256 : SKIP;
      default:
        return SKIP;
    }
  }

  private enterTop(tag: SaxesTagNS): number {
    switch (tag.local) {
      case 'UpdateIdentity':
        this.identity ??= identityOf(tag);
        return SKIP;
      case 'Properties':
        if (this.props !== undefined) return SKIP;
        this.props = {};
        for (const [name, a] of Object.entries(tag.attributes)) if (a.uri === '') this.props[name] = a.value;
        return PROPS;
      case 'LocalizedPropertiesCollection':
        return LOCALIZED_COLLECTION;
      case 'Relationships':
        return RELATIONSHIPS;
      case 'Files':
        return FILES;
      case 'HandlerSpecificData':
        return HANDLER;
      default:
        return SKIP;
    }
  }

  close(): void {
    const context = this.stack.pop();
    switch (context) {
      case KB:
        this.kbArticleIds.push(this.text.trim());
        break;
      case BULLETIN:
        this.securityBulletinIds.push(this.text.trim());
        break;
      case LANGUAGE:
        this.local.language = this.text.trim();
        break;
      case TITLE:
        this.local.title = this.text;
        break;
      case DESCRIPTION:
        this.local.description = this.text;
        break;
      case LOCALIZED:
        this.localized.push(this.local);
        break;
      case PREREQUISITE_GROUP:
        this.prerequisites.push({ updateIds: this.group.ids, isCategory: this.group.isCategory, isAtLeastOne: true });
        break;
      case SHA256:
        this.file.digestSha256 = this.text.trim();
        break;
      case FILE:
        this.files.push(this.file);
        break;
    }
  }

  onText(text: string): void {
    const context = this.stack[this.stack.length - 1] ?? SKIP;
    if ((context >= KB && context <= DESCRIPTION) || context === SHA256) this.text += text;
  }

  result(): UpdateRevision {
    if (this.identity === undefined) throw invalid('no upd:UpdateIdentity');
    if (this.props === undefined) throw invalid('no upd:Properties');
    const p = this.props;
    const updateType = p.UpdateType;
    if (updateType === undefined) throw invalid('upd:Properties has no UpdateType');
    if (!UPDATE_TYPES.has(updateType)) throw invalid(`unknown UpdateType ${JSON.stringify(updateType)}`);
    const isFeatureUpdate =
      isTrue(p.IsFeatureUpdate) ||
      isTrue(p.OSUpgrade) ||
      this.prerequisites.some((c) => c.updateIds.includes(UPGRADES_CLASSIFICATION));
    return {
      identity: this.identity,
      updateType: updateType as UpdateType,
      publicationState: p.PublicationState ?? 'Published',
      creationDate: p.CreationDate ?? '',
      ...(p.DefaultPropertiesLanguage === undefined ? {} : { defaultLanguage: p.DefaultPropertiesLanguage }),
      ...(p.MsrcSeverity === undefined ? {} : { msrcSeverity: p.MsrcSeverity }),
      kbArticleIds: this.kbArticleIds,
      securityBulletinIds: this.securityBulletinIds,
      localized: this.localized,
      ...(this.categoryType === undefined ? {} : { categoryType: this.categoryType }),
      prerequisites: this.prerequisites,
      bundledUpdates: this.bundledUpdates,
      supersededUpdateIds: this.supersededUpdateIds,
      files: this.files,
      isFeatureUpdate,
    };
  }
}

/**
 * Parses one update metadata document.
 * @throws SupsyncError `XML_DTD_FORBIDDEN` for a DOCTYPE (entities are never expanded),
 *   `XML_MALFORMED` for text that is not well-formed XML, `UPDATE_XML_INVALID` when the root is not
 *   `upd:Update` or UpdateIdentity, Properties or UpdateType is missing or a field is malformed.
 */
export function parseUpdateDocument(xml: string): UpdateRevision {
  const reader = new Reader();
  const parser = new SaxesParser({ xmlns: true, position: false });
  parser.on('doctype', () => {
    throw new SupsyncError('XML_DTD_FORBIDDEN', 'update metadata document carries a DOCTYPE; refused');
  });
  parser.on('opentag', (tag) => reader.open(tag));
  parser.on('closetag', () => reader.close());
  parser.on('text', (text) => reader.onText(text));
  parser.on('cdata', (text) => reader.onText(text));
  try {
    // A leading BOM is not part of the document; saxes would call it text before the root.
    parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  } catch (err) {
    if (err instanceof SupsyncError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new SupsyncError('XML_MALFORMED', `update metadata document is not well-formed XML: ${message}`, {
      cause: err,
    });
  }
  return reader.result();
}
