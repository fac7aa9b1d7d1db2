// Fallback when GNU time is missing: `node rss-wrapper.mjs REPORT cmd args…` runs the command and
// writes GNU-time-style lines to REPORT. Node does not expose RUSAGE_CHILDREN, so node commands get
// a preloaded hook that reports their own process.resourceUsage().maxRSS at exit.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const [report, cmd, ...args] = process.argv.slice(2);
const hook = new URL("./rss-hook.cjs", import.meta.url).pathname;
const isNode = cmd === process.execPath || /(^|\/)node$/.test(cmd);
const r = spawnSync(cmd, isNode ? ["--require", hook, ...args] : args, { stdio: "inherit", env: { ...process.env, STOWAWAY_BENCH_RSS_REPORT: report } });
let rss = "";
try {
  rss = readFileSync(report, "utf8");
} catch {
  /* not a node command: no RSS */
}
writeFileSync(report, `${rss}\nExit status: ${r.status ?? 1}\n`);
process.exit(r.status ?? 1);
