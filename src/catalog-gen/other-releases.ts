/**
 * Releases outside the Windows Patch Tuesday set: Microsoft Defender definition updates (several a
 * day, each superseding the three before it, as bundle + leaves like KB2267602), Office, Visual
 * Studio and SQL Server updates, and drivers.
 */

import { definitionVersion, kbNumber, monthIndex, nthTuesday, patchTuesday } from './calendar.ts';
import { type Arch, CAT, CLS, DETECTOIDS } from './category-tree.ts';
import { phrase } from './phrasebook.ts';
import type { Prng } from './prng.ts';
import { type LeafSpec, type PlannedRelease, PUBLISHER, type ReleaseSpec } from './release-builder.ts';

const MB = 1_048_576;
const SIGNATURES = 'SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates';

/** Definition leaves in the order a release includes them (at most six). */
const DEFINITION_PACKAGES: readonly { readonly arch: Arch; readonly fre: string; readonly full: boolean }[] = [
  { arch: 'x64', fre: 'amd64', full: false },
  { arch: 'x86', fre: 'x86', full: false },
  { arch: 'arm64', fre: 'arm64', full: false },
  { arch: 'x64', fre: 'amd64', full: true },
  { arch: 'x86', fre: 'x86', full: true },
  { arch: 'arm64', fre: 'arm64', full: true },
];

/** Leaves a definition release may carry. */
export const MAX_DEFINITION_LEAVES = DEFINITION_PACKAGES.length;

/** A Security Intelligence update released at `at` with `leafCount` leaves (1 to 6). */
export function definitionRelease(at: Date, leafCount: number, rng: Prng): PlannedRelease {
  const version = definitionVersion(at);
  const leaves = DEFINITION_PACKAGES.slice(0, leafCount).map(
    (p): LeafSpec => ({
      title: p.full
        ? `Full Package ${version} for Defender ${p.fre}fre Broad`
        : `Full Deltas ${version} for Defender ${p.fre}fre [Ring0, Ring1, Ring2, Ring3, Ring4, Broad, Delayed]`,
      detectoids: [DETECTOIDS[p.arch].id, DETECTOIDS.defender.id],
      fileName: p.full ? 'mpam-fe.exe' : 'AM_Delta.exe',
      size: p.full ? rng.between(120, 170) * MB : rng.between(9_000_000, 16_000_000),
      rules: `<upd:IsInstalled><bar:FileVersionPrependRegSz Path="${p.full ? 'mpavbase.vdm' : 'mpasdlta.vdm'}" Comparison="GreaterThanOrEqualTo" Version="${version}" Key="HKEY_LOCAL_MACHINE" Subkey="${SIGNATURES}" Value="SignatureLocation" /></upd:IsInstalled>`,
      installArguments: 'WD /q',
    }),
  );
  const spec: ReleaseSpec = {
    phrase: 'definitions',
    values: { kb: '2267602', version },
    blurb: 'definitions',
    multilingual: true,
    productIds: [CAT.defender],
    classificationId: CLS.definitions,
    kb: '2267602',
    publisherId: PUBLISHER.defender,
    // Publishers expire a definition once four newer ones exist (configmgr-sup.md §3.1).
    supersedesLast: 3,
    leaves,
  };
  return { at, size: 1 + leaves.length, spec };
}

interface AppSeries {
  readonly product: string;
  readonly name: (month: Date) => string;
  readonly editions: readonly string[];
  readonly detectoid: string;
  readonly file: string;
}

const OFFICE_APPS = [
  'Word',
  'Excel',
  'Outlook',
  'PowerPoint',
  'Office',
  'Access',
  'Publisher',
  'Visio',
  'Project',
  'OneNote',
];

const APPS: readonly AppSeries[] = [
  ...OFFICE_APPS.flatMap((app) =>
    [2016, 2013].map((v) => ({
      product: v === 2016 ? CAT.office2016 : CAT.office2013,
      name: () => `Microsoft ${app} ${v}`,
      editions: [' 32-Bit Edition', ' 64-Bit Edition'],
      detectoid: DETECTOIDS.office.id,
      file: `${app.toLowerCase()}${v}-kb{kb}-fullfile-{bits}-glb.exe`,
    })),
  ),
  {
    product: CAT.vs2017,
    name: () => 'Microsoft Visual Studio 2017 version 15.9',
    editions: [''],
    detectoid: DETECTOIDS.visualStudio.id,
    file: 'vs2017-kb{kb}.exe',
  },
  {
    product: CAT.vs2019,
    name: () => 'Microsoft Visual Studio 2019 version 16.11',
    editions: [''],
    detectoid: DETECTOIDS.visualStudio.id,
    file: 'vs2019-kb{kb}.exe',
  },
  {
    product: CAT.vs2022,
    name: (m) => `Microsoft Visual Studio 2022 version 17.${8 + (monthIndex(m) % 7)}`,
    editions: [''],
    detectoid: DETECTOIDS.visualStudio.id,
    file: 'vs2022-kb{kb}.exe',
  },
  ...[CAT.sql2019, CAT.sql2022].flatMap((product, i) =>
    ['CU', 'GDR'].map((track) => ({
      product,
      name: () => `SQL Server ${2019 + i * 3} RTM ${track}`,
      editions: [''],
      detectoid: DETECTOIDS.sqlServer.id,
      file: `sqlserver${2019 + i * 3}-kb{kb}-x64.exe`,
    })),
  ),
];

