/**
 * The category tree of the generated catalog: Microsoft, product families, products, the
 * classifications and a few detectoids, the same for every seed.
 *
 * Real GUIDs, titles, revision numbers and creation dates are used where the captures or
 * ms-wsusss.md §3.10 give them (Microsoft, Windows, OOBE ZDP, Windows 11, Windows 10, Windows 10
 * version 1903 and later, the two server products, Windows XP, Microsoft Defender Antivirus, Visual
 * Studio 2017, every classification). Every other category gets a GUID derived from its name with
 * {@link namedGuid}: stable, but not Microsoft's, so nothing here claims a real id we do not know.
 */
import type { CategoryType } from '../catalog/model.ts';
import { CLASSIFICATIONS } from '../catalog/well-known.ts';
import { SupsyncError } from '../shared/errors.ts';
import { namedGuid } from './prng.ts';

export interface CategorySpec {
  readonly id: string;
  readonly title: string;
  /** Undefined for the untyped categories real catalogs also carry. */
  readonly categoryType: CategoryType | undefined;
  readonly parentId?: string;
  readonly revision: number;
  readonly created: string;
  readonly description?: string;
  readonly displayOrder?: number;
  readonly excludedByDefault?: boolean;
  /** Titles per language; languages not listed take the English title. */
  readonly translations?: Readonly<Record<string, string>>;
}

export interface DetectoidSpec {
  readonly id: string;
  readonly title: string;
  /** Inner XML of upd:ApplicabilityRules. */
  readonly rules: string;
}

/** Category ids the update streams refer to. */
export const CAT = Object.freeze({
  microsoft: '56309036-4c77-4dd9-951a-99ee9c246a94',
  windowsFamily: '6964aab4-c5b5-43bd-a17d-ffb4346a8e1d',
  officeFamily: namedGuid('family/Office'),
  devToolsFamily: namedGuid('family/Developer Tools, Runtimes, and Redistributables'),
  defenderFamily: namedGuid('family/Microsoft Defender'),
  sqlFamily: namedGuid('family/SQL Server'),
  windows11: '72e7624a-5b00-45d2-b92f-e561c0a6a160',
  windows10: 'a3c2375d-0c8a-42f9-bce0-28333e198407',
  windows10v1903: 'b3c75dc1-155f-4be4-b015-3f1a91758e52',
  server24h2: 'b256987d-4693-4c87-955d-dbb9341205eb',
  server21h2: '71718f13-7324-4b0f-8f9e-2ca9dc978e53',
  windowsXp: '558f4bc3-4827-49e1-accf-ea79fd72d4c9',
  oobeZdp: 'dd78b8a1-0b20-45c1-add6-4da72e9364cf',
  drivers10: namedGuid('product/Windows 10 and later drivers'),
  drivers11: namedGuid('product/Windows 11 Client, version 24H2 and later, Servicing Drivers'),
  defender: '8c3fcc84-7410-4a95-8b89-a166a0190486',
  office2016: namedGuid('product/Office 2016'),
  office2013: namedGuid('product/Office 2013'),
  vs2017: '682005f1-54fd-440f-b3b3-b9c652351d01',
  vs2019: namedGuid('product/Visual Studio 2019'),
  vs2022: namedGuid('product/Visual Studio 2022'),
  sql2019: namedGuid('product/Microsoft SQL Server 2019'),
  sql2022: namedGuid('product/Microsoft SQL Server 2022'),
});

const byTitle = (title: string): string => {
  const c = CLASSIFICATIONS.find((x) => x.title === title);
  if (c === undefined) throw new SupsyncError('INTERNAL', `well-known.ts lists no classification ${title}`);
  return c.id;
};

/** Classification ids by role. */
export const CLS = Object.freeze({
  security: byTitle('Security Updates'),
  critical: byTitle('Critical Updates'),
  definitions: byTitle('Definition Updates'),
  updates: byTitle('Updates'),
  rollups: byTitle('Update Rollups'),
  upgrades: byTitle('Upgrades'),
  drivers: byTitle('Drivers'),
  tools: byTitle('Tools'),
  featurePacks: byTitle('Feature Packs'),
});

