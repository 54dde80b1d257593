/**
 * The upstream as the sync engine sees it: a port owned by sync. The MS-WSUSSS client adapter
 * (wsusss-source.ts) implements it for Microsoft Update, a WSUS or a parent site; an export package
 * for a disconnected site can implement it too.
 */
import type { UpdateIdentity } from '../catalog/model.ts';
import type { SupsyncError } from '../shared/errors.ts';
import type { IdAndDelta } from '../wsusss/messages/types.ts';

export type { IdAndDelta };

export interface RevisionList {
  /** The anchor to store once everything listed is committed. */
  readonly anchor: string;
  readonly ids: readonly UpdateIdentity[];
}

/** Without products and classifications the list is unfiltered: every software update. */
export interface UpdateListFilter {
  readonly anchor?: string;
  readonly products?: readonly IdAndDelta[];
  readonly classifications?: readonly IdAndDelta[];
}

export interface UpstreamConfig {
  readonly newConfigAnchor: string;
  readonly maxUpdatesPerRequest: number;
  readonly protocolVersion: string;
  /** The whole answer, kept with the sync state. */
  readonly raw: unknown;
}

/** One requested document: its XML, or why it could not be had. */
export type FetchOutcome =
  | { readonly id: UpdateIdentity; readonly xml: string }
  | { readonly id: UpdateIdentity; readonly error: SupsyncError };

export interface UpstreamSession {
  configData(configAnchor: string | undefined): Promise<UpstreamConfig>;
  listCategories(anchor: string | undefined): Promise<RevisionList>;
  listUpdates(filter: UpdateListFilter): Promise<RevisionList>;
  /**
   * Fetches update documents in batches of at most `maxUpdatesPerRequest`, calling `onBatch` once
   * per answered batch in completion order. Ids the upstream cannot serve come back as errors.
   */
  fetch(
    ids: readonly UpdateIdentity[],
    onBatch: (outcomes: readonly FetchOutcome[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}

export interface UpstreamSource {
  /** The upstream's root URL, as shown in status (WSUSSourceServer). */
  readonly url: string;
  open(signal: AbortSignal): Promise<UpstreamSession>;
}
