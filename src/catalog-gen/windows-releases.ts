/**
 * What Patch Tuesday brings for Windows, month by month: a cumulative update per product and
 * architecture (each superseding the previous month's of its series), .NET Framework cumulative
 * updates, the Malicious Software Removal Tool, and the monthly hidden Defender engine bundle.
 */

import {
  engineVersion,
  kbNumber,
  msrtVersion,
  nthTuesday,
  patchTuesday,
  windows11Version,
  yearMonth,
} from './calendar.ts';
import { type Arch, CAT, CLS, DETECTOIDS } from './category-tree.ts';
import { phrase } from './phrasebook.ts';
import type { Prng } from './prng.ts';
import { type LeafSpec, type PlannedRelease, PUBLISHER, type ReleaseSpec } from './release-builder.ts';

export interface WindowsProduct {
  readonly id: string;
  readonly name: (d: Date) => string;
  readonly archs: readonly Arch[];
  readonly build: number;
  /** First month with releases (`YYYY-MM`). */
  readonly since: string;
  readonly dotnet: boolean;
}

export const WINDOWS: readonly WindowsProduct[] = [
  {
    id: CAT.windows11,
    name: (d) => `Windows 11 Version ${windows11Version(d)}`,
    archs: ['x64', 'arm64'],
    build: 26100,
    since: '2021-10',
    dotnet: true,
  },
  {
    id: CAT.windows10v1903,
    name: (d) => `Windows 10 Version ${windows10Version(d)}`,
    archs: ['x64', 'x86'],
    build: 19045,
    since: '2019-06',
    dotnet: true,
  },
  {
    id: CAT.windows10,
    name: () => 'Windows 10 Version 1809',
    archs: ['x64'],
    build: 17763,
    since: '2018-11',
    dotnet: false,
  },
  {
    id: CAT.server24h2,
    name: () => 'Microsoft server operating system version 24H2',
    archs: ['x64'],
    build: 26100,
    since: '2024-11',
    dotnet: true,
  },
  {
    id: CAT.server21h2,
    name: () => 'Microsoft server operating system version 21H2',
    archs: ['x64'],
    build: 20348,
    since: '2021-09',
    dotnet: true,
  },
];

export function windows10Version(d: Date): string {
  const ym = yearMonth(d);
  return ym < '2020-10' ? '1909' : ym < '2021-10' ? '20H2' : ym < '2022-10' ? '21H2' : '22H2';
}

export const ARCH_TITLE: Readonly<Record<Arch, string>> = { x64: 'x64', x86: 'x86', arm64: 'ARM64' };
const PROCESSOR: Readonly<Record<Arch, number>> = { x64: 9, x86: 0, arm64: 12 };
const MB = 1_048_576;

export const isActive = (p: WindowsProduct, month: Date) => yearMonth(month) >= p.since;

// The architecture is a detectoid prerequisite of the leaf, so the rules check only the build.
export function windowsRules(build: number, kb: string): string {
  return (
    `<upd:IsInstalled><bar:RegDword Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Updates" Value="KB${kb}" Comparison="EqualTo" Data="1" /></upd:IsInstalled>` +
    `<upd:IsInstallable><bar:WindowsVersion Comparison="EqualTo" MajorVersion="10" MinorVersion="0" BuildNumber="${build}" /></upd:IsInstallable>`
  );
}

export function fileStem(p: WindowsProduct): string {
  return p.build >= 22000 ? 'windows11.0' : 'windows10.0';
}

function cumulative(p: WindowsProduct, arch: Arch, month: Date, slot: number, rng: Prng): PlannedRelease {
  const kb = kbNumber(month, slot);
  const values = { ym: yearMonth(month), product: p.name(month), arch: ARCH_TITLE[arch], kb };
  const title = phrase('en', 'cu', values);
  const leaf = (suffix: string, ext: string, size: number): LeafSpec => ({
    title: `${title}${suffix}`,
    detectoids: [DETECTOIDS[arch].id],
    fileName: `${fileStem(p)}-kb${kb}-${arch}_{sha1}.${ext}`,
    size,
    rules: windowsRules(p.build, kb),
  });
  const spec: ReleaseSpec = {
    phrase: 'cu',
    values,
    blurb: 'security',
    multilingual: true,
    productIds: [p.id],
    classificationId: CLS.security,
    severity: rng.chance(0.7) ? 'Critical' : 'Important',
    kb,
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [leaf('', 'msu', rng.between(350, 900) * MB), leaf(' (Express)', 'psf', rng.between(20, 80) * MB)],
  };
  return { at: patchTuesday(month), size: 1 + rng.between(1, 2), spec };
}

