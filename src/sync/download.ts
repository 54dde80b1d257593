/**
 * The download step shared by both list phases: fetch update documents, parse them, commit them in
 * batches, follow bundle members, and count per-update failures the way WSyncMgr does (a single
 * failure is logged and skipped; too many in a row abort the sync).
 */
import { pickTitle, revisionKey, type StoredRevision, type UpdateIdentity } from '../catalog/model.ts';
import { parseUpdateDocument } from '../catalog/update-document.ts';
import { SupsyncError, toSupsyncError } from '../shared/errors.ts';
import type { SiteStore } from '../store/site-store.ts';
import type { FetchOutcome, UpstreamSession } from './upstream-source.ts';
import type { SyncLog } from './wsyncmgr-log.ts';

export type PhaseName = 'categories' | 'updates';

/** Revisions committed per transaction. */
const COMMIT_BATCH = 500;

export interface DownloadContext {
  readonly store: SiteStore;
  readonly session: UpstreamSession;
  readonly log: SyncLog;
  readonly signal: AbortSignal;
  readonly maxConsecutiveFailures: number;
  /** Called after every committed batch with the running totals. */
  readonly onProgress: (done: number, total: number) => void;
}

export interface DownloadResult {
  readonly downloaded: number;
  readonly failed: number;
  /** Bundle members named by downloaded documents (the caller decides which are missing). */
  readonly bundledMembers: readonly UpdateIdentity[];
  /** Update ids named as prerequisites outside category clauses (may be categories, detectoids or updates). */
  readonly prerequisiteIds: readonly string[];
}

/** Downloads `ids`, commits them batch by batch, and reports what was done. */
export async function downloadRevisions(
  ctx: DownloadContext,
  phase: PhaseName,
  ids: readonly UpdateIdentity[],
): Promise<DownloadResult> {
  let done = 0;
  let downloaded = 0;
  let failed = 0;
  let consecutive = 0;
  const members: UpdateIdentity[] = [];
  const prerequisites = new Set<string>();
  const total = ids.length;
  if (total === 0) return { downloaded, failed, bundledMembers: members, prerequisiteIds: [] };

  // Upstream batches hold at most MaxNumberOfUpdatesPerRequest (100) documents; a few of them commit
  // together. Each commit is whole; the derived tables (memberships, scope, facets) of all but the
  // last are refreshed once, by the last, which also runs after a failure or a cancel. A killed
  // process leaves them to the next sync's first anchor write (SiteStore.patchSyncState).
  let pending: StoredRevision[] = [];
  const flush = async (last: boolean) => {
    const batch = pending;
    pending = [];
    // Tens of thousands of updates take a while (~2 s per 30k here): say so rather than go quiet.
    if (last && downloaded >= COMMIT_BATCH) {
      ctx.log.write('info', `sync: SMS updating memberships of ${downloaded + batch.length} ${phase}`);
    }
    if (batch.length > 0 || last) await ctx.store.putRevisions(batch, { deferDerived: !last });
    downloaded += batch.length;
  };
  const onBatch = async (outcomes: readonly FetchOutcome[]) => {
    for (const outcome of outcomes) {
      done++;
      const stored = 'xml' in outcome ? parseOrError(outcome.id, outcome.xml) : outcome.error;
      if (stored instanceof SupsyncError) {
        failed++;
        consecutive++;
        ctx.log.write(
          'error',
          `Failed to sync update ${outcome.id.updateId}. Error: ${stored.message}. Source: ${stored.code}`,
        );
        if (consecutive > ctx.maxConsecutiveFailures) {
          ctx.log.write('error', 'Too many consecutive failures. Aborting sync.');
          throw new SupsyncError('SYNC_TOO_MANY_FAILURES', `${consecutive} consecutive update failures`);
        }
        continue;
      }
      consecutive = 0;
      pending.push(stored);
      if (phase === 'updates') {
        ctx.log.write(
          'info',
          `Synchronizing update ${stored.revision.identity.updateId} - ${pickTitle(stored.revision)}`,
        );
      }
      members.push(...stored.revision.bundledUpdates);
      for (const clause of stored.revision.prerequisites) {
        if (!clause.isCategory) for (const id of clause.updateIds) prerequisites.add(id);
      }
    }
    if (pending.length >= COMMIT_BATCH) await flush(false);
    ctx.onProgress(done, total);
  };

  try {
    await ctx.session.fetch(ids, onBatch, ctx.signal);
  } finally {
    // What was fetched and parsed before a failure or a cancel is kept: it is whole and consistent.
    await flush(true);
  }
  return { downloaded, failed, bundledMembers: members, prerequisiteIds: [...prerequisites] };
}

function parseOrError(id: UpdateIdentity, xml: string): StoredRevision | SupsyncError {
  try {
    const revision = parseUpdateDocument(xml);
    if (revisionKey(revision.identity) !== revisionKey(id)) {
      return new SupsyncError(
        'UPDATE_XML_INVALID',
        `asked for ${revisionKey(id)} but the document is ${revisionKey(revision.identity)}`,
      );
    }
    return { revision, xml };
  } catch (err) {
    return toSupsyncError(err);
  }
}

/** Splits `ids` into those that need downloading, given the store's answer. */
export function missingOrDamaged(
  ids: readonly UpdateIdentity[],
  checks: ReadonlyMap<string, 'ok' | 'damaged'>,
): { need: UpdateIdentity[]; damaged: number } {
  const need: UpdateIdentity[] = [];
  let damaged = 0;
  const seen = new Set<string>();
  for (const id of ids) {
    const key = revisionKey(id);
    if (seen.has(key)) continue;
    seen.add(key);
    const state = checks.get(key);
    if (state === 'ok') continue;
    if (state === 'damaged') damaged++;
    need.push(id);
  }
  return { need, damaged };
}
