/**
 * The sync engine: one synchronization of a site from its upstream, with ConfigMgr's semantics and
 * vocabulary. It never throws for a failed sync: the result is the finished run record (house
 * style: long operations return a result; partial progress is data).
 */
import { createHash } from 'node:crypto';
import { SupsyncError, toSupsyncError } from '../shared/errors.ts';
import type { SupSettings } from '../site/settings.ts';
import {
  type PhaseCounts,
  type RunState,
  requireSettings,
  type SiteStore,
  type SyncKind,
  type SyncRunRecord,
  type SyncStatePatch,
} from '../store/site-store.ts';
import type { PhaseName } from './download.ts';
import { dueForExpiry, nextExpiryDue } from './expiry.ts';
import { type PhaseContext, type PhaseOutcome, syncCategories, syncUpdates } from './phases.ts';
import { encodeFingerprint, fingerprintSettings, planSync, type SyncPlan } from './plan.ts';
import { errorNumber, STATUS, STATUS_TEXT, statmsgLine } from './status.ts';
import type { UpstreamSource } from './upstream-source.ts';
import { formatSyncTime, type SyncLog } from './wsyncmgr-log.ts';

export type SyncPhase = PhaseName | 'connecting' | 'site-database';

export type SyncEvent =
  | { readonly kind: 'started'; readonly runId: number; readonly syncKind: SyncKind; readonly reason: string }
  | { readonly kind: 'phase'; readonly runId: number; readonly phase: SyncPhase; readonly total: number }
  | {
      readonly kind: 'progress';
      readonly runId: number;
      readonly phase: SyncPhase;
      readonly done: number;
      readonly total: number;
      readonly etaSeconds: number | null;
    }
  | {
      readonly kind: 'finished';
      readonly run: SyncRunRecord;
      /** Whether the run moved SyncCatalogVersion: it changed the catalog, or took its parent's higher version. */
      readonly catalogVersionChanged: boolean;
    }
  | { readonly kind: 'alert'; readonly state: 'raised' | 'canceled'; readonly message: string };

export interface SyncEngineOptions {
  readonly store: SiteStore;
  /** Opens the upstream named by the settings (the composition root decides how). */
  readonly sourceFor: (settings: SupSettings) => UpstreamSource;
  readonly log: SyncLog;
  readonly now?: () => Date;
  readonly maxConsecutiveFailures?: number;
  readonly onEvent?: (event: SyncEvent) => void;
}

/**
 * A run from a source other than the site's upstream: an export package imported on a
 * disconnected site (upstream "none"). Always full, for `reason`.
 */
export interface RunSource {
  readonly source: UpstreamSource;
  readonly reason: string;
}

/** The parent site whose notification asked for a run, and its catalog version then. */
export interface ParentRequest {
  readonly siteCode: string;
  readonly catalogVersion?: number;
}

/** Where a run comes from, when not simply the site's upstream on its own account. */
export interface RunContext {
  readonly from?: RunSource;
  readonly parent?: ParentRequest;
}

const RETRY_MINUTES = 60;

/** What a successful run did: counts per phase, and how many expired updates it brought back. */
interface SyncOutcome {
  readonly categories: PhaseCounts;
  readonly updates: PhaseCounts;
  readonly restored: number;
}

/** The reason a full sync expires what the upstream no longer offers under the subscription. */
const NOT_OFFERED = 'no longer offered by the upstream under the subscription';

/** Why a run stopped at a safe point: the abort's own reason (the sync lease taken over), or a cancel. */
function abortError(signal: AbortSignal): SupsyncError {
  return signal.reason instanceof SupsyncError
    ? signal.reason
    : new SupsyncError('ABORTED', 'the sync was cancelled at a safe point');
}

/** Is this an upstream fault that invalidates the anchors (so the sync must be full)? */
function anchorResetReason(err: unknown): string | undefined {
  const code = (err as { wsusssErrorCode?: unknown }).wsusssErrorCode;
  if (code === 'ServerChanged') return 'upstream answered ServerChanged';
  if (code === 'InvalidParameters' && (err as { faultMessage?: unknown }).faultMessage === 'filter') {
    return 'stored anchor unusable (the upstream rejected it)';
  }
  return undefined;
}

