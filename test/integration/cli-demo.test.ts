/**
 * The main job as a user runs it: `supsync demo` as a real process. It generates the Microsoft
 * Update stand-in, runs the first sync, prints where the API is with an admin token, and serves
 * until SIGTERM; the API answers over real HTTP on loopback. A second run in the same folder reuses
 * the catalog and syncs a delta; a port in use is a plain error, not a hang.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CliProcess, runCli } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/sites.ts';

const FIRST_SYNC_SECONDS = 60;

describe('supsync demo as a process', { concurrency: 1 }, () => {
  const dir = tempDir('supsync-cli-demo-');
  const demoDir = join(dir, 'demo');
  let demo: CliProcess | undefined;
  let base = '';
  let api = '';
  let token = '';
  const auth = () => ({ authorization: `Bearer ${token}` });

  after(async () => {
    await demo?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the stand-in, runs the first sync, prints the API, docs and a token, then serves', async () => {
    demo = new CliProcess(['demo', '--dir', demoDir, '--updates', '400', '--port', '0', '--upstream-port', '0'], {
      cwd: dir,
    });
    await demo.waitForOutput(/^Serving; press Ctrl-C to stop\.$/m, FIRST_SYNC_SECONDS * 1000);
    const out = demo.stdout;
    assert.match(out, /^Generating a Microsoft Update stand-in catalog of 400 updates \(seed supsync\)\.\.\.$/m);
    assert.match(out, /^Microsoft Update stand-in: http:\/\/127\.0\.0\.1:\d+$/m);
    const apiLine = /^Site CS1 API: +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1$/m.exec(out);
    assert.ok(apiLine, out);
    base = apiLine[1] as string;
    api = `${base}/api/v1`;
    assert.match(out, new RegExp(`^API docs: +${base}/docs$`, 'm'));
    assert.match(out, new RegExp(`^Console: +${base}/console/$`, 'm'));
    token = /^Admin token \(shown once\): +(sup_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1] ?? '';
    assert.ok(token, out);
    assert.match(out, /^full sync \(#1\): first synchronization from this upstream$/m);
    assert.match(out, /^sync #1 succeeded: full \(first synchronization from this upstream\)$/m);
    // The stand-in's catalog is dated 2026-11-10 while the site's supersedence rules run on the wall
    // clock, so what the first sync expires grows as real time passes.
    assert.match(out, /^ {2}updates {4}listed 400, downloaded 400, repaired 0, expired \d+, removed 0, failed 0$/m);
    assert.match(out, /^ {2}catalog version 1$/m);
    assert.ok(
      out.indexOf('Admin token') < out.indexOf('full sync (#1)'),
      'the addresses come before the sync progress',
    );
    assert.match(out, new RegExp(`^ {2}npx supsync sync --server ${base} --token ${token}$`, 'm'));
    assert.equal(demo.stderr, '');
  });

  it('GET /status with the token: the finished first sync (6702), and the next scheduled sync', async () => {
    const res = await fetch(`${api}/status`, { headers: auth() });
    assert.equal(res.status, 200);
    const [row] = (await res.json()) as Record<string, unknown>[];
    assert.equal(row?.SiteCode, 'CS1');
    assert.equal(row?.LastSyncState, 6702);
    assert.equal(row?.LastSyncErrorCode, 0);
    assert.equal(row?.LastSyncKind, 'full');
    assert.equal(row?.LastRunId, 1, 'one sync only: the scheduler did not start a catch-up sync of its own');
    assert.ok(typeof row?.NextScheduledSync === 'string', 'the scheduler runs while the demo serves');
  });

  it('GET /updates?limit=5: SMS_SoftwareUpdate items', async () => {
    const res = await fetch(`${api}/updates?limit=5`, { headers: auth() });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { total: number; items: Record<string, unknown>[] };
    assert.equal(page.items.length, 5);
    assert.ok(page.total >= 400, `total ${page.total}`);
    for (const u of page.items) {
      assert.match(String(u.CI_UniqueID), /^[0-9a-f-]{36}$/);
      assert.ok(typeof u.LocalizedDisplayName === 'string' && u.LocalizedDisplayName !== '');
    }
  });

  it('POST /sync answers 202 with a runId at once; the run finishes as a delta', async () => {
    const res = await fetch(`${api}/sync`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ full: false }),
    });
    assert.equal(res.status, 202);
    const ticket = (await res.json()) as { runId: number; coalesced: boolean; location: string };
    assert.equal(ticket.runId, 2);
    assert.equal(ticket.coalesced, false);
    assert.equal(res.headers.get('location'), `/api/v1/runs/${ticket.runId}`);
    // The run's event stream ends with `finished`.
    const events = await fetch(`${api}/runs/${ticket.runId}/events`, {
      headers: auth(),
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(events.status, 200);
    const text = await events.text();
    const finished = /event: finished\nid: \d+\ndata: (.*)\n/.exec(text);
    assert.ok(finished, text);
    const run = JSON.parse(finished[1] as string) as Record<string, unknown>;
    assert.equal(run.state, 'succeeded');
    assert.equal(run.kind, 'delta');
    assert.equal(run.trigger, 'api');
  });

  it('the browsable docs and the OpenAPI document are served', async () => {
    const docs = await fetch(`${base}/docs`);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await docs.text(), /<html/i);
    const openapi = await fetch(`${base}/openapi.json`);
    assert.equal(openapi.status, 200);
    const doc = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\.1\./);
    assert.ok('/api/v1/status' in doc.paths);
  });

  it('without a token the API answers 401 AUTH_REQUIRED', async () => {
    const res = await fetch(`${api}/status`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'AUTH_REQUIRED');
  });

  it('SIGTERM stops it with exit code 0 within a few seconds', async () => {
    assert.ok(demo);
    const exit = await demo.stop('SIGTERM', 5_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stderr, '');
  });

  it('a second run in the same folder reuses the catalog and syncs a delta', async () => {
    const r = await runCli(
      ['demo', '--dir', demoDir, '--updates', '400', '--port', '0', '--upstream-port', '0', '--exit-after-sync'],
      { cwd: dir, timeoutMs: FIRST_SYNC_SECONDS * 1000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Generating/);
    assert.match(r.stdout, /^delta sync \(#3\): changes since the last successful sync$/m);
    assert.match(r.stdout, /^sync #3 succeeded: delta \(changes since the last successful sync\)$/m);
    assert.match(r.stdout, /^ {2}updates {4}listed 0, downloaded 0, repaired 0, expired \d+, removed 0, failed 0$/m);
    assert.doesNotMatch(r.stdout, /Serving; press Ctrl-C/);
  });

  it('a port in use is an input error (exit 2), not a hang', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(
        ['demo', '--dir', join(dir, 'busy'), '--updates', '10', '--port', String(port), '--upstream-port', '0'],
        { cwd: dir, timeoutMs: FIRST_SYNC_SECONDS * 1000 },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        `error INPUT_INVALID: --port ${port} is in use; choose another port (0 picks a free one)\n`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