/** Revision numbers the captured category list (exchange 000006) shows as latest. */
const CAPTURED_REVISION: Readonly<Record<string, number>> = {
  '77835c8d-62a7-41f5-82ad-f28d1af1e3b1': 1,
  '558f4bc3-4827-49e1-accf-ea79fd72d4c9': 102,
};

const CLASSIFICATION_TRANSLATIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'Critical Updates': {
    de: 'Kritische Updates',
    fr: 'Mises à jour critiques',
    es: 'Actualizaciones críticas',
    ja: '重要な更新',
  },
  'Definition Updates': {
    de: 'Definitionsupdates',
    fr: 'Mises à jour de la définition',
    es: 'Actualizaciones de definiciones',
    ja: '定義更新',
  },
  'Security Updates': {
    de: 'Sicherheitsupdates',
    fr: 'Mises à jour de la sécurité',
    es: 'Actualizaciones de seguridad',
    ja: 'セキュリティ更新プログラム',
  },
  Updates: { de: 'Updates', fr: 'Mises à jour', es: 'Actualizaciones', ja: '更新' },
  Upgrades: { de: 'Upgrades', fr: 'Mises à niveau', es: 'Actualizaciones de versión', ja: 'アップグレード' },
  Drivers: { de: 'Treiber', fr: 'Pilotes', es: 'Controladores', ja: 'ドライバー' },
  Tools: { de: 'Tools', fr: 'Outils', es: 'Herramientas', ja: 'ツール' },
};

function classificationSpecs(): CategorySpec[] {
  return CLASSIFICATIONS.map((c, i) => ({
    id: c.id,
    title: c.title,
    categoryType: 'UpdateClassification' as const,
    revision: CAPTURED_REVISION[c.id] ?? 100,
    created: new Date(Date.UTC(2004, 4, 15 + i, 5, 50, i)).toISOString(),
    description: c.legacy === true ? `${c.title} (no longer used for new updates)` : c.title,
    displayOrder: i + 1,
    ...(CLASSIFICATION_TRANSLATIONS[c.title] === undefined
      ? {}
      : { translations: CLASSIFICATION_TRANSLATIONS[c.title] }),
  }));
}

const product = (
  id: string,
  title: string,
  parentId: string,
  created: string,
  extra: Partial<CategorySpec> = {},
): CategorySpec => ({ id, title, categoryType: 'Product', parentId, revision: 200, created, ...extra });