export class SyncEngine {
  private readonly now: () => Date;
  private readonly maxFailures: number;

  constructor(private readonly opts: SyncEngineOptions) {
    this.now = opts.now ?? (() => new Date());
    this.maxFailures = opts.maxConsecutiveFailures ?? 25;
  }

  /** What the next sync would do and why, without doing it. */
  async plan(requestedFull: boolean): Promise<SyncPlan> {
    const settings = await this.settings();
    const [state, runs] = await Promise.all([
      this.opts.store.getSyncState(settings.upstreamUrl),
      this.opts.store.listRuns(50),
    ]);
    const previousUpstream = runs.find((r) => r.state === 'succeeded')?.upstreamUrl;
    return planSync({ requestedFull, settings, state, previousUpstream, now: this.now() });
  }

  /**
   * Runs the queued run `run` to completion and returns the finished record: from `context.from`
   * instead of the upstream when given, and naming `context.parent` in the log when a parent asked.
   */
  async execute(run: SyncRunRecord, signal: AbortSignal, context: RunContext = {}): Promise<SyncRunRecord> {
    const { store, log } = this.opts;
    const { from, parent } = context;
    const settings = await this.settings();
    let plan: SyncPlan =
      from === undefined
        ? await this.plan(run.kind === 'full')
        : { kind: 'full', reason: from.reason, reasons: [from.reason] };
    const startedAt = this.now();
    let catalogVersionChanged = false;
    let record = await store.updateRun(run.id, {
      state: 'running',
      kind: plan.kind,
      reason: plan.reason,
      startedAt: startedAt.toISOString(),
      upstreamUrl: settings.upstreamUrl,
    });
    this.emit({ kind: 'started', runId: run.id, syncKind: plan.kind, reason: plan.reason });
    log.write('info', 'Starting Sync');
    log.write('info', `Performing sync on ${triggerText(run.trigger)}`);
    await this.status(settings, run.id, STATUS.STARTED);
    try {
      let outcome: SyncOutcome;
      try {
        outcome = await this.syncFrom(settings, plan, run.id, signal, from);
      } catch (err) {
        const reset = plan.kind === 'delta' ? anchorResetReason(err) : undefined;
        if (reset === undefined) throw err;
        log.write('warning', `${reset}: discarding anchors and running a full sync`);
        await store.patchSyncState(settings.upstreamUrl, {
          configAnchor: null,
          categoryAnchor: null,
          updateAnchor: null,
        });
        plan = { kind: 'full', reason: reset, reasons: [reset] };
        await store.updateRun(run.id, { kind: 'full', reason: reset });
        outcome = await this.syncFrom(settings, plan, run.id, signal, undefined);
      }
      ({ record, catalogVersionChanged } = await this.succeed(run.id, settings, plan, outcome, startedAt, parent));
    } catch (err) {
      record = await this.fail(run.id, settings, err, startedAt, signal);
    }
    this.emit({ kind: 'finished', run: record, catalogVersionChanged });
    return record;
  }

