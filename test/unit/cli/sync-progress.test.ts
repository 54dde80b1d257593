import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressPrinter } from '../../../src/cli/sync-progress.ts';

describe('sync progress without a terminal', () => {
  it('prints a line each time another tenth is done, with the exact percentage', () => {
    const lines: string[] = [];
    const { onEvent } = progressPrinter({ out: (t) => lines.push(t), err: () => {}, isTty: false });
    onEvent({ kind: 'phase', runId: 1, phase: 'updates', total: 3000 });
    for (const done of [100, 200, 300, 310, 2999, 3000]) {
      onEvent({ kind: 'progress', runId: 1, phase: 'updates', done, total: 3000, etaSeconds: null });
    }
    assert.deepEqual(lines, [
      'updates: 3000 to download\n',
      'updates: processed 100 out of 3000 items (3%)\n',
      'updates: processed 300 out of 3000 items (10%)\n',
      'updates: processed 2999 out of 3000 items (99%)\n',
      'updates: processed 3000 out of 3000 items (100%)\n',
    ]);
  });
});