/** Every category of the generated catalog, parents before children. */
export function categorySpecs(): CategorySpec[] {
  const family = (id: string, title: string, created: string, displayOrder: number): CategorySpec => ({
    id,
    title,
    categoryType: 'ProductFamily',
    parentId: CAT.microsoft,
    revision: 100,
    created,
    displayOrder,
  });
  return [
    {
      id: CAT.microsoft,
      title: 'Microsoft',
      categoryType: 'Company',
      revision: 101,
      created: '2005-09-22T00:05:11.471Z',
      displayOrder: 1,
    },
    family(CAT.windowsFamily, 'Windows', '2004-05-15T05:50:01.611Z', 2),
    family(CAT.officeFamily, 'Office', '2004-05-15T05:51:12.300Z', 3),
    family(CAT.devToolsFamily, 'Developer Tools, Runtimes, and Redistributables', '2007-07-10T18:22:41.105Z', 4),
    family(CAT.defenderFamily, 'Microsoft Defender', '2019-10-08T17:02:11.870Z', 5),
    family(CAT.sqlFamily, 'SQL Server', '2006-01-12T20:44:03.007Z', 6),
    product(CAT.windows11, 'Windows 11', CAT.windowsFamily, '2021-06-24T16:00:00.000Z'),
    product(CAT.windows10, 'Windows 10', CAT.windowsFamily, '2015-07-29T17:00:00.000Z'),
    product(CAT.windows10v1903, 'Windows 10, version 1903 and later', CAT.windowsFamily, '2019-05-21T17:00:00.000Z'),
    product(CAT.server24h2, 'Microsoft Server Operating System-24H2', CAT.windowsFamily, '2024-10-01T17:00:00.000Z'),
    product(CAT.server21h2, 'Microsoft Server operating system-21H2', CAT.windowsFamily, '2021-08-18T17:00:00.000Z'),
    { ...product(CAT.windowsXp, 'Windows XP', CAT.windowsFamily, '2004-05-15T05:55:00.000Z'), revision: 102 },
    {
      ...product(CAT.oobeZdp, 'OOBE ZDP', CAT.windowsFamily, '2015-08-25T20:09:50.002Z'),
      revision: 202,
      description: 'This category would be used by the updates that would meet the ZDP bar.',
      excludedByDefault: true,
    },
    product(CAT.drivers10, 'Windows 10 and later drivers', CAT.windowsFamily, '2016-03-08T18:30:00.000Z'),
    product(
      CAT.drivers11,
      'Windows 11 Client, version 24H2 and later, Servicing Drivers',
      CAT.windowsFamily,
      '2024-09-10T18:30:00.000Z',
    ),
    product(CAT.defender, 'Microsoft Defender Antivirus', CAT.defenderFamily, '2019-10-08T17:05:33.412Z'),
    product(CAT.office2016, 'Office 2016', CAT.officeFamily, '2015-09-22T17:00:00.000Z'),
    product(CAT.office2013, 'Office 2013', CAT.officeFamily, '2013-01-29T17:00:00.000Z'),
    product(CAT.vs2017, 'Visual Studio 2017', CAT.devToolsFamily, '2017-03-07T17:00:00.000Z'),
    product(CAT.vs2019, 'Visual Studio 2019', CAT.devToolsFamily, '2019-04-02T17:00:00.000Z'),
    product(CAT.vs2022, 'Visual Studio 2022', CAT.devToolsFamily, '2021-11-08T17:00:00.000Z'),
    product(CAT.sql2019, 'Microsoft SQL Server 2019', CAT.sqlFamily, '2019-11-04T17:00:00.000Z'),
    product(CAT.sql2022, 'Microsoft SQL Server 2022', CAT.sqlFamily, '2022-11-16T17:00:00.000Z'),
    {
      // Real catalogs hold hundreds of categories without CategoryType (ms-wsusss.md §3.9).
      id: namedGuid('category/Windows Update Agent Components'),
      title: 'Windows Update Agent Components',
      categoryType: undefined,
      parentId: CAT.windowsFamily,
      revision: 100,
      created: '2012-03-13T17:00:00.000Z',
    },
    ...classificationSpecs(),
  ];
}

const arch = (name: string, processor: number): DetectoidSpec => ({
  id: namedGuid(`detectoid/${name}-based systems`),
  title: `${name}-based systems`,
  rules: `<upd:IsInstalled><bar:Processor Architecture="${processor}" /></upd:IsInstalled>`,
});

const installed = (title: string, key: string): DetectoidSpec => ({
  id: namedGuid(`detectoid/${title}`),
  title,
  rules: `<upd:IsInstalled><bar:RegKeyExists Key="HKEY_LOCAL_MACHINE" Subkey="${key}" /></upd:IsInstalled>`,
});

/** Detectoids: prerequisites of the generated leaves, as the real ones name architectures and installs. */
export const DETECTOIDS = Object.freeze({
  x64: arch('x64', 9),
  x86: arch('x86', 0),
  arm64: arch('ARM64', 12),
  defender: installed('Microsoft Defender Antivirus is installed', 'SOFTWARE\\Microsoft\\Windows Defender'),
  office: installed('Microsoft Office is installed', 'SOFTWARE\\Microsoft\\Office'),
  visualStudio: installed('Visual Studio is installed', 'SOFTWARE\\Microsoft\\VisualStudio'),
  sqlServer: installed('SQL Server is installed', 'SOFTWARE\\Microsoft\\Microsoft SQL Server'),
  dotnet: installed('.NET Framework 4.8.1 is installed', 'SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full'),
});

export type Arch = 'x64' | 'x86' | 'arm64';