  private async syncFrom(
    settings: SupSettings,
    plan: SyncPlan,
    runId: number,
    signal: AbortSignal,
    from: RunSource | undefined,
  ) {
    const { store, log } = this.opts;
    log.write('info', `${plan.kind === 'full' ? 'Full' : 'Delta'} sync: ${plan.reasons.join('; ')}`);
    // (The coordinator refuses an import on a site with an upstream before recording a run.)
    if (from === undefined && settings.upstreamUrl === 'none') {
      throw new SupsyncError(
        'CONFIG_INVALID',
        'this site has no upstream (upstream is "none"); set one with config set upstream <url>, or import an export package',
      );
    }
    const source = from?.source ?? this.opts.sourceFor(settings);
    this.emit({ kind: 'phase', runId, phase: 'connecting', total: 0 });
    await this.status(settings, runId, STATUS.SYNCING_UPSTREAM);
    log.write('info', `Synchronizing WSUS server ${source.url} ...`);
    log.write('info', 'sync: Starting WSUS synchronization');
    const session = await source.open(signal);
    try {
      const state = await store.getSyncState(settings.upstreamUrl);
      const config = await session.configData(plan.kind === 'delta' ? state?.configAnchor : undefined);
      await store.patchSyncState(settings.upstreamUrl, {
        // An upstream that names no anchor gets none back next time, not an empty one.
        configAnchor: config.newConfigAnchor === '' ? null : config.newConfigAnchor,
        serverConfig: config.raw,
      });
      const ctx = this.phaseContext(settings, plan.kind, state, session, runId, signal);
      const categories = await syncCategories(ctx);
      if (categories.statePatch) await store.patchSyncState(settings.upstreamUrl, categories.statePatch);
      signal.throwIfAborted();
      const updates = await syncUpdates(ctx);
      if (updates.statePatch) await store.patchSyncState(settings.upstreamUrl, updates.statePatch);
      else
        log.write(
          'warning',
          `Not advancing the update anchor: ${updates.counts.failed} update(s) failed; the next sync retries them`,
        );
      log.write('info', `Done synchronizing WSUS Server ${source.url}`);
      signal.throwIfAborted();
      return { categories: categories.counts, ...(await this.siteDatabasePhase(settings, runId, updates)) };
    } finally {
      await session.close();
    }
  }

  /** 6705: supersedence rules, removal of what is no longer offered, cleanup of old expired updates. */
  private async siteDatabasePhase(
    settings: SupSettings,
    runId: number,
    updates: PhaseOutcome,
  ): Promise<Omit<SyncOutcome, 'categories'>> {
    const { store, log } = this.opts;
    await this.status(settings, runId, STATUS.SYNCING_SITE_DB);
    this.emit({ kind: 'phase', runId, phase: 'site-database', total: 0 });
    log.write('info', `Synchronizing SMS database with WSUS server ${settings.upstreamUrl} ...`);
    const now = this.now();
    let expired = 0;
    let restored = 0;
    if (updates.offered !== undefined) {
      const stored = await store.listLatestIdentities(false);
      const offered = stored.filter((id) => updates.offered?.has(id.updateId)).map((id) => id.updateId);
      const gone = stored.filter((id) => !updates.offered?.has(id.updateId)).map((id) => id.updateId);
      // A product or classification added back before cleanup removed its updates brings them back.
      restored = await store.unexpireUpdates(offered, NOT_OFFERED);
      if (restored > 0)
        log.write('info', `Restored ${restored} expired update(s) offered again under the subscription`);
      expired += await store.expireUpdates(gone, now.toISOString(), NOT_OFFERED);
    }
    // Restored updates may be superseded: the rules look at them again, whatever their checkpoint says.
    expired += await this.applySupersedenceRules(settings, now, restored > 0);
    if (expired > 0) log.write('info', `Expired ${expired} update(s) per the supersedence rules and subscription`);
    log.write('info', 'Deleting old expired updates...');
    const cutoff = new Date(now.getTime() - settings.cleanupAgeDays * 86_400_000).toISOString();
    const removed = (await store.removeExpiredBefore(cutoff)).length;
    log.write('info', `Deleted ${removed} expired updates total`);
    log.write('info', `Done synchronizing SMS with WSUS Server ${settings.upstreamUrl}`);
    return { updates: { ...updates.counts, expired, removed }, restored };
  }

