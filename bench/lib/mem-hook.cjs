// Preloaded (-r) into the processes whose idle footprint the bench compares: on SIGUSR2, writes
// process.memoryUsage() (heap and RSS as node sees them) to $STOWAWAY_BENCH_MEM_REPORT.
process.on("SIGUSR2", () => {
  const file = process.env.STOWAWAY_BENCH_MEM_REPORT;
  if (file) require("node:fs").writeFileSync(file, JSON.stringify(process.memoryUsage()));
});
