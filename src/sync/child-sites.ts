/**
 * The hierarchy below a site: after each successful sync the site notifies its child sites, which
 * then sync from it (ConfigMgr's parent sync request: "Sending sync notification to child site(s):
 * PS1, PS2" at the parent, "Performing sync on parent request" at the child), and the sync status of
 * every SUP in the hierarchy is read from the children's own status.
 *
 * A notification is `POST <child>/api/v1/sync {"full": false, "parent": "<site code>"}` with the
 * operator token the child issued for this parent; the child's planner escalates it to full when its
 * own rules say so. A child that cannot be reached or refuses is logged and recorded, and never slows
 * or fails the parent's sync. Notifications of one sync finish before the site closes.
 */
import { request } from 'undici';
import type { ChildSiteRecord, SiteStore, SyncRunRecord } from '../store/site-store.ts';
import type { SyncEvent } from './engine.ts';
import type { SupSyncStatus } from './status.ts';
import type { SyncLog } from './wsyncmgr-log.ts';

const TIMEOUT_MS = 10_000;

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

/** Notifies the child sites after each successful sync. */
export class ChildNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: ChildNotifierOptions) {}

  /** Takes every engine event; a successful run notifies the children. */
  onEvent(event: SyncEvent): void {
    if (event.kind !== 'finished' || event.run.state !== 'succeeded') return;
    const p = this.notifyAll(event.run)
      .catch((err) => this.opts.log.write('warning', `Sending sync notifications failed: ${messageOf(err)}`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every notification started so far has ended. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async notifyAll(run: SyncRunRecord): Promise<void> {
    const [children, settings] = await Promise.all([this.opts.store.listChildSites(), this.opts.store.getSettings()]);
    if (children.length === 0 || settings === undefined) return;
    this.opts.log.write(
      'info',
      `Sending sync notification to child site(s): ${children.map((c) => c.siteCode).join(', ')} (catalog version ${run.catalogVersion ?? 0})`,
    );
    await Promise.all(children.map((c) => this.notify(c, settings.siteCode)));
  }

  private async notify(child: ChildSiteRecord, parent: string): Promise<void> {
    const { log } = this.opts;
    let result: string;
    try {
      const answer = await callChild(child, 'POST', 'sync', { full: false, parent }, this.opts.timeoutMs ?? TIMEOUT_MS);
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
}

/** Reads every child's sync status (side by side, each within the timeout). */
export async function readChildStatuses(
  store: Pick<SiteStore, 'listChildSites'>,
  timeoutMs = TIMEOUT_MS,
): Promise<ChildSiteStatus[]> {
  const children = await store.listChildSites();
  return Promise.all(
    children.map(async (c): Promise<ChildSiteStatus> => {
      let status: SupSyncStatus | null = null;
      let statusError: string | null = null;
      try {
        const answer = await callChild(c, 'GET', 'status', undefined, timeoutMs);
        // GET /status answers one row per SUP of the site: supsync has one.
        if (answer.status === 200 && Array.isArray(answer.body)) status = (answer.body[0] as SupSyncStatus) ?? null;
        else statusError = refusal(answer);
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
      };
    }),
  );
}