  /**
   * Expires superseded updates per the rules. Skipped, with a log line, when neither the catalog nor
   * the rules changed since they last ran and nothing they left alone has become due since: then they
   * would expire nothing, and a no-change delta need not read every superseded update. `force` runs
   * them regardless (updates whose expiry was just lifted may be due).
   */
  private async applySupersedenceRules(settings: SupSettings, now: Date, force: boolean): Promise<number> {
    const { store, log } = this.opts;
    const rules = JSON.stringify(settings.supersedence);
    const seq = await store.currentSeq();
    const last = await store.getExpiryCheckpoint();
    if (
      !force &&
      last !== undefined &&
      last.seq === seq &&
      last.rules === rules &&
      (last.nextDueAt === null || now.getTime() < Date.parse(last.nextDueAt))
    ) {
      const waiting = last.nextDueAt === null ? 'no superseded update waiting' : `nothing due before ${last.nextDueAt}`;
      log.write('info', `Supersedence rules skipped: no catalog or rule change since they last ran, ${waiting}`);
      return 0;
    }
    const edges = await store.listSupersedenceEdges();
    const expired = await store.expireUpdates(
      dueForExpiry(edges, settings.supersedence, now),
      now.toISOString(),
      'superseded',
    );
    const next = nextExpiryDue(edges, settings.supersedence, now);
    await store.saveExpiryCheckpoint({ seq, rules, nextDueAt: next?.toISOString() ?? null });
    return expired;
  }

  private phaseContext(
    settings: SupSettings,
    kind: SyncKind,
    state: PhaseContext['state'],
    session: PhaseContext['session'],
    runId: number,
    signal: AbortSignal,
  ): PhaseContext {
    let phase: PhaseName = 'categories';
    let phaseStart = this.now().getTime();
    let lastLine = 0;
    return {
      store: this.opts.store,
      session,
      log: this.opts.log,
      signal,
      kind,
      state,
      settings,
      maxConsecutiveFailures: this.maxFailures,
      onPhase: (p, total) => {
        if (p !== phase) phaseStart = this.now().getTime();
        phase = p;
        this.emit({ kind: 'phase', runId, phase: p, total });
      },
      onProgress: (done, total) => {
        const t = this.now().getTime();
        const rate = done / Math.max(1, t - phaseStart);
        const etaSeconds = done > 0 && rate > 0 ? Math.round((total - done) / rate / 1000) : null;
        this.emit({ kind: 'progress', runId, phase, done, total, etaSeconds });
        if (t - lastLine >= 5000 || done === total) {
          lastLine = t;
          const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
          const eta = etaSeconds === null || done === total ? '' : `, ETA in ${formatEta(etaSeconds)}`;
          this.opts.log.write(
            'info',
            `sync: SMS synchronizing ${phase}, processed ${done} out of ${total} items (${pct}%)${eta}`,
          );
        }
      },
    };
  }

  private async succeed(
    runId: number,
    settings: SupSettings,
    plan: SyncPlan,
    outcome: SyncOutcome,
    startedAt: Date,
    parent: ParentRequest | undefined,
  ): Promise<{ record: SyncRunRecord; catalogVersionChanged: boolean }> {
    const { store, log } = this.opts;
    const now = this.now();
    const changed = [outcome.categories, outcome.updates].reduce(
      (n, c) => n + c.downloaded + c.repaired + c.expired + c.removed,
      outcome.restored,
    );
    const previous = await store.getCatalogVersion();
    // A child synced on its parent's request takes the parent's version, as a ConfigMgr child sets
    // its content version to its parent's, so the hierarchy view shows which children are current.
    // Never backwards: a child that counted past it (its own syncs) keeps counting from there.
    const version = Math.max(changed > 0 ? previous + 1 : previous, parent?.catalogVersion ?? 0);
    if (version !== previous) await store.setCatalogVersion(version);
    log.write(
      'info',
      `Set content version of update source {${updateSourceGuid(settings)}} for site ${settings.siteCode} to ${version}`,
    );
    const patch: SyncStatePatch = {
      lastSuccessAt: now.toISOString(),
      fingerprint: encodeFingerprint(fingerprintSettings(settings)),
      ...(plan.kind === 'full' ? { lastFullSyncAt: now.toISOString() } : {}),
    };
    await store.patchSyncState(settings.upstreamUrl, patch);
    await this.status(settings, runId, STATUS.DONE);
    log.write('info', `Sync succeeded. Setting sync alert to canceled state on site ${settings.siteCode}`);
    if ((await store.cancelAlerts('sync-failure', now.toISOString())) > 0) {
      this.emit({ kind: 'alert', state: 'canceled', message: `Sync succeeded on site ${settings.siteCode}` });
    }
    log.write('info', `Updated ${changed} items in SMS database, new update source content version is ${version}`);
    if (parent !== undefined) {
      const theirs = parent.catalogVersion === undefined ? '' : `, version ${parent.catalogVersion}`;
      log.write('info', `Successfully synced site with parent ${parent.siteCode}${theirs}`);
    }
    log.write('info', `Sync time: ${formatSyncTime(now.getTime() - startedAt.getTime())}`);
    const record = await store.updateRun(runId, {
      state: 'succeeded',
      finishedAt: now.toISOString(),
      categories: outcome.categories,
      updates: outcome.updates,
      catalogVersion: version,
    });
    return { record, catalogVersionChanged: version !== previous };
  }