function dotnet(p: WindowsProduct, month: Date, slot: number, rng: Prng): PlannedRelease {
  const kb = kbNumber(month, slot);
  const values = { ym: yearMonth(month), product: p.name(month), arch: 'x64', kb };
  const title = phrase('en', 'dotnet', values);
  const leaf = (framework: string): LeafSpec => ({
    title,
    detectoids: [DETECTOIDS.dotnet.id],
    fileName: `${fileStem(p)}-kb${kb}-x64-${framework}_{sha1}.msu`,
    size: rng.between(30, 90) * MB,
    rules: windowsRules(p.build, kb),
  });
  const spec: ReleaseSpec = {
    phrase: 'dotnet',
    values,
    blurb: 'security',
    multilingual: true,
    productIds: [p.id],
    classificationId: CLS.security,
    severity: 'Important',
    kb,
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [leaf('ndp481'), leaf('ndp35')],
  };
  return { at: patchTuesday(month), size: 1 + rng.between(1, 2), spec };
}

function msrt(month: Date, arch: 'x64' | 'x86', products: readonly string[], rng: Prng): PlannedRelease {
  const version = msrtVersion(month);
  const spec: ReleaseSpec = {
    phrase: 'msrt',
    values: { arch, version, kb: '890830' },
    blurb: 'update',
    multilingual: true,
    productIds: products,
    classificationId: CLS.rollups,
    kb: '890830',
    publisherId: PUBLISHER.microsoft,
    supersedesLast: 1,
    leaves: [
      {
        title: phrase('en', 'msrt', { arch, version, kb: '890830' }),
        detectoids: [DETECTOIDS[arch].id],
        fileName: `windows-kb890830-${arch}-v5.${version}_{sha1}.exe`,
        size: rng.between(60, 80) * MB,
        rules: `<upd:IsInstallable><bar:Processor Architecture="${PROCESSOR[arch]}" /></upd:IsInstallable>`,
        installArguments: '/Q',
      },
    ],
  };
  return { at: patchTuesday(month), size: 1, spec };
}

function defenderEngine(month: Date, rng: Prng): PlannedRelease {
  const version = engineVersion(month);
  const leaf = (arch: Arch, fre: string): LeafSpec => ({
    title: `AM Engine ${version} for Defender ${fre}fre Broad`,
    detectoids: [DETECTOIDS[arch].id, DETECTOIDS.defender.id],
    fileName: 'AM_Engine.exe',
    size: rng.between(6_000_000, 7_500_000),
    rules: `<upd:IsInstalled><bar:FileVersionPrependRegSz Path="mpengine.dll" Comparison="GreaterThanOrEqualTo" Version="${version}" Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates" Value="SignatureLocation" /></upd:IsInstalled>`,
  });
  const spec: ReleaseSpec = {
    phrase: 'engine',
    values: { version },
    multilingual: false,
    hidden: true,
    productIds: [CAT.defender],
    classificationId: CLS.definitions,
    publisherId: PUBLISHER.defender,
    supersedesLast: 0,
    leaves: [leaf('x64', 'amd64'), leaf('x86', 'x86'), leaf('arm64', 'arm64')],
  };
  return { at: nthTuesday(month, 1, 8), size: 4, spec };
}

/** The Patch Tuesday releases of `month`, most important first (the order a small budget keeps). */
export function patchTuesdayReleases(month: Date, rng: Prng): PlannedRelease[] {
  const products = WINDOWS.filter((p) => isActive(p, month));
  const out: PlannedRelease[] = [];
  for (const [i, p] of products.entries()) {
    for (const [j, arch] of p.archs.entries()) out.push(cumulative(p, arch, month, i * 4 + j, rng));
  }
  for (const [i, p] of products.entries()) if (p.dotnet) out.push(dotnet(p, month, 20 + i, rng));
  const ids = products.map((p) => p.id);
  if (ids.length > 0) out.push(msrt(month, 'x64', ids, rng), msrt(month, 'x86', ids, rng));
  out.push(defenderEngine(month, rng));
  // Releases of one Patch Tuesday go out a few minutes apart, in this order, at times that do not
  // depend on the random stream: a churn continuing a catalog finds the same schedule.
  return out.map((r, k) => ({ ...r, at: new Date(r.at.getTime() + k * 120_000 + ((k * 7919) % 60) * 1000) }));
}
