/**
 * Export packages for disconnected sites (ConfigMgr's "synchronize from a disconnected SUP", where
 * WSUSUtil export/import carries the catalog by hand): a connected site writes its catalog to one
 * file; a site with no network path to any upstream imports it with a full sync's semantics.
 *
 * The file is gzip-compressed NDJSON, one JSON object per line:
 *   1. the header: `{"format":"supsync-export","version":1,"siteCode":…,"exportedAt":…,…}`;
 *   2. one line per revision, categories and detectoids first, keys in this order:
 *      `{"id":…,"rev":…,"config":true|false,"sha256":…,("products":[…],"classifications":[…],)"xml":…}`
 *      — `products` and `classifications` (updates only) are the effective scope on the exporting
 *      site, which is what a filtered GetRevisionIdList from it would have matched;
 *   3. the trailer: `{"end":true,"revisions":<count>}`, so a cut file is recognised as cut.
 *
 * Reading checks the whole package (header, every line's shape, every document's sha256, the
 * trailer, gzip's own CRC) before a sync starts, so a damaged package writes nothing. The documents
 * are not kept in memory: each fetch streams the file again and takes the lines it asked for,
 * checking their hashes again, and fails if the file changed since it was checked.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { contentHash, isGuid, revisionKey, type UpdateIdentity } from '../catalog/model.ts';
import { SupsyncError } from '../shared/errors.ts';
import type { SiteStore, UpdateScope } from '../store/site-store.ts';
import type { FetchOutcome, UpstreamSession, UpstreamSource } from './upstream-source.ts';

export const EXPORT_FORMAT = 'supsync-export';
export const EXPORT_VERSION = 1;

/** Documents per getRevisionDocuments call while exporting, and per batch handed to the sync. */
const EXPORT_CHUNK = 500;
const FETCH_BATCH = 100;

export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: typeof EXPORT_VERSION;
  readonly siteCode: string;
  readonly supName: string;
  readonly exportedAt: string;
  /** The exporting site's SyncCatalogVersion. */
  readonly catalogVersion: number;
  /** Where the exporting site syncs from. */
  readonly upstream: string;
}

export interface ExportSummary {
  readonly path: string;
  readonly categories: number;
  readonly updates: number;
  /**
   * Listed revisions left out because their stored document no longer matches its hash on this
   * site (a full sync repairs them): a package never carries a changed document under a new hash.
   */
  readonly damaged: number;
  readonly bytes: number;
  readonly header: ExportHeader;
}

/**
 * Writes the site's catalog to `path`: the latest revision of every category, detectoid and
 * update, and the bundle members they name. Written to `<path>.partial` and renamed at the end, so
 * `path` never holds half a package. Each list and document is read whole, but not all in one read:
 * export when no sync runs, or the package may hold some revisions from before it and some after.
 */
