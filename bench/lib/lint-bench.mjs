// The linter's benchmarks: throughput, start-up, secretlint side by side, peak RSS, scaling.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DEFAULT_FILES, DEFAULT_SEED, generateCorpus } from "./corpus.mjs";
import { score } from "./score.mjs";
import { lintThreads } from "../../packages/lint/dist/parallel.js";
import { hrms, linearFit, median, runMeasured } from "./util.mjs";

export async function benchLint({ root, quick, log, regen = true }) {
  const corpusDir = join(root, "bench/corpus");
  const cli = join(root, "packages/cli/bin/stowaway.js");
  const binLink = join(root, "node_modules/.bin/stowaway");
  const secretlintBin = join(root, "node_modules/secretlint/bin/secretlint.js");
  const tmp = mkdtempSync(join(tmpdir(), "stowaway-bench-lint-"));
  const out = {};
  try {
    // ---- corpus
    // Regenerated every run (a few seconds) so the figures always match the generator in the tree.
    let corpus = readLabels(corpusDir);
    if (regen || !corpus || corpus.seed !== DEFAULT_SEED || corpus.summary?.synthFiles !== DEFAULT_FILES) {
      log("generating bench/corpus …");
      generateCorpus({ outDir: corpusDir, files: DEFAULT_FILES, seed: DEFAULT_SEED, fixturesRoot: join(root, "test/fixtures") });
      corpus = readLabels(corpusDir);
    }
    // --quick: throughput, secretlint and precision on the first shard plus the fixtures (~280
    // files); scaling still covers all four sizes, once each.
    const hasFixtures = corpus.files.some((f) => f.fixture);
    const roots = [quick ? corpus.shards[0] : "synth", ...(hasFixtures ? ["fixtures"] : [])];
    const inScope = (f) => roots.some((r) => f.file.startsWith(r + "/"));
    const scope = { ...corpus, files: corpus.files.filter(inScope), labels: corpus.labels.filter(inScope) };
    const totalBytes = scope.files.reduce((s, f) => s + f.bytes, 0);
    const secretsInScope = scope.labels.filter((l) => l.secret).length;
    out.corpus = {
      ...corpus.summary,
      scope: roots,
      scopeFiles: scope.files.length,
      mb: totalBytes / 1e6,
      scopeSecrets: secretsInScope,
      scopeLookAlikes: scope.labels.length - secretsInScope,
    };
    log(
      `corpus: ${corpus.files.length} files${quick ? `, using ${scope.files.length} (${roots.join(", ")})` : ""}, ${(totalBytes / 1e6).toFixed(1)} MB, ${secretsInScope} planted secrets, ${scope.labels.length - secretsInScope} look-alikes`,
    );

    // ---- throughput and peak RSS: the whole corpus in one process. Files are named on the command
    // line, the same list secretlint gets: bench/corpus/ is gitignored, and a directory walk skips
    // what .gitignore excludes (named files are always linted).
    const runs = quick ? 1 : 3;
    const ours = [];
    let report;
    const lintWhole = () => {
      const file = join(tmp, "ours.json");
      const r = runMeasured(process.execPath, [cli, "lint", "--format", "json", "--fail-on", "none", "--output", file, ...scope.files.map((f) => f.file)], {
        cwd: corpusDir,
      });
      if (r.status !== 0 && r.status !== 1) throw new Error(`stowaway lint exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      ours.push(r);
      if (!report) report = JSON.parse(readFileSync(file, "utf8"));
      rmSync(file, { force: true });
    };
    // ours, secretlint, ours, ours: interleaved so a change in machine load hits both tools.
    lintWhole();
    // ---- secretlint on the same files, same run
    const rc = join(tmp, ".secretlintrc.json");
    writeFileSync(rc, JSON.stringify({ rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] }));
    const unprofiled = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "secretlint-unprofiled.mjs");
    /** One secretlint run over `paths`; `fixed` runs it with the upstream profiler fix applied. */
    const secretlint = (paths, fixed = false) => {
      const slFile = join(tmp, "secretlint.json");
      const entry = fixed ? unprofiled : secretlintBin;
      const r = runMeasured(process.execPath, [entry, "--format", "json", "--no-color", "--secretlintrc", rc, "--output", slFile, "--no-glob", ...paths], {
        cwd: corpusDir,
      });
      if (!existsSync(slFile)) throw new Error(`secretlint wrote no report (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
      // The report embeds each file's source (secrets included): read what we need, then delete it.
      const findings = [];
      const fileResults = JSON.parse(readFileSync(slFile, "utf8"));
      rmSync(slFile, { force: true });
      for (const fileResult of fileResults) {
        const file = relative(corpusDir, fileResult.filePath).split("\\").join("/");
        for (const m of fileResult.messages ?? []) if (m.type !== "ignore") findings.push({ file, line: m.loc?.start?.line ?? 0, ruleId: m.ruleId });
      }
      return { ...r, files: fileResults.length, findings };
    };
    const sl = secretlint(scope.files.map((f) => f.file));
    const slFixed = secretlint(
      scope.files.map((f) => f.file),
      true,
    );
    for (let i = 1; i < runs; i++) lintWhole();
    // The same run on the main thread only: what a run under the worker threshold costs a file, and
    // what the workers add in CPU and memory (issue 16). Once; it is not part of the medians.
    const single = runMeasured(
      process.execPath,
      [cli, "lint", "--format", "json", "--fail-on", "none", "--output", join(tmp, "single.json"), ...scope.files.map((f) => f.file)],
      { cwd: corpusDir, env: { ...process.env, STOWAWAY_LINT_WORKERS: "1" } },
    );
    rmSync(join(tmp, "single.json"), { force: true });
    const oursMs = median(ours.map((r) => r.ms));
    const oursCpuMs = median(ours.map((r) => r.cpuMs));
    const filesLinted = report.summary?.files ?? scope.files.length;
    if (filesLinted < scope.files.length) throw new Error(`stowaway linted ${filesLinted} of the ${scope.files.length} corpus files it was given`);
    out.throughput = {
      runs,
      wallMs: oursMs,
      cpuMs: oursCpuMs,
      filesLinted,
      filesPerSecond: filesLinted / (oursMs / 1000),
      mbPerSecond: totalBytes / 1e6 / (oursMs / 1000),
      lintErrors: report.errors?.length ?? 0,
      // Threads of the default run (main included), as the CLI chooses them on this machine.
      threads: lintThreads(scope.files.length, process.env),
      singleThread: { wallMs: single.ms, cpuMs: single.cpuMs, peakRssKb: single.rssKb },
    };
    out.memory = { peakRssKb: Math.max(...ours.map((r) => r.rssKb)), via: ours[0].via };
    log(`stowaway lint: ${filesLinted} files in ${(oursMs / 1000).toFixed(2)} s, peak RSS ${(out.memory.peakRssKb / 1024).toFixed(0)} MB`);

    const slFindings = sl.findings;
    const oursFindings = report.findings
      .filter((f) => f.severity !== "info")
      .map((f) => ({ file: f.file.split("\\").join("/"), line: f.line, ruleId: f.ruleId, severity: f.severity }));
    const oursInfo = report.findings.filter((f) => f.severity === "info").length;
    out.secretlint = {
      version: readJson(join(root, "node_modules/secretlint/package.json")).version,
      preset: readJson(join(root, "node_modules/@secretlint/secretlint-rule-preset-recommend/package.json")).version,
      filesScanned: sl.files,
      wallMs: sl.ms,
      cpuMs: sl.cpuMs,
      peakRssKb: sl.rssKb,
      speedup: sl.ms / oursMs,
      cpuSpeedup: sl.cpuMs / oursCpuMs,
      // secretlint ≤ 13.0.4 is O(n²) in the number of files through its always-on profiler
      // (secretlint#1633/#1653, fixed by #1673 in a release that needs Node 22). The same version
      // with that fix applied (bench/lib/secretlint-unprofiled.mjs) stands in for a current one.
      withProfilerFix: {
        wallMs: slFixed.ms,
        cpuMs: slFixed.cpuMs,
        peakRssKb: slFixed.rssKb,
        speedup: slFixed.ms / oursMs,
        cpuSpeedup: slFixed.cpuMs / oursCpuMs,
        sameFindings: JSON.stringify(slFixed.findings) === JSON.stringify(sl.findings),
      },
    };
    out.precision = {
      note: "findings matched to labels by (file, line); stowaway's info findings (placeholders) count as not reported",
      stowaway: { ...score(oursFindings, scope), infoFindingsIgnored: oursInfo },
      secretlint: score(slFindings, scope),
      // For information: stowaway's errors only (warnings such as secret-build-arg flag a practice, not a value).
      stowawayErrorsOnly: score(
        oursFindings.filter((f) => f.severity === "error"),
        scope,
      ),
    };
    log(`secretlint ${out.secretlint.version}: ${sl.files} files in ${(sl.ms / 1000).toFixed(2)} s; with the profiler fix ${(slFixed.ms / 1000).toFixed(2)} s`);

    // ---- start-up: one Dockerfile, cold processes, against `node -e ''`
    const one = pickStartupFile(corpus);
    const n = quick ? 5 : 20;
    const spawnMs = (cmd, args) => {
      const t0 = hrms();
      const r = spawnSync(cmd, args, { cwd: corpusDir, stdio: "ignore" });
      const ms = hrms() - t0;
      if (r.error) throw r.error;
      return ms;
    };
    const bin = existsSync(binLink) ? binLink : cli;
    const binCmd = bin === cli ? [process.execPath, [cli, "lint", one.file]] : [bin, ["lint", one.file]];
    const nodeCmd = [process.execPath, ["-e", ""]];
    for (let i = 0; i < 2; i++) {
      spawnMs(...nodeCmd);
      spawnMs(...binCmd);
    }
    const nodeTimes = [];
    const ourTimes = [];
    for (let i = 0; i < n; i++) {
      // Interleaved so drift on a noisy machine hits both alike.
      nodeTimes.push(spawnMs(...nodeCmd));
      ourTimes.push(spawnMs(...binCmd));
    }
    out.startup = {
      command: `${relative(root, bin)} lint ${one.file}`,
      file: one.file,
      fileBytes: one.bytes,
      runs: n,
      medianMs: median(ourTimes),
      nodeMedianMs: median(nodeTimes),
      ratio: median(ourTimes) / median(nodeTimes),
      target: 1.6,
    };
    log(`start-up: ${out.startup.medianMs.toFixed(1)} ms vs node -e '' ${out.startup.nodeMedianMs.toFixed(1)} ms → ${out.startup.ratio.toFixed(2)}×`);

    // ---- scaling: 250, 500, 1,000, 2,000 files (shards are nested prefixes of the synthetic part).
    // Sizes are interleaved round-robin so drifting machine load spreads over all four. The fit uses
    // CPU time (user + system), which another process's load disturbs far less than wall time.
    const shards = corpus.shards;
    const points = shards.map((_, k) => {
      const dirs = shards.slice(0, k + 1);
      const files = corpus.files.filter((f) => dirs.some((d) => f.file.startsWith(d + "/")));
      return { paths: files.map((f) => f.file), files: files.length, mb: files.reduce((s, f) => s + f.bytes, 0) / 1e6, wall: [], cpu: [] };
    });
    // Every size runs on the threads the largest gets by default, so that the four points measure
    // the same thing: the default starts workers only from WORKER_THRESHOLD (500) files.
    const scaleThreads = lintThreads(points[points.length - 1].files, {});
    const scaleEnv = { ...process.env, STOWAWAY_LINT_WORKERS: String(scaleThreads) };
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      for (const p of points) {
        const r = runMeasured(process.execPath, [cli, "lint", "--format", "json", "--fail-on", "none", "--output", join(tmp, "scale.json"), ...p.paths], {
          cwd: corpusDir,
          env: scaleEnv,
        });
        p.wall.push(r.ms);
        p.cpu.push(r.cpuMs);
      }
    }
    const pts = points.map((p) => ({ files: p.files, mb: p.mb, wallMs: median(p.wall), cpuMs: median(p.cpu) }));
    // secretlint at the same sizes, once each (as installed: up to 1,000 files in --quick, since
    // its quadratic term makes 2,000 take minutes; the full corpus run above is the 2,000 point).
    for (const [i, p] of points.entries()) {
      if (!quick || i < 3)
        pts[i].secretlint =
          i === 3 && !quick ? { wallMs: sl.ms, cpuMs: sl.cpuMs, note: "the whole-corpus run (fixtures included)" } : pick(secretlint(p.paths));
      pts[i].secretlintWithProfilerFix = pick(secretlint(p.paths, true));
    }
    const useCpu = pts.every((p) => Number.isFinite(p.cpuMs));
    const y = (p) => (useCpu ? p.cpuMs : p.wallMs);
    const fit = linearFit(
      pts.map((p) => p.files),
      pts.map(y),
    );
    const fitMb = linearFit(
      pts.map((p) => p.mb),
      pts.map(y),
    );
    const wallFit = linearFit(
      pts.map((p) => p.files),
      pts.map((p) => p.wallMs),
    );
    out.scaling = {
      measure: useCpu ? "cpu" : "wall",
      threads: scaleThreads,
      points: pts,
      fit: { interceptMs: fit.intercept, msPerFile: fit.slope, r2: fit.r2 },
      fitByMb: { interceptMs: fitMb.intercept, msPerMb: fitMb.slope, r2: fitMb.r2 },
      wallFit: { interceptMs: wallFit.intercept, msPerFile: wallFit.slope, r2: wallFit.r2 },
      // Cost per file of the last 1,000 files against the second 250: ~1 when linear, > 1 when super-linear.
      marginalRatio: (y(pts[3]) - y(pts[2])) / (pts[3].files - pts[2].files) / ((y(pts[1]) - y(pts[0])) / (pts[1].files - pts[0].files)),
    };
    log(`scaling (${out.scaling.measure} time): ${pts.map((p) => `${p.files} → ${(y(p) / 1000).toFixed(2)} s`).join(", ")} (R² ${fit.r2.toFixed(4)})`);
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const pick = (r) => ({ wallMs: r.ms, cpuMs: r.cpuMs });

function readLabels(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, "labels.json"), "utf8"));
  } catch {
    return undefined;
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return {};
  }
}

/** A Dockerfile of typical size (closest to 4 kB) from the first shard: what a pre-commit hook sees. */
function pickStartupFile(corpus) {
  const dockerfiles = corpus.files.filter((f) => f.kind === "dockerfile" && f.file.startsWith(corpus.shards[0] + "/"));
  dockerfiles.sort((a, b) => Math.abs(a.bytes - 4000) - Math.abs(b.bytes - 4000) || (a.file < b.file ? -1 : 1));
  return dockerfiles[0];
}
