// Preloaded by rss-wrapper.mjs: writes this process's peak RSS in GNU time's wording at exit.
process.on("exit", () => {
  const file = process.env.STOWAWAY_BENCH_RSS_REPORT;
  if (file) require("node:fs").writeFileSync(file, `Maximum resident set size (kbytes): ${process.resourceUsage().maxRSS}\n`);
});
