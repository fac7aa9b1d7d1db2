#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only lint|sidecar] [-- --no-regen]`
// Prints a table and writes bench/results.json. Never part of `npm test`. See bench/README.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchLint } from "./lib/lint-bench.mjs";
import { fmt, machine } from "./lib/util.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "no-regen": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run bench [-- --quick] [-- --only lint|sidecar] [-- --no-regen]");
  process.exit(0);
}
if (values.only && !["lint", "sidecar"].includes(values.only)) {
  console.error(`--only takes lint or sidecar, not "${values.only}"`);
  process.exit(2);
}
const quick = values.quick;
const want = (s) => !values.only || values.only === s;
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

if (!existsSync(`${root}packages/cli/dist/main.js`)) {
  console.error("The CLI is not built: run `npm run build` first.");
  process.exit(2);
}

const resultsPath = `${root}bench/results.json`;
let results = {};
try {
  results = JSON.parse(readFileSync(resultsPath, "utf8"));
} catch {
  results = {};
}
results.version = 1;
results.machine = machine();
results.date = new Date().toISOString();
results.quick = quick;

let failed = false;
if (want("lint")) {
  try {
    const t0 = Date.now();
    results.lint = { date: results.date, quick, ...(await benchLint({ root, quick, log, regen: !values["no-regen"] })) };
    results.lint.elapsedMs = Date.now() - t0;
  } catch (e) {
    failed = true;
    log(`lint benchmarks failed: ${e.message}`);
    results.lint = { date: results.date, quick, error: e.message };
  }
}
if (want("sidecar")) {
  try {
    const { benchSidecar } = await import("./lib/sidecar-bench.mjs");
    const t0 = Date.now();
    results.sidecar = { date: results.date, quick, ...(await benchSidecar({ root, quick, log })) };
    results.sidecar.elapsedMs = Date.now() - t0;
  } catch (e) {
    failed = true;
    log(`sidecar benchmarks failed: ${e.stack ?? e.message}`);
    results.sidecar = { date: results.date, quick, error: e.message };
  }
}
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + "\n");
printTable(results);
console.log(`\nwrote bench/results.json (${results.machine.cpus} × ${results.machine.cpuModel}, node ${results.machine.node}${quick ? ", quick mode" : ""})`);
process.exitCode = failed ? 1 : 0;