  private async fail(runId: number, settings: SupSettings, err: unknown, startedAt: Date, signal: AbortSignal) {
    const { store, log } = this.opts;
    const error = signal.aborted ? abortError(signal) : toSupsyncError(err);
    const now = this.now();
    const state: RunState = error.code === 'ABORTED' || error.code === 'SYNC_IN_PROGRESS' ? 'cancelled' : 'failed';
    await this.status(settings, runId, STATUS.FAILED, error);
    if (state === 'cancelled') log.write('warning', `Sync cancelled: ${error.message}. Source: ${error.code}`);
    else log.write('error', `Sync failed: ${error.message}. Source: ${error.code}`);
    if (state === 'failed') {
      log.write('error', `Sync failed. Will retry in ${RETRY_MINUTES} minutes`);
      if (settings.syncFailureAlert && (await store.listAlerts(true)).length === 0) {
        const message = `Synchronization failure alert for software update point: ${settings.supName} (${error.code}: ${error.message})`;
        await store.raiseAlert({ kind: 'sync-failure', raisedAt: now.toISOString(), message, runId });
        this.emit({ kind: 'alert', state: 'raised', message });
      }
    }
    log.write('info', `Sync time: ${formatSyncTime(now.getTime() - startedAt.getTime())}`);
    return store.updateRun(runId, {
      state,
      finishedAt: now.toISOString(),
      errorCode: error.code,
      errorMessage: error.message,
    });
  }

  private settings(): Promise<SupSettings> {
    return requireSettings(this.opts.store);
  }

  /**
   * Records a status message and writes its STATMSG line (the caller's settings name the site); a
   * failure makes it an error (6703) with the failure's source, message and number.
   */
  private async status(settings: SupSettings, runId: number, messageId: number, failure?: SupsyncError) {
    const at = this.now();
    const severity = failure === undefined ? 'I' : 'E';
    const base = STATUS_TEXT[messageId] ?? '';
    await this.opts.store.addStatusMessage({
      runId,
      messageId,
      severity,
      time: at.toISOString(),
      text: failure === undefined ? base : `${base} ${failure.message}`,
    });
    const line = statmsgLine({
      messageId,
      severity,
      system: settings.supName,
      siteCode: settings.siteCode,
      pid: process.pid,
      at,
      ...(failure === undefined
        ? {}
        : { failure: { source: failure.code, message: failure.message, errorNumber: errorNumber(failure.code) } }),
    });
    this.opts.log.write(failure === undefined ? 'info' : 'error', line);
  }

  private emit(event: SyncEvent): void {
    this.opts.onEvent?.(event);
  }
}

function triggerText(trigger: SyncRunRecord['trigger']): string {
  switch (trigger) {
    case 'schedule':
      return 'regular schedule';
    case 'parent':
      return 'parent request';
    case 'retry':
      return 'retry after a failed sync';
    case 'import':
      return 'import of an export package';
    default:
      return 'local request';
  }
}

function formatEta(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A stable GUID naming this site's update source, for the "content version" log lines. */
export function updateSourceGuid(settings: SupSettings): string {
  const h = createHash('sha1').update(`supsync-update-source:${settings.siteCode}`).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
