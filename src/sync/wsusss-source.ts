/**
 * The UpstreamSource adapter for MS-WSUSSS upstreams: Microsoft Update, a WSUS, or a parent supsync.
 */
import { WsusssClient, type WsusssClientOptions } from '../wsusss/client.ts';
import type { UpstreamSession, UpstreamSource } from './upstream-source.ts';

export function wsusssSource(options: WsusssClientOptions): UpstreamSource {
  return {
    url: options.upstreamUrl,
    async open(signal): Promise<UpstreamSession> {
      const client = new WsusssClient(options);
      let maxPerRequest = 100;
      return {
        async configData(configAnchor) {
          const config = await client.getConfigData(configAnchor, signal);
          maxPerRequest = config.maxNumberOfUpdatesPerRequest > 0 ? config.maxNumberOfUpdatesPerRequest : 100;
          return {
            newConfigAnchor: config.newConfigAnchor ?? '',
            maxUpdatesPerRequest: maxPerRequest,
            protocolVersion: config.protocolVersion ?? '',
            raw: config,
          };
        },
        async listCategories(anchor) {
          const list = await client.getRevisionIdList(
            { ...(anchor === undefined ? {} : { anchor }), getConfig: true },
            signal,
          );
          return { anchor: list.anchor ?? '', ids: list.newRevisions };
        },
        async listUpdates(filter) {
          const list = await client.getRevisionIdList(
            {
              ...(filter.anchor === undefined ? {} : { anchor: filter.anchor }),
              getConfig: false,
              ...(filter.products === undefined ? {} : { categories: filter.products }),
              ...(filter.classifications === undefined ? {} : { classifications: filter.classifications }),
            },
            signal,
          );
          return { anchor: list.anchor ?? '', ids: list.newRevisions };
        },
        async fetch(ids, onBatch, fetchSignal) {
          await client.fetchUpdates(ids, maxPerRequest, (items) => onBatch(items), fetchSignal);
        },
        close: () => client.close(),
      };
    },
  };
}
