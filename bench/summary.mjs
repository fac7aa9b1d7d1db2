#!/usr/bin/env node
// Prints bench/results.json as the Markdown tables used in bench/README.md's "Last results".
import { readFileSync } from "node:fs";

const r = JSON.parse(readFileSync(new URL("./results.json", import.meta.url), "utf8"));
const n = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const ms = (x) => (Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`) : "n/a");
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a");
const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : "n/a");
const out = [];
const m = r.machine;
out.push(`Machine: ${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.platform}.`);

const L = r.lint;
if (L && !L.error) {
  const P = L.precision;
  out.push(
    "",
    `**Linter**, ${L.date.slice(0, 16).replace("T", " ")} UTC${L.quick ? " (quick mode)" : ""}: ${L.corpus.scopeFiles ?? L.corpus.files} files, ${n(L.corpus.mb)} MB, ${L.corpus.scopeSecrets ?? L.corpus.secrets} planted secrets, ${L.corpus.scopeLookAlikes ?? L.corpus.decoys} look-alikes${L.quick ? " (quick mode: first shard and fixtures; scaling on all four sizes)" : ""}.`,
    "",
  );
  out.push("| figure | result | notes |", "|---|---|---|");
  out.push(
    `| throughput | ${n(L.throughput.filesPerSecond, 0)} files/s, ${n(L.throughput.mbPerSecond, 2)} MB/s | whole corpus in ${ms(L.throughput.wallMs)} wall, ${ms(L.throughput.cpuMs)} CPU; median of ${L.throughput.runs}${L.throughput.threads ? `; ${L.throughput.threads} threads` : ""} |`,
  );
  const S = L.throughput.singleThread;
  if (S)
    out.push(
      `| main thread only | ${ms(S.wallMs)} wall, ${ms(S.cpuMs)} CPU | \`STOWAWAY_LINT_WORKERS=1\`, once: ${n(S.cpuMs / L.throughput.filesLinted, 2)} ms CPU a file, peak RSS ${mb(S.peakRssKb)} |`,
    );
  out.push(
    `| start-up | **${n(L.startup.ratio, 2)}×** \`node -e ''\` | ${ms(L.startup.medianMs)} against ${ms(L.startup.nodeMedianMs)}, median of ${L.startup.runs}; target ≤ 1.6× ${L.startup.ratio <= 1.6 ? "✓" : "✗"} |`,
  );
  out.push(
    `| secretlint's time ÷ ours | **${n(L.secretlint.speedup, 1)}×** wall, ${n(L.secretlint.cpuSpeedup, 1)}× CPU | secretlint ${ms(L.secretlint.wallMs)}; target > 1× ${L.secretlint.speedup > 1 ? "✓" : "✗"} |`,
  );
  const F = L.secretlint.withProfilerFix;
  if (F)
    out.push(
      `| secretlint with its profiler fix ÷ ours | **${n(F.speedup, 2)}×** wall, ${n(F.cpuSpeedup, 2)}× CPU | ${ms(F.wallMs)}; upstream fix #1673 applied to ${L.secretlint.version}, same findings: ${F.sameFindings ? "yes" : "no"} |`,
    );
  out.push(
    `| precision, ours / secretlint | **${pct(P.stowaway.precision)}** / ${pct(P.secretlint.precision)} | TP ${P.stowaway.truePositives} / ${P.secretlint.truePositives}, FP ${P.stowaway.falsePositives} / ${P.secretlint.falsePositives}; our errors only: ${pct(P.stowawayErrorsOnly.precision)} |`,
  );
  out.push(
    `| recall, ours / secretlint | **${pct(P.stowaway.recall)}** / ${pct(P.secretlint.recall)} | of ${P.stowaway.secretsPlanted} planted secrets; our errors only: ${pct(P.stowawayErrorsOnly.recall)} |`,
  );
  out.push(`| peak RSS, whole corpus | ${mb(L.memory.peakRssKb)} | secretlint ${mb(L.secretlint.peakRssKb)} |`);
  for (const p of L.scaling.points)
    out.push(
      `| scaling, ${p.files} files | ${ms(p.cpuMs)} CPU | ${ms(p.wallMs)} wall; ${n(p.mb)} MB; secretlint ${p.secretlint ? ms(p.secretlint.cpuMs) : "–"} CPU, with its fix ${p.secretlintWithProfilerFix ? ms(p.secretlintWithProfilerFix.cpuMs) : "–"} |`,
    );
  out.push(
    `| scaling fit (${L.scaling.measure} time) | R² **${n(L.scaling.fit.r2, 4)}** | ${n(L.scaling.fit.msPerFile, 2)} ms a file + ${ms(L.scaling.fit.interceptMs)}; marginal cost ratio ${n(L.scaling.marginalRatio, 2)}; on wall time R² ${n(L.scaling.wallFit?.r2, 4)} |`,
  );
  const fp =
    Object.entries(P.stowaway.falsePositivesByRule)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const missed =
    Object.entries(P.stowaway.recallByKind)
      .filter(([, v]) => v.found < v.planted)
      .map(([k, v]) => `${k} ${v.planted - v.found}/${v.planted}`)
      .join(", ") || "none";
  const slMissed =
    Object.entries(P.secretlint.recallByKind)
      .filter(([, v]) => v.found < v.planted)
      .map(([k, v]) => `${k} ${v.found}/${v.planted}`)
      .join(", ") || "none";
  out.push("", `Our false positives by rule: ${fp}. Secrets we missed, by kind: ${missed}. We ignored ${P.stowaway.infoFindingsIgnored} \`info\` findings.`);
  out.push("", `secretlint, found/planted by kind where it missed some: ${slMissed}.`);
}
const S = r.sidecar;
if (S && !S.error) {
  out.push("", `**Sidecar**, ${S.date.slice(0, 16).replace("T", " ")} UTC${S.quick ? " (quick mode)" : ""}:`, "");
  out.push("| figure | result | notes |", "|---|---|---|");
  for (const x of S.initialRender) {
    const floor = x.floor
      ? `; **${n(x.ratioToFloor, 2)}×** the floor (${ms(x.floor.ms)}), CPU ${ms(x.cpuMs)} = ${n(x.cpuRatioToFloor, 2)}× the floor's; target ≤ 1.2× ${x.ratioToFloor <= 1.2 ? "✓" : "✗"}`
      : "";
    out.push(
      `| initial render, 1,000 secrets, maxConcurrency ${x.maxConcurrency} | ${ms(x.ms)} | ${n(x.secretsPerSecond, 0)} secrets/s from spawn; ${ms(x.renderOnlyMs)} first→last file; ${x.vaultRequests} Vault requests${floor} |`,
    );
  }
  for (const x of S.concurrencyCheck ?? [])
    out.push(`| maxConcurrency ${x.maxConcurrency} honoured | peak ${x.peakInFlight} in flight | ${x.secrets} secrets, ${x.delayMs} ms delay on each answer |`);
  const R = S.rotation;
  out.push(
    `| rotation, beyond the 1 s refresh | p50 ${ms(R.beyondRefresh.p50)}, p95 ${ms(R.beyondRefresh.p95)}, p99 ${ms(R.beyondRefresh.p99)} | poll that saw the change → notification; ${R.samples} bumps, ${R.missed} missed |`,
  );
  out.push(
    `| rotation, write → file | p50 ${ms(R.writeToFile.p50)}, p95 ${ms(R.writeToFile.p95)}, p99 ${ms(R.writeToFile.p99)} | includes the wait for the next poll (≤ 1.1 s) |`,
  );
  out.push(
    `| rotation, write → notification | p50 ${ms(R.writeToNotify.p50)}, p95 ${ms(R.writeToNotify.p95)}, p99 ${ms(R.writeToNotify.p99)} | debounce ${R.debounce} |`,
  );
  const T = S.steadyState;
  out.push(
    `| steady state, 1,000 secrets @ ${T.intervalMs / 1000} s | ${n(T.meanRps, 1)} req/s mean, peak ${T.peakPerSecond} in one second | peak/mean **${n(T.peakToMean, 2)}** over ${ms(T.windowMs)}; target < 2 ${T.peakToMean < 2 ? "✓" : "✗"} |`,
  );
  if (S.bareNode)
    out.push(`| idle, bare node process | ${mb(S.bareNode.rssKb)} RSS | heap ${mb(S.bareNode.heapUsedKb)} used of ${mb(S.bareNode.heapTotalKb)} |`);
  for (const f of S.footprint) {
    const flags = f.nodeFlags ? (f.nodeFlags.length ? " (image flags)" : " (no V8 flags)") : "";
    const target = f.nodeFlags?.length && f.ratioToBareNode ? (f.secrets <= 10 ? 1.3 : f.secrets >= 1000 ? 1.6 : undefined) : undefined;
    const ratio = f.ratioToBareNode ? ` = **${n(f.ratioToBareNode, 2)}×** bare node` : "";
    const heap = `${f.startPeakRssKb ? `start-up peak ${mb(f.startPeakRssKb)} = ${n(f.startPeakRatioToBareNode, 2)}× (before V8's memory reducer); ` : ""}${Number.isFinite(f.heapUsedKb) ? `heap ${mb(f.heapUsedKb)} used of ${mb(f.heapTotalKb)}; ` : ""}`;
    out.push(
      `| idle, ${f.secrets} secrets${flags} | ${mb(f.rssKb)} RSS${ratio}, ${n(f.cpuPercent, 2)}% CPU | ${heap}over ${ms(f.windowMs)}${target ? `; target ≤ ${target}× ${f.ratioToBareNode <= target ? "✓" : "✗"}` : ""} |`,
    );
  }
  const A = S.atomicity;
  out.push(
    `| torn reads | **${A.tornReads}** | ${A.reads} reads by ${A.readers} readers during ${A.rotations} rotations of a ${Math.round(A.fileBytes / 1024)} kB file; ${A.missingReads} found no file |`,
  );
}
console.log(out.join("\n"));
