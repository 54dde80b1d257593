// Preloaded into a measured process (node --import ./bench/peak-rss.mjs ...): reports its peak
// resident set size on stderr when it exits.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
