/**
 * The category and detectoid documents of the generated catalog, written like the captured ones:
 * brand-name categories carry their title in all 24 catalog languages, each category names its
 * parent through an `AtLeastOne IsCategory="true"` prerequisite (product → family → company), and
 * `HandlerSpecificData` holds `cat:CategoryInformation`.
 */
import type { StoredRevision, UpdateRevision } from '../catalog/model.ts';
import { writeUpdateDocument } from '../catalog/update-document-writer.ts';
import { type CategorySpec, categorySpecs, DETECTOIDS, type DetectoidSpec } from './category-tree.ts';
import { CATALOG_LANGUAGES } from './phrasebook.ts';

/** PublisherID of the captured Microsoft and Windows category documents. */
const CATEGORY_PUBLISHER = '42f20e12-2856-447d-a8b2-68f06c2e9b45';

function facts(id: string, revision: number, created: string): Omit<UpdateRevision, 'updateType' | 'localized'> {
  return {
    identity: { updateId: id, revisionNumber: revision },
    publicationState: 'Published',
    creationDate: created,
    defaultLanguage: 'en',
    kbArticleIds: [],
    securityBulletinIds: [],
    prerequisites: [],
    bundledUpdates: [],
    supersededUpdateIds: [],
    files: [],
    isFeatureUpdate: false,
  };
}

function categoryRevision(c: CategorySpec): StoredRevision {
  // Categories with a description of their own (like OOBE ZDP) are English only, as the real one is.
  const languages =
    c.description === undefined || c.categoryType === 'UpdateClassification' ? CATALOG_LANGUAGES : ['en'];
  const revision: UpdateRevision = {
    ...facts(c.id, c.revision, c.created),
    updateType: 'Category',
    localized: languages.map((language) => {
      const title = c.translations?.[language] ?? c.title;
      return { language, title, description: language === 'en' ? (c.description ?? c.title) : title };
    }),
    ...(c.categoryType === undefined ? {} : { categoryType: c.categoryType }),
    prerequisites: c.parentId === undefined ? [] : [{ updateIds: [c.parentId], isCategory: true, isAtLeastOne: true }],
  };
  const xml = writeUpdateDocument(revision, {
    publisherId: CATEGORY_PUBLISHER,
    category: {
      prohibitsSubcategories: c.categoryType === 'Product' || c.categoryType === 'UpdateClassification',
      prohibitsUpdates: c.categoryType !== 'Product' && c.categoryType !== 'UpdateClassification',
      ...(c.displayOrder === undefined ? {} : { displayOrder: c.displayOrder }),
      ...(c.excludedByDefault === undefined ? {} : { excludedByDefault: c.excludedByDefault }),
    },
  });
  return { revision, xml };
}

function detectoidRevision(d: DetectoidSpec): StoredRevision {
  const revision: UpdateRevision = {
    ...facts(d.id, 100, '2015-07-14T17:00:00.000Z'),
    updateType: 'Detectoid',
    localized: [{ language: 'en', title: d.title }],
  };
  return {
    revision,
    xml: writeUpdateDocument(revision, { publisherId: CATEGORY_PUBLISHER, applicabilityRules: d.rules }),
  };
}

/** Categories (parents first), then detectoids: the configuration part of the catalog. */
export function configurationRevisions(): StoredRevision[] {
  return [...categorySpecs().map(categoryRevision), ...Object.values(DETECTOIDS).map(detectoidRevision)];
}
