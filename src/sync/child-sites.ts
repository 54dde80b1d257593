/**
 * The hierarchy below a site: after each successful sync that moved its catalog version (it changed
 * the catalog, or took its own parent's higher version), the site notifies its child sites, which
 * then sync from it (ConfigMgr's parent sync request: "Sending sync notification to child site(s):
 * PS1, PS2" at the parent, "Performing sync on parent request" at the child); and the sync status of
 * every SUP below it is read from the sites themselves.
 *
 * A notification is `POST <child>/api/v1/sync` with `{"full": false, "parent": "<site code>",
 * "parentCatalogVersion": <n>}` and the operator token the child issued for this parent; the
 * child's planner escalates it to full when its own rules say so, its log names the parent and that
 * version, and on success it takes that version as its own, as a ConfigMgr child does. A child that
 * cannot be reached or refuses is logged and recorded, and never slows or fails the parent's sync.
 * Notifications of one sync finish before the site closes.
 */
import { request } from 'undici';
import type { ChildSiteRecord, SiteStore, SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent } from './engine.ts';
import type { SupSyncStatus } from './status.ts';
import type { SyncLog } from './wsyncmgr-log.ts';

const NOTIFY_TIMEOUT_MS = 10_000;

/** `path` under the child's API root, whether or not its URL ends with a slash. */
function childUrl(child: Pick<ChildSiteRecord, 'url'>, path: string): URL {
  return new URL(`api/v1/${path}`, child.url.endsWith('/') ? child.url : `${child.url}/`);
}

interface ChildAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function callChild(
  child: ChildSiteRecord,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<ChildAnswer> {
  const res = await request(childUrl(child, path), {
    method,
    headers: {
      authorization: `Bearer ${child.token}`,
      'user-agent': 'supsync parent site',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.statusCode, body: parsed };
}

/** "HTTP 401 AUTH_REQUIRED: …" from a child's error envelope, or the status alone. */
function refusal(answer: ChildAnswer): string {
  const e = answer.body as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof e?.code === 'string' ? ` ${e.code}: ${String(e.message)}` : '';
  return `HTTP ${answer.status}${detail}`;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface ChildNotifierOptions {
  readonly store: Pick<SiteStore, 'getSettings' | 'listChildSites' | 'recordChildNotification'>;
  readonly log: SyncLog;
  readonly now: () => Date;
  readonly timeoutMs?: number;
}

/** Notifies the child sites after each successful sync that moved the catalog version. */
export class ChildNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: ChildNotifierOptions) {}

  /**
   * Takes every engine event; a successful run notifies the children. One that left the catalog
   * version as it was does not: the children have nothing new, and sites named in a loop stop
   * notifying each other (a version taken from a parent is never higher than the parent's).
   */
  onEvent(event: SyncEvent): void {
    if (event.kind !== 'finished' || event.run.state !== 'succeeded') return;
    const p = this.notifyAll(event.run, event.catalogVersionChanged)
      .catch((err) => this.opts.log.write('warning', `Sending sync notifications failed: ${messageOf(err)}`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every notification started so far has ended. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async notifyAll(run: SyncRunRecord, catalogVersionChanged: boolean): Promise<void> {
    const [children, settings] = await Promise.all([this.opts.store.listChildSites(), this.opts.store.getSettings()]);
    if (children.length === 0 || settings === undefined) return;
    if (!catalogVersionChanged) {
      this.opts.log.write('info', 'No catalog changes in this sync; child sites are not notified');
      return;
    }
    this.opts.log.write(
      'info',
      `Sending sync notification to child site(s): ${children.map((c) => c.siteCode).join(', ')} (catalog version ${run.catalogVersion ?? 0})`,
    );
    await Promise.all(children.map((c) => this.notify(c, settings.siteCode, run.catalogVersion)));
  }

  private async notify(child: ChildSiteRecord, parent: string, version: number | undefined): Promise<void> {
    const { log } = this.opts;
    let result: string;
    try {
      const answer = await callChild(
        child,
        'POST',
        'sync',
        { full: false, parent, ...(version === undefined ? {} : { parentCatalogVersion: version }) },
        this.opts.timeoutMs ?? NOTIFY_TIMEOUT_MS,
      );
      if (answer.status === 202) {
        const a = answer.body as { runId?: unknown; coalesced?: unknown };
        result = `accepted: run ${String(a.runId)}${a.coalesced === true ? ' (joined a queued run)' : ''}`;
        log.write('info', `Child site ${child.siteCode} accepted the sync notification: run ${String(a.runId)}`);
      } else {
        result = `refused: ${refusal(answer)}`;
        log.write(
          'warning',
          `Child site ${child.siteCode} (${child.url}) refused the sync notification: ${refusal(answer)}`,
        );
      }
    } catch (err) {
      result = `unreachable: ${messageOf(err)}`;
      log.write('warning', `Could not notify child site ${child.siteCode} (${child.url}): ${messageOf(err)}`);
    }
    await this.opts.store.recordChildNotification(child.siteCode, this.opts.now().toISOString(), result);
  }
}

/** One child site as the hierarchy view shows it: never its token. */
export interface ChildSiteStatus {
  readonly siteCode: string;
  readonly url: string;
  readonly addedAt: string;
  readonly notifiedAt: string | null;
  readonly notifyResult: string | null;
  /** The child's own SMS_SUPSyncStatus, or why it could not be read. */
  readonly status: SupSyncStatus | null;
  readonly statusError: string | null;
  /** The child's own children, as it reports them (empty below the depth asked for). */
  readonly children: readonly ChildSiteStatus[];
}

/** How many levels below a site the hierarchy view goes by default, and at most. */
export const HIERARCHY_DEPTH = 4;
export const MAX_HIERARCHY_DEPTH = 8;

/** Per level below: each site waits longer for a child than the child waits for its own. */
const LEVEL_TIMEOUT_MS = 5_000;

/**
 * Reads every child's sync status and, `depth` levels down, theirs: each child is asked for its
 * own hierarchy view with one level less, side by side. A loop of sites that name each other ends
 * at the depth.
 */
export async function readChildStatuses(
  store: Pick<SiteStore, 'listChildSites'>,
  depth = HIERARCHY_DEPTH,
  levelTimeoutMs = LEVEL_TIMEOUT_MS,
): Promise<ChildSiteStatus[]> {
  if (depth < 1) return [];
  const children = await store.listChildSites();
  return Promise.all(
    children.map(async (c): Promise<ChildSiteStatus> => {
      let status: SupSyncStatus | null = null;
      let statusError: string | null = null;
      let below: ChildSiteStatus[] = [];
      try {
        const answer = await callChild(c, 'GET', `hierarchy?depth=${depth - 1}`, undefined, levelTimeoutMs * depth);
        const body = answer.body as { site?: SupSyncStatus; children?: ChildSiteStatus[] } | undefined;
        if (answer.status === 200 && body?.site !== undefined) {
          status = body.site;
          below = Array.isArray(body.children) ? body.children : [];
        } else statusError = refusal(answer);
      } catch (err) {
        statusError = `unreachable: ${messageOf(err)}`;
      }
      return {
        siteCode: c.siteCode,
        url: c.url,
        addedAt: c.addedAt,
        notifiedAt: c.notifiedAt ?? null,
        notifyResult: c.notifyResult ?? null,
        status,
        statusError,
        children: below,
      };
    }),
  );
}