function printTable(r) {
  const rows = [];
  // A --quick run judges only what its small sample can: the rest print no ✓/✗ (issue 16), since
  // e.g. secretlint's O(n²) does not show on one shard and a 5 s idle window is still settling.
  const judge = (ok, comparableInQuick, target) => (r.quick && !comparableInQuick ? `${target}: not judged in --quick` : `${target} ${ok ? "✓" : "✗"}`);
  const sec = (title) => rows.push([`— ${title}`, "", ""]);
  const row = (what, value, note = "") => rows.push([what, value, note]);
  const L = r.lint;
  if (L && !L.error && want("lint")) {
    const C = L.corpus;
    sec(
      `linter (${C.scopeFiles ?? C.files} files, ${fmt.num(C.mb)} MB, ${C.scopeSecrets ?? C.secrets} planted secrets, ${C.scopeLookAlikes ?? C.decoys} look-alikes${L.quick ? "; quick: first shard and fixtures, scaling on all" : ""})`,
    );
    row(
      "throughput",
      `${fmt.num(L.throughput.filesPerSecond, 0)} files/s, ${fmt.num(L.throughput.mbPerSecond, 2)} MB/s`,
      `whole corpus in ${fmt.ms(L.throughput.wallMs)} wall, ${fmt.ms(L.throughput.cpuMs)} CPU, one process${L.throughput.threads ? `, ${L.throughput.threads} threads` : ""}`,
    );
    const S = L.throughput.singleThread;
    if (S)
      row(
        "main thread only",
        `${fmt.ms(S.wallMs)} wall, ${fmt.ms(S.cpuMs)} CPU`,
        `STOWAWAY_LINT_WORKERS=1, once; ${fmt.num(S.cpuMs / L.throughput.filesLinted, 2)} ms CPU a file; peak RSS ${fmt.mb(S.peakRssKb)}`,
      );
    row(
      "start-up (median of " + L.startup.runs + ")",
      `${fmt.ms(L.startup.medianMs)} = ${fmt.num(L.startup.ratio, 2)}× node -e ''`,
      `node -e '' ${fmt.ms(L.startup.nodeMedianMs)}; ${judge(L.startup.ratio <= L.startup.target, true, `target ≤ ${L.startup.target}×`)}`,
    );
    row(
      "secretlint wall time",
      `${fmt.ms(L.secretlint.wallMs)} = ${fmt.num(L.secretlint.speedup, 1)}× ours`,
      `CPU time ${fmt.num(L.secretlint.cpuSpeedup, 1)}× ours; secretlint ${L.secretlint.version} + preset-recommend ${L.secretlint.preset}; ${judge(L.secretlint.speedup > 1, false, "target > 1×")}`,
    );
    const F = L.secretlint.withProfilerFix;
    if (F)
      row(
        "secretlint with its profiler fix",
        `${fmt.ms(F.wallMs)} = ${fmt.num(F.speedup, 2)}× ours`,
        `CPU time ${fmt.num(F.cpuSpeedup, 2)}× ours; upstream #1673 (needs Node 22) applied to ${L.secretlint.version}; same findings: ${F.sameFindings ? "yes" : "NO"}`,
      );
    const P = L.precision;
    row(
      "precision stowaway / secretlint",
      `${fmt.pct(P.stowaway.precision)} / ${fmt.pct(P.secretlint.precision)}`,
      `TP ${P.stowaway.truePositives}/${P.secretlint.truePositives}, FP ${P.stowaway.falsePositives}/${P.secretlint.falsePositives}`,
    );
    row(
      "recall stowaway / secretlint",
      `${fmt.pct(P.stowaway.recall)} / ${fmt.pct(P.secretlint.recall)}`,
      `of ${P.stowaway.secretsPlanted} planted secrets; info findings count as not reported`,
    );
    row("peak RSS (whole corpus)", `${fmt.mb(L.memory.peakRssKb)}`, `secretlint ${fmt.mb(L.secretlint.peakRssKb)}`);
    for (const p of L.scaling.points)
      row(
        `scaling: ${p.files} files`,
        `${fmt.ms(p.cpuMs)} CPU`,
        `${fmt.ms(p.wallMs)} wall; ${fmt.num(p.mb)} MB; secretlint ${p.secretlint ? fmt.ms(p.secretlint.cpuMs) : "–"}, with its fix ${p.secretlintWithProfilerFix ? fmt.ms(p.secretlintWithProfilerFix.cpuMs) : "–"} CPU`,
      );
    row(
      `scaling fit (${L.scaling.measure} time)`,
      `R² ${fmt.num(L.scaling.fit.r2, 4)}`,
      `${fmt.num(L.scaling.fit.msPerFile, 2)} ms/file + ${fmt.ms(L.scaling.fit.interceptMs)}; marginal cost ratio ${fmt.num(L.scaling.marginalRatio, 2)}`,
    );
  } else if (L?.error && want("lint")) {
    sec("linter");
    row("error", L.error.slice(0, 100));
  }
  const S = r.sidecar;
  if (S && !S.error && want("sidecar")) {
    sec("sidecar (vault-dev on loopback, sidecar as a real process)");
    for (const x of S.concurrencyCheck ?? [])
      row(
        `maxConcurrency ${x.maxConcurrency} honoured`,
        `peak ${x.peakInFlight} in flight`,
        `${x.secrets} secrets with a ${x.delayMs} ms delay on every Vault answer`,
      );
    for (const x of S.initialRender ?? [])
      row(
        `initial render ${x.secrets} secrets, maxConcurrency ${x.maxConcurrency}`,
        x.floor ? `${fmt.ms(x.ms)} = ${fmt.num(x.ratioToFloor, 2)}× the floor` : fmt.ms(x.ms),
        x.floor
          ? `floor ${fmt.ms(x.floor.ms)}; CPU ${fmt.ms(x.cpuMs)} = ${fmt.num(x.cpuRatioToFloor, 2)}× the floor's; ${judge(x.ratioToFloor <= 1.2, false, "target ≤ 1.2×")}`
          : `${fmt.num(x.secretsPerSecond, 0)} secrets/s`,
      );
    if (S.rotation)
      row(
        `rotation latency beyond ${S.rotation.refreshIntervalMs} ms refresh`,
        `p50 ${fmt.ms(S.rotation.beyondRefresh.p50)} p95 ${fmt.ms(S.rotation.beyondRefresh.p95)} p99 ${fmt.ms(S.rotation.beyondRefresh.p99)}`,
        `write→notify, ${S.rotation.samples} bumps; write→file p50 ${fmt.ms(S.rotation.writeToFile.p50)}`,
      );
    if (S.steadyState)
      row(
        `steady state ${S.steadyState.secrets} secrets @ ${S.steadyState.intervalMs / 1000}s`,
        `${fmt.num(S.steadyState.meanRps, 1)} req/s mean, peak ${S.steadyState.peakPerSecond}/s`,
        `peak/mean ${fmt.num(S.steadyState.peakToMean, 2)}, ${judge(S.steadyState.peakToMean < 2, false, "target < 2")}; over ${fmt.ms(S.steadyState.windowMs)}`,
      );
    if (S.bareNode)
      row("idle bare node process", `${fmt.mb(S.bareNode.rssKb)} RSS`, `heap ${fmt.mb(S.bareNode.heapUsedKb)} used of ${fmt.mb(S.bareNode.heapTotalKb)}`);
    for (const f of S.footprint ?? []) {
      const target = f.secrets <= 10 ? 1.3 : f.secrets >= 1000 ? 1.6 : undefined;
      const flags = f.nodeFlags ? (f.nodeFlags.length ? "image flags" : "no V8 flags") : "";
      row(
        `idle footprint ${f.secrets} secrets${flags ? ` (${flags})` : ""}`,
        f.ratioToBareNode ? `${fmt.mb(f.rssKb)} RSS = ${fmt.num(f.ratioToBareNode, 2)}× bare node` : `${fmt.mb(f.rssKb)} RSS`,
        `${f.startPeakRssKb ? `start-up peak ${fmt.mb(f.startPeakRssKb)} = ${fmt.num(f.startPeakRatioToBareNode, 2)}× (before V8's memory reducer); ` : ""}heap ${fmt.mb(f.heapUsedKb)} used of ${fmt.mb(f.heapTotalKb)}; ${fmt.num(f.cpuPercent, 2)}% CPU over ${fmt.ms(f.windowMs)}${target && f.nodeFlags?.length && f.ratioToBareNode ? `; ${judge(f.ratioToBareNode <= target, false, `target ≤ ${target}×`)}` : ""}`,
      );
    }
    if (S.atomicity)
      row(
        "torn reads",
        String(S.atomicity.tornReads),
        `${S.atomicity.reads} reads during ${S.atomicity.rotations} rotations; ${judge(S.atomicity.tornReads === 0, true, "must be 0")}`,
      );
  } else if (S?.error && want("sidecar")) {
    sec("sidecar");
    row("error", S.error.slice(0, 100));
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) {
    if (a.startsWith("— ")) console.log(`\n${a}`);
    else console.log(`  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  }
}