const SEVERITIES = ['Important', 'Important', 'Important', 'Critical', 'Moderate', 'Low'];

/** The `i`-th Office / Visual Studio / SQL Server release of `month`. */
export function appRelease(month: Date, i: number, rng: Prng): PlannedRelease {
  const series = APPS[(i * 7 + monthIndex(month)) % APPS.length] ?? (APPS[0] as AppSeries);
  const edition = rng.pick(series.editions);
  const security = rng.chance(0.7);
  const kb = kbNumber(month, 100 + i);
  const values = { product: series.name(month), kb };
  const kind = security ? 'security' : 'update';
  const spec: ReleaseSpec = {
    phrase: kind,
    values,
    suffix: edition,
    blurb: kind,
    multilingual: true,
    productIds: [series.product],
    classificationId: security ? CLS.security : rng.chance(0.8) ? CLS.updates : CLS.critical,
    ...(security ? { severity: rng.pick(SEVERITIES) } : {}),
    kb,
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [
      {
        title: phrase('en', kind, values) + edition,
        detectoids: [edition.includes('64') ? DETECTOIDS.x64.id : DETECTOIDS.x86.id, series.detectoid],
        fileName: series.file.replace('{kb}', kb).replace('{bits}', edition.includes('64') ? 'x64' : 'x86'),
        size: rng.between(2, 90) * MB,
        rules: `<upd:IsInstalled><bar:RegSz Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Updates\\KB${kb}" Value="Installed" Comparison="EqualTo" Data="1" /></upd:IsInstalled>`,
        installArguments: '/quiet /norestart',
      },
    ],
  };
  return { at: security ? patchTuesday(month) : nthTuesday(month, 1), size: 2, spec };
}

const DRIVERS = [
  { vendor: 'Intel Corporation', cls: 'Display', hwid: 'PCI\\VEN_8086&amp;DEV_A7A0', major: '31.0.101' },
  { vendor: 'Intel Corporation', cls: 'System', hwid: 'PCI\\VEN_8086&amp;DEV_7A24', major: '10.1.19' },
  {
    vendor: 'Realtek Semiconductor Corp.',
    cls: 'Audio',
    hwid: 'HDAUDIO\\FUNC_01&amp;VEN_10EC&amp;DEV_0257',
    major: '6.0.9',
  },
  { vendor: 'Advanced Micro Devices, Inc.', cls: 'Display', hwid: 'PCI\\VEN_1002&amp;DEV_1681', major: '31.0.21' },
  { vendor: 'Qualcomm Technologies, Inc.', cls: 'Net', hwid: 'PCI\\VEN_17CB&amp;DEV_1103', major: '3.1.0' },
  { vendor: 'Synaptics', cls: 'Mouse', hwid: 'ACPI\\SYN1B7F', major: '19.5.35' },
];

/** The `i`-th driver of `month`: a standalone Driver update (UpdateType Driver, classification Drivers). */
export function driverRelease(month: Date, i: number, rng: Prng): PlannedRelease {
  const d = DRIVERS[i % DRIVERS.length] ?? (DRIVERS[0] as (typeof DRIVERS)[0]);
  const version = `${d.major}.${monthIndex(month) * 10 + (i % 10)}`;
  const product = i % 2 === 0 ? CAT.drivers11 : CAT.drivers10;
  const values = { product: `${d.vendor} - ${d.cls}`, version };
  const spec: ReleaseSpec = {
    phrase: 'driver',
    values,
    multilingual: false,
    productIds: [product],
    classificationId: CLS.drivers,
    updateType: 'Driver',
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [
      {
        title: phrase('en', 'driver', values),
        detectoids: [DETECTOIDS.x64.id],
        fileName: `${d.cls.toLowerCase()}_{sha1}.cab`,
        size: rng.between(100_000, 60 * MB),
        rules: `<upd:Metadata><drv:WindowsDriverMetaData HardwareID="${d.hwid}" Manufacturer="${d.vendor}" Company="${d.vendor}" Provider="${d.vendor}" DriverVerDate="${month.toISOString().slice(0, 10)}" DriverVerVersion="${version}" Class="${d.cls}" /></upd:Metadata>`,
      },
    ],
  };
  return { at: new Date(month.getTime() + rng.int(28) * 86_400_000 + rng.int(86_400_000)), size: 1, spec };
}