export async function writeExportPackage(
  store: SiteStore,
  path: string,
  options: { readonly now?: Date; readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<ExportSummary> {
  const settings = await store.getSettings();
  if (settings === undefined) throw new SupsyncError('STORE_NOT_INITIALIZED', 'the database holds no site');
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    siteCode: settings.siteCode,
    supName: settings.supName,
    exportedAt: (options.now ?? new Date()).toISOString(),
    catalogVersion: await store.getCatalogVersion(),
    upstream: settings.upstreamUrl,
  };
  const config = (await store.listRevisionsForDownstream({ config: true })).ids;
  const software = (await store.listRevisionsForDownstream({ config: false })).ids;
  // A bundle may name a member revision that is not the member's latest: exported when stored.
  const seen = new Set(software.map(revisionKey));
  const named: UpdateIdentity[] = [];
  for (let i = 0; i < software.length; i += EXPORT_CHUNK) {
    const bundles = software.slice(i, i + EXPORT_CHUNK).map((s) => s.updateId);
    for (const m of await store.listBundleMembers(bundles)) {
      if (seen.has(revisionKey(m))) continue;
      seen.add(revisionKey(m));
      named.push(m);
    }
  }
  const stored = await store.checkRevisions(named, false);
  const members = named.filter((m) => stored.has(revisionKey(m)));
  const scopes = new Map((await store.listUpdateScopes()).map((s) => [s.updateId, s]));
  const partial = `${path}.partial`;
  const gzip = createGzip();
  const out = createWriteStream(partial);
  gzip.pipe(out);
  // One write per chunk of documents, and the wait for gzip to drain deferred to the next write:
  // the thread pool compresses one chunk while the next is read from the store (waiting on every
  // line left the process idle for 40 % of an export).
  let drained: Promise<unknown> = Promise.resolve();
  const write = async (lines: readonly string[]) => {
    await drained;
    if (gzip.write(`${lines.join('\n')}\n`)) return;
    drained = once(gzip, 'drain');
    // Awaited by the next write; an error before then fails the export through `finished(out)`.
    drained.catch(() => undefined);
  };
  const total = config.length + software.length + members.length;
  const written = { categories: 0, updates: 0 };
  let done = 0;
  try {
    await write([JSON.stringify(header)]);
    for (const [list, isConfig] of [
      [config, true],
      [[...software, ...members], false],
    ] as const) {
      for (let i = 0; i < list.length; i += EXPORT_CHUNK) {
        const lines: string[] = [];
        for (const { identity, xml, sha256 } of await store.getRevisionDocuments(list.slice(i, i + EXPORT_CHUNK))) {
          const { updateId: id, revisionNumber: rev } = identity;
          const s = scopes.get(id);
          const scope = isConfig
            ? undefined
            : { products: s?.products ?? [], classifications: s?.classifications ?? [] };
          lines.push(JSON.stringify({ id, rev, config: isConfig, sha256, ...scope, xml }));
          written[isConfig ? 'categories' : 'updates']++;
        }
        await write(lines);
        done += Math.min(EXPORT_CHUNK, list.length - i);
        options.onProgress?.(done, total);
      }
    }
    await write([JSON.stringify({ end: true, revisions: written.categories + written.updates })]);
    gzip.end();
    await finished(out);
    renameSync(partial, path);
  } catch (err) {
    gzip.destroy();
    out.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
  return {
    path,
    ...written,
    damaged: total - written.categories - written.updates,
    bytes: statSync(path).size,
    header,
  };
}

type Scope = Omit<UpdateScope, 'updateId'>;

/** One revision listed in a checked package. */
interface PackageEntry {
  readonly id: UpdateIdentity;
  readonly config: boolean;
  readonly scope: Scope | undefined;
}

/** A package that passed every check, with what it lists (documents stay in the file). */
export interface CheckedPackage {
  readonly path: string;
  readonly header: ExportHeader;
  readonly entries: readonly PackageEntry[];
  /** Size and modification time when checked: a fetch refuses a file changed since. */
  readonly size: number;
  readonly mtimeMs: number;
}

function invalid(path: string, what: string, cause?: unknown): SupsyncError {
  return new SupsyncError('EXPORT_PACKAGE_INVALID', `export package ${basename(path)}: ${what}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

interface PackageLine extends PackageEntry {
  readonly xml: string;
}

/** The revision line `text`, its document checked against its hash, or what is wrong with it. */
function parseRevisionLine(text: string): PackageLine | string {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'is not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'is not a JSON object';
  const { id, rev, config, sha256, xml } = v;
  if (typeof id !== 'string' || !isGuid(id) || id !== id.toLowerCase()) return 'has no valid update id';
  if (!Number.isInteger(rev) || (rev as number) < 0) return 'has no valid revision number';
  if (typeof config !== 'boolean') return 'does not say whether it is a category';
  if (typeof sha256 !== 'string' || typeof xml !== 'string' || xml.length === 0) return 'has no document';
  if (contentHash(xml) !== sha256) return `holds a document that does not match its sha256 (${id}:${rev})`;
  let scope: Scope | undefined;
  if (!config) {
    if (!isStringArray(v.products) || !isStringArray(v.classifications)) return 'has no products or classifications';
    scope = { products: v.products, classifications: v.classifications };
  }
  return { id: { updateId: id, revisionNumber: rev as number }, config, scope, xml };
}

/** Reads `path` line by line through gunzip; a damaged gzip stream becomes EXPORT_PACKAGE_INVALID. */
async function* packageLines(path: string, signal?: AbortSignal): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const input = createReadStream(path);
  input.on('error', (err) => gunzip.destroy(err));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      signal?.throwIfAborted();
      yield line;
    }
  } catch (err) {
    if (err instanceof SupsyncError || signal?.aborted) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      throw new SupsyncError('INPUT_INVALID', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    throw invalid(path, `is not a readable gzip file (${(err as Error).message})`, err);
  } finally {
    lines.close();
    input.destroy();
  }
}

function checkHeader(path: string, text: string | undefined): ExportHeader {
  let h: Partial<ExportHeader> | undefined;
  try {
    h = text === undefined ? undefined : (JSON.parse(text) as Partial<ExportHeader>);
  } catch {
    h = undefined;
  }
  if (h?.format !== EXPORT_FORMAT) throw invalid(path, 'is not a supsync export package (no header)');
  if (h.version !== EXPORT_VERSION)
    throw invalid(path, `has format version ${String(h.version)}; this supsync reads version ${EXPORT_VERSION}`);
  for (const key of ['siteCode', 'supName', 'exportedAt', 'upstream'] as const) {
    if (typeof h[key] !== 'string') throw invalid(path, `header has no ${key}`);
  }
  if (!Number.isInteger(h.catalogVersion)) throw invalid(path, 'header has no catalogVersion');
  return h as ExportHeader;
}

/**
 * Checks the whole package at `path` and lists what it holds.
 * @throws SupsyncError `EXPORT_PACKAGE_INVALID` naming the first problem; `INPUT_INVALID` when the
 *   file cannot be read at all.
 */
export async function checkExportPackage(path: string): Promise<CheckedPackage> {
  let header: ExportHeader | undefined;
  let trailer: { revisions: number } | undefined;
  const entries: PackageEntry[] = [];
  const keys = new Set<string>();
  // Many updates share a scope: keep one copy of each.
  const scopes = new Map<string, Scope>();
  let n = 0;
  const { size, mtimeMs } = statFile(path);
  for await (const text of packageLines(path)) {
    n++;
    if (n === 1) {
      header = checkHeader(path, text);
      continue;
    }
    if (trailer !== undefined) throw invalid(path, `line ${n} follows the end marker`);
    if (text.startsWith('{"end":')) {
      const revisions = endMarkerCount(text);
      if (revisions === undefined) throw invalid(path, `line ${n} is a malformed end marker`);
      trailer = { revisions };
      continue;
    }
    const line = parseRevisionLine(text);
    if (typeof line === 'string') throw invalid(path, `line ${n} ${line}`);
    const key = revisionKey(line.id);
    if (keys.has(key)) throw invalid(path, `line ${n} repeats revision ${key}`);
    keys.add(key);
    let scope = line.scope;
    if (scope !== undefined) {
      const k = JSON.stringify(scope);
      scope = scopes.get(k) ?? scope;
      scopes.set(k, scope);
    }
    entries.push({ id: line.id, config: line.config, scope });
  }
  if (header === undefined) throw invalid(path, 'is empty');
  if (trailer === undefined) throw invalid(path, 'is cut short (no end marker)');
  if (trailer.revisions !== entries.length)
    throw invalid(path, `end marker counts ${trailer.revisions} revisions, the file holds ${entries.length}`);
  return { path, header, entries, size, mtimeMs };
}

/** The count of an end marker line, or undefined when it is not one. */
function endMarkerCount(text: string): number | undefined {
  try {
    const t = JSON.parse(text) as { end?: unknown; revisions?: unknown };
    return t.end === true && Number.isInteger(t.revisions) ? (t.revisions as number) : undefined;
  } catch {
    return undefined;
  }
}

function statFile(path: string): { size: number; mtimeMs: number } {
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new SupsyncError('INPUT_INVALID', `${path} is not a file`);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch (err) {
    if (err instanceof SupsyncError) throw err;
    throw new SupsyncError('INPUT_INVALID', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

const intersects = (have: readonly string[], wanted: readonly { id: string }[]) =>
  wanted.some((w) => have.includes(w.id));

/**
 * A checked package as the sync engine's upstream. Lists are answered from the check's listing,
 * with a filtered GetRevisionIdList's rule (a listed product AND a listed classification; only one
 * of the two lists matches nothing); documents are streamed from the file per fetch.
 */
export function exportPackageSource(pkg: CheckedPackage): UpstreamSource {
  const { path } = pkg;
  const anchor = `${pkg.header.siteCode}:${pkg.header.catalogVersion},${pkg.header.exportedAt}`;
  return {
    url: `export package ${basename(path)} (site ${pkg.header.siteCode}, exported ${pkg.header.exportedAt})`,
    async open(): Promise<UpstreamSession> {
      return {
        async configData() {
          return {
            newConfigAnchor: anchor,
            maxUpdatesPerRequest: FETCH_BATCH,
            protocolVersion: `${EXPORT_FORMAT}/${EXPORT_VERSION}`,
            raw: pkg.header,
          };
        },
        async listCategories() {
          return { anchor, ids: pkg.entries.filter((e) => e.config).map((e) => e.id) };
        },
        async listUpdates(filter) {
          const { products, classifications } = filter;
          const updates = pkg.entries.filter((e) => !e.config);
          if (products === undefined && classifications === undefined) return { anchor, ids: updates.map((e) => e.id) };
          if (!products?.length || !classifications?.length) return { anchor, ids: [] };
          const ids = updates
            .filter((e) => {
              const s = e.scope as Scope;
              return intersects(s.products, products) && intersects(s.classifications, classifications);
            })
            .map((e) => e.id);
          return { anchor, ids };
        },
        async fetch(ids, onBatch, signal) {
          const now = statFile(path);
          if (now.size !== pkg.size || now.mtimeMs !== pkg.mtimeMs)
            throw invalid(path, 'changed on disk after it was checked; check and import it again');
          const wanted = new Map(ids.map((id) => [revisionKey(id), id]));
          let batch: FetchOutcome[] = [];
          let n = 0;
          for await (const text of packageLines(path, signal)) {
            if (wanted.size === 0) break;
            if (++n === 1) continue;
            // The writer puts id and rev first: skip the lines not asked for without parsing them.
            const m = /^\{"id":"([0-9a-f-]{36})","rev":(\d+),/.exec(text);
            const key = m === null ? undefined : `${m[1]}:${m[2]}`;
            if (key === undefined || !wanted.has(key)) continue;
            const line = parseRevisionLine(text);
            if (typeof line === 'string') throw invalid(path, `line ${n} ${line}; it changed after it was checked`);
            wanted.delete(key);
            batch.push({ id: line.id, xml: line.xml });
            if (batch.length === FETCH_BATCH) {
              await onBatch(batch);
              batch = [];
            }
          }
          for (const id of wanted.values()) {
            batch.push({
              id,
              error: new SupsyncError('NOT_FOUND', `the package holds no revision ${revisionKey(id)}`),
            });
          }
          if (batch.length > 0) await onBatch(batch);
        },
        async close() {},
      };
    },
  };
}
