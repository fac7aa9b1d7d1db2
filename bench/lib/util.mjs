// Small helpers shared by the benchmarks: statistics, timed child processes, peak RSS.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Least-squares y = a + b·x with its coefficient of determination. */
export function linearFit(xs, ys) {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  return { intercept: a, slope: b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

export const hrms = () => Number(process.hrtime.bigint()) / 1e6;

const HAVE_GNU_TIME = (() => {
  if (!existsSync("/usr/bin/time")) return false;
  const r = spawnSync("/usr/bin/time", ["-v", "true"], { encoding: "utf8" });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
})();

const RSS_WRAPPER = new URL("./rss-wrapper.mjs", import.meta.url).pathname;

/**
 * Runs `cmd args` to completion and measures its wall time (parent's clock, around the whole
 * process), its CPU time (user + system, GNU time only) and peak RSS: GNU time's "Maximum resident set size" when present, else a node
 * wrapper that reports `process.resourceUsage().maxRSS` of its child (node commands only).
 */
export function runMeasured(cmd, args, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-bench-"));
  try {
    let argv;
    let via;
    if (HAVE_GNU_TIME) {
      argv = ["/usr/bin/time", "-v", "-o", join(dir, "time.txt"), cmd, ...args];
      via = "gnu-time";
    } else {
      argv = [process.execPath, RSS_WRAPPER, join(dir, "time.txt"), cmd, ...args];
      via = "wrapper";
    }
    const t0 = hrms();
    const r = spawnSync(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      encoding: "utf8",
      maxBuffer: 1 << 30,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const ms = hrms() - t0;
    let rssKb = NaN;
    let cpuMs = NaN;
    let status = r.status;
    try {
      const text = readFileSync(join(dir, "time.txt"), "utf8");
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
      if (m) rssKb = Number(m[1]);
      const u = /User time \(seconds\): ([\d.]+)/.exec(text);
      const sy = /System time \(seconds\): ([\d.]+)/.exec(text);
      if (u && sy) cpuMs = (Number(u[1]) + Number(sy[1])) * 1000;
      const s = /Exit status: (\d+)/.exec(text);
      if (s) status = Number(s[1]);
    } catch {
      /* no report: RSS stays NaN */
    }
    return { ms, cpuMs, rssKb, status, stdout: r.stdout, stderr: r.stderr, via };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a long-running child; resolves the handle. stdout/stderr are collected, bounded. */
export function startChild(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  const keep = (k) => (d) => {
    out[k] += d.toString();
    if (out[k].length > 200_000) out[k] = out[k].slice(-100_000);
  };
  child.stdout.on("data", keep("stdout"));
  child.stderr.on("data", keep("stderr"));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

export function machine() {
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model ?? "unknown", node: process.version, platform: `${process.platform}-${process.arch}` };
}

export const fmt = {
  ms: (x) => (Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`) : "n/a"),
  num: (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a"),
  pct: (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a"),
  mb: (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : "n/a"),
};
