/**
 * One sync in its own process, for bench/sync.ts: prints the finished run and this process's peak RSS.
 *   node --import tsx bench/sync-once.ts <db> [full]
 */
import { openSite } from '../src/app.ts';

const [db, full] = process.argv.slice(2);
if (db === undefined) throw new Error('usage: sync-once.ts <db> [full]');
const site = openSite({ db });
const ticket = await site.coordinator.request({ full: full === 'full', trigger: 'cli' });
const run = await ticket.finished;
await site.close();
console.log(JSON.stringify({ run, maxRssKb: process.resourceUsage().maxRSS }));
