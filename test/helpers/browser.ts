/**
 * The browser the console's tests drive: Debian's Chromium through playwright-core (which downloads
 * no browser of its own). `SUPSYNC_TEST_CHROMIUM` names another executable. Without one the tests
 * are skipped with the reason, unless `SUPSYNC_REQUIRE_BROWSER=1` (set by CI), when they fail.
 */
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.SUPSYNC_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** `false` when the tests can run, else why not (node:test's `skip` option). */
export const browserSkip: string | false =
  existsSync(chromiumPath) || process.env.SUPSYNC_REQUIRE_BROWSER === '1'
    ? false
    : `no browser at ${chromiumPath}: apt-get install chromium, or set SUPSYNC_TEST_CHROMIUM`;
