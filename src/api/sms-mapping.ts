/**
 * The store's summaries in ConfigMgr's vocabulary: SMS_SoftwareUpdate and SMS_UpdateCategoryInstance
 * field names, so admins and their scripts find the properties they know (CI_UniqueID, ArticleID,
 * IsSuperseded, CategoryInstance_UniqueIDs as `Product:<guid>` ...). Used by the API and the CLI.
 */
import type { SupSettings } from '../site/settings.ts';
import type { CategorySummary, UpdateSummary } from '../store/site-store.ts';

/**
 * Numeric Severity as ConfigMgr reports it (community-documented: Get-CMSoftwareUpdate output and
 * reporting views; Microsoft does not document the numbers).
 */
const SEVERITY: Readonly<Record<string, number>> = { critical: 10, important: 8, moderate: 6, low: 2 };

/** The MSRC severities the update filters accept. */
export const SEVERITY_NAMES = ['Critical', 'Important', 'Moderate', 'Low'] as const;

export interface SmsSoftwareUpdate {
  readonly CI_UniqueID: string;
  readonly CIType_ID: 1 | 8;
  readonly ArticleID: string;
  readonly ArticleIDs: readonly string[];
  readonly BulletinID: string;
  readonly BulletinIDs: readonly string[];
  readonly LocalizedDisplayName: string;
  readonly LocalizedDescription: string;
  readonly DatePosted: string;
  readonly DateRevised: string;
  readonly IsSuperseded: boolean;
  readonly IsExpired: boolean;
  readonly IsDeployed: boolean;
  readonly IsBundle: boolean;
  readonly IsFeatureUpdate: boolean;
  readonly Severity: number;
  readonly SeverityName: string;
  readonly RevisionNumber: number;
  readonly CategoryInstance_UniqueIDs: readonly string[];
  readonly SupersededBy: readonly string[];
  readonly ExpiredAt: string | null;
  readonly UpdateType: string;
  readonly PublicationState: string;
}

/** An update summary with SMS_SoftwareUpdate field names. */
export function toSmsSoftwareUpdate(u: UpdateSummary): SmsSoftwareUpdate {
  const severityName = u.msrcSeverity ?? 'None';
  return {
    CI_UniqueID: u.updateId,
    CIType_ID: u.isBundle ? 8 : 1,
    ArticleID: u.kbArticleIds[0] ?? '',
    ArticleIDs: u.kbArticleIds,
    BulletinID: u.bulletinIds[0] ?? '',
    BulletinIDs: u.bulletinIds,
    LocalizedDisplayName: u.title,
    LocalizedDescription: u.description ?? '',
    DatePosted: u.datePosted,
    DateRevised: u.dateRevised,
    IsSuperseded: u.isSuperseded,
    IsExpired: u.isExpired,
    IsDeployed: u.isDeployed,
    IsBundle: u.isBundle,
    IsFeatureUpdate: u.isFeatureUpdate,
    Severity: SEVERITY[severityName.toLowerCase()] ?? 0,
    SeverityName: severityName,
    RevisionNumber: u.revisionNumber,
    CategoryInstance_UniqueIDs: [
      ...u.productIds.map((id) => `Product:${id}`),
      ...u.classificationIds.map((id) => `UpdateClassification:${id}`),
    ],
    SupersededBy: u.supersededBy,
    ExpiredAt: u.expiredAt ?? null,
    UpdateType: u.updateType,
    PublicationState: u.publicationState,
  };
}

export interface SmsUpdateCategory {
  readonly CategoryInstance_UniqueID: string;
  readonly CategoryId: string;
  readonly CategoryTypeName: string;
  readonly LocalizedCategoryInstanceName: string;
  readonly ParentCategoryId: string | null;
  readonly AllowSubscription: boolean;
  readonly IsSubscribed: boolean;
  readonly RevisionNumber: number;
}

/** A category with SMS_UpdateCategoryInstance field names; IsSubscribed follows the settings. */
export function toSmsCategory(
  c: CategorySummary,
  settings: Pick<SupSettings, 'products' | 'classifications'>,
): SmsUpdateCategory {
  const type = c.categoryType ?? 'Other';
  const selection =
    type === 'Product' ? settings.products : type === 'UpdateClassification' ? settings.classifications : undefined;
  return {
    CategoryInstance_UniqueID: `${type}:${c.categoryId}`,
    CategoryId: c.categoryId,
    CategoryTypeName: type,
    LocalizedCategoryInstanceName: c.title,
    ParentCategoryId: c.parentId ?? null,
    // supsync subscribes by product and classification, as the SUP component does.
    AllowSubscription: selection !== undefined,
    IsSubscribed: selection !== undefined && (selection === 'all' || selection.includes(c.categoryId)),
    RevisionNumber: c.revisionNumber,
  };
}
