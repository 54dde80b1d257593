/**
 * Windows releases between Patch Tuesdays (cumulative update previews, dynamic updates, servicing
 * stack updates) and feature update refreshes (classification Upgrades, one ESD leaf per bundle).
 */
import { kbNumber, nthTuesday, patchTuesday, windows11Version, yearMonth } from './calendar.ts';
import { type Arch, CAT, CLS, DETECTOIDS } from './category-tree.ts';
import { phrase } from './phrasebook.ts';
import type { Prng } from './prng.ts';
import { type PlannedRelease, PUBLISHER, type ReleaseSpec } from './release-builder.ts';
import {
  ARCH_TITLE,
  fileStem,
  isActive,
  WINDOWS,
  type WindowsProduct,
  windows10Version,
  windowsRules,
} from './windows-releases.ts';

const MB = 1_048_576;

const EXTRA_KINDS = [
  { phrase: 'preview', classificationId: CLS.updates, week: 4, blurb: 'update' },
  { phrase: 'dynamic', classificationId: CLS.critical, week: 4, blurb: 'update' },
  { phrase: 'ssu', classificationId: CLS.security, week: 2, blurb: 'security' },
] as const;

/** The `i`-th Windows release between Patch Tuesdays of `month` (previews, dynamic and stack updates). */
export function windowsExtraRelease(month: Date, i: number, rng: Prng): PlannedRelease {
  const series = WINDOWS.filter((p) => isActive(p, month)).flatMap((p) => p.archs.map((arch) => ({ p, arch })));
  const kind = EXTRA_KINDS[i % EXTRA_KINDS.length] ?? EXTRA_KINDS[0];
  const { p, arch } = series[Math.floor(i / EXTRA_KINDS.length) % Math.max(1, series.length)] ?? {
    p: WINDOWS[2] as WindowsProduct,
    arch: 'x64' as const,
  };
  const kb = kbNumber(month, 40 + (i % 60));
  const values = { ym: yearMonth(month), product: p.name(month), arch: ARCH_TITLE[arch], kb };
  const spec: ReleaseSpec = {
    phrase: kind.phrase,
    values,
    blurb: kind.blurb,
    multilingual: true,
    productIds: [p.id],
    classificationId: kind.classificationId,
    ...(kind.phrase === 'ssu' ? { severity: 'Important' } : {}),
    kb,
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [
      {
        title: phrase('en', kind.phrase, values),
        detectoids: [DETECTOIDS[arch].id],
        fileName: `${fileStem(p)}-kb${kb}-${arch}_{sha1}.${kind.phrase === 'dynamic' ? 'cab' : 'msu'}`,
        size: rng.between(5, 400) * MB,
        rules: windowsRules(p.build, kb),
      },
    ],
  };
  return { at: nthTuesday(month, kind.week), size: 2, spec };
}

const FEATURE_LANGUAGES = ['en-us', 'de-de', 'fr-fr', 'ja-jp', 'es-es', 'zh-cn', 'pt-br', 'it-it'];
interface FeatureEdition {
  readonly id: string;
  readonly name: string;
  readonly arch: Arch;
  readonly since: string;
  readonly version: (d: Date) => string;
}

const FEATURE_EDITIONS: readonly FeatureEdition[] = [
  {
    id: CAT.windows10v1903,
    name: 'Windows 10 (business editions)',
    arch: 'x64',
    since: '2019-06',
    version: windows10Version,
  },
  {
    id: CAT.windows11,
    name: 'Windows 11 (business editions)',
    arch: 'x64',
    since: '2021-10',
    version: windows11Version,
  },
  {
    id: CAT.windows11,
    name: 'Windows 11 (consumer editions)',
    arch: 'x64',
    since: '2021-10',
    version: windows11Version,
  },
  {
    id: CAT.windows11,
    name: 'Windows 11 (business editions)',
    arch: 'arm64',
    since: '2021-10',
    version: windows11Version,
  },
];

/** The `i`-th feature update refresh of `month` (classification Upgrades): a bundle with one ESD leaf. */
export function featureRelease(month: Date, i: number, rng: Prng): PlannedRelease {
  const editions = FEATURE_EDITIONS.filter((e) => yearMonth(month) >= e.since);
  const edition = editions[i % editions.length] ?? (FEATURE_EDITIONS[0] as FeatureEdition);
  const language = FEATURE_LANGUAGES[Math.floor(i / editions.length) % FEATURE_LANGUAGES.length] ?? 'en-us';
  const version = edition.version(month);
  const values = {
    ym: yearMonth(month),
    product: edition.name,
    version,
    arch: `${language} ${ARCH_TITLE[edition.arch]}`,
  };
  const spec: ReleaseSpec = {
    phrase: 'feature',
    values,
    blurb: 'feature',
    multilingual: true,
    productIds: [edition.id],
    classificationId: CLS.upgrades,
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [
      {
        title: phrase('en', 'feature', values),
        detectoids: [DETECTOIDS[edition.arch].id],
        fileName: `${language}_${edition.name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_${version.toLowerCase()}_${edition.arch}_{sha1}.esd`,
        size: rng.between(3_200, 5_600) * MB,
        rules:
          '<upd:IsInstallable><bar:WindowsVersion Comparison="LessThan" MajorVersion="10" MinorVersion="0" BuildNumber="26100" /></upd:IsInstallable>',
      },
    ],
  };
  return { at: patchTuesday(month), size: 2, spec };
}
