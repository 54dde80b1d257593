/**
 * Prometheus metrics (text exposition format 0.0.4), all prefixed `supsync_`. Run counts and
 * durations are counters of this process (reset on restart, as Prometheus expects of counters);
 * everything else is read from the store at scrape time.
 */
import type { SiteStore, SyncKind, SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent } from '../sync/engine.ts';
import { readSupSyncStatus } from '../sync/status.ts';

type Result = 'succeeded' | 'failed' | 'cancelled';
const KINDS: readonly SyncKind[] = ['full', 'delta'];
const RESULTS: readonly Result[] = ['succeeded', 'failed', 'cancelled'];

interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family in the text format. */
function family(
  name: string,
  type: 'counter' | 'gauge' | 'summary',
  help: string,
  samples: readonly Sample[],
  suffixes?: readonly string[],
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  samples.forEach((s, i) => {
    const metric = suffixes === undefined ? name : `${name}${suffixes[i] ?? ''}`;
    const labels =
      s.labels === undefined
        ? ''
        : `{${Object.entries(s.labels)
            .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
            .join(',')}}`;
    lines.push(`${metric}${labels} ${formatValue(s.value)}`);
  });
  return `${lines.join('\n')}\n`;
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

function durationSeconds(run: SyncRunRecord): number | undefined {
  if (run.startedAt === undefined || run.finishedAt === undefined) return undefined;
  return Math.max(0, (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
}

/** What the metrics read besides the process counters. */
export interface MetricsSources {
  readonly store: SiteStore;
  readonly inProgress: () => boolean;
}

/** Process counters fed by the engine events, and the scrape. */
export class SyncMetrics {
  private readonly runs = new Map<string, number>();
  private readonly durationSum = new Map<string, number>();

  /** Counts a finished run. */
  observe(event: SyncEvent): void {
    if (event.kind !== 'finished') return;
    const run = event.run;
    if (run.state !== 'succeeded' && run.state !== 'failed' && run.state !== 'cancelled') return;
    const key = `${run.kind}/${run.state}`;
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
    this.durationSum.set(key, (this.durationSum.get(key) ?? 0) + (durationSeconds(run) ?? 0));
  }

  /** The scrape: every family, in the text format. */
  async render(src: MetricsSources): Promise<string> {
    const { store } = src;
    const status = await readSupSyncStatus(store);
    const [counts, runs, alerts] = await Promise.all([
      store.countUpdatesByState(),
      store.listRuns(20),
      store.listAlerts(true),
    ]);
    const lastFinished = runs.find((r) => r.finishedAt !== undefined && r.state !== 'queued' && r.state !== 'running');
    const pairs = KINDS.flatMap((kind) => RESULTS.map((result) => ({ kind, result, key: `${kind}/${result}` })));
    const lastSuccess = status.LastSuccessfulSyncTime === null ? 0 : Date.parse(status.LastSuccessfulSyncTime) / 1000;
    return [
      family(
        'supsync_sync_runs_total',
        'counter',
        'Sync runs finished by this process, by kind and result.',
        pairs.map((p) => ({ labels: { kind: p.kind, result: p.result }, value: this.runs.get(p.key) ?? 0 })),
      ),
      family(
        'supsync_sync_duration_seconds',
        'summary',
        'Duration of the sync runs finished by this process.',
        pairs.flatMap((p) => [
          { labels: { kind: p.kind, result: p.result }, value: this.durationSum.get(p.key) ?? 0 },
          { labels: { kind: p.kind, result: p.result }, value: this.runs.get(p.key) ?? 0 },
        ]),
        pairs.flatMap(() => ['_sum', '_count']),
      ),
      family('supsync_last_sync_duration_seconds', 'gauge', 'Duration of the last finished sync run (0 if none).', [
        { value: lastFinished === undefined ? 0 : (durationSeconds(lastFinished) ?? 0) },
      ]),
      family(
        'supsync_updates',
        'gauge',
        'Software updates in the catalog by state (active = neither superseded nor expired).',
        [
          { labels: { state: 'active' }, value: counts.active },
          { labels: { state: 'superseded' }, value: counts.superseded },
          { labels: { state: 'expired' }, value: counts.expired },
          { labels: { state: 'deployed' }, value: counts.deployed },
        ],
      ),
      family('supsync_catalog_version', 'gauge', 'Catalog version (SyncCatalogVersion).', [
        { value: status.SyncCatalogVersion },
      ]),
      family('supsync_last_success_timestamp_seconds', 'gauge', 'Unix time of the last successful sync (0 if never).', [
        { value: lastSuccess },
      ]),
      family('supsync_sync_in_progress', 'gauge', '1 while a sync runs.', [{ value: src.inProgress() ? 1 : 0 }]),
      family('supsync_sync_alert_active', 'gauge', '1 while a sync-failure alert is active.', [
        { value: alerts.length > 0 ? 1 : 0 },
      ]),
    ].join('');
  }
}
