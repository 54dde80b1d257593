/**
 * The optional alert webhook: when a sync-failure alert is raised or canceled, POST a small JSON
 * document to `settings.alertWebhookUrl`. Fire-and-forget with a timeout; a webhook that is down is
 * logged, never allowed to slow or fail a sync.
 */
import { request } from 'undici';
import type { SupSettings } from '../site/settings.ts';
import type { SyncEvent } from '../sync/engine.ts';

export interface AlertWebhookPayload {
  readonly kind: 'sync-failure';
  readonly state: 'raised' | 'canceled';
  readonly message: string;
  readonly siteCode: string;
  readonly supName: string;
  readonly time: string;
}

export interface AlertWebhookOptions {
  readonly settings: () => Promise<SupSettings | undefined>;
  readonly now: () => Date;
  readonly log: (level: 'info' | 'warning' | 'error', message: string) => void;
  readonly timeoutMs?: number;
}

export class AlertWebhook {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: AlertWebhookOptions) {}

  /** Takes every engine event; sends alert changes when a webhook is configured. */
  onEvent(event: SyncEvent): void {
    if (event.kind !== 'alert') return;
    const p = this.deliver(event).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every delivery started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async deliver(event: Extract<SyncEvent, { kind: 'alert' }>): Promise<void> {
    let url: string | undefined;
    try {
      const settings = await this.opts.settings();
      url = settings?.alertWebhookUrl;
      if (settings === undefined || url === undefined) return;
      const payload: AlertWebhookPayload = {
        kind: 'sync-failure',
        state: event.state,
        message: event.message,
        siteCode: settings.siteCode,
        supName: settings.supName,
        time: this.opts.now().toISOString(),
      };
      const timeout = this.opts.timeoutMs ?? 10_000;
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'supsync alert webhook' },
        body: JSON.stringify(payload),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      await res.body.dump();
      if (res.statusCode >= 300) this.opts.log('warning', `Alert webhook ${url} answered HTTP ${res.statusCode}`);
    } catch (err) {
      this.opts.log(
        'warning',
        `Alert webhook ${url ?? ''} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
