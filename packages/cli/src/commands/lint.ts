import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  applyBaseline,
  createBaseline,
  discoverTargets,
  formatGithub,
  formatJson,
  formatSarif,
  formatStylish,
  lintTargets,
  loadLintConfig,
  parseBaseline,
  ruleCatalog,
  stagedTargets,
  createIgnoreMatcher,
  kindOfName,
  kindOfExplicit,
  SEVERITY_RANK,
  type LintReport,
  type LintTarget,
  type Severity,
} from "@stowaway/lint";
import { UsageError, type CommandIO, type ExitCode } from "../io.js";
import { VERSION } from "../version.js";

export const FORMATS = ["stylish", "json", "sarif", "github"] as const;
export type Format = (typeof FORMATS)[number];

export interface LintCommandOptions {
  paths: string[];
  format?: string;
  output?: string;
  failOn?: string;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  staged?: boolean;
  /** Explicitly named files whose names are not ours are skipped (for pre-commit's file lists). */
  skipUnknown?: boolean;
  maxFileSize?: string;
}

const FAIL_ON = ["info", "warning", "error", "none"] as const;

export async function lintCommand(opts: LintCommandOptions, io: CommandIO): Promise<ExitCode> {
  const format = (opts.format ?? "stylish") as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${opts.format}"; use one of ${FORMATS.join(", ")}`);
  if (opts.failOn && !FAIL_ON.includes(opts.failOn as never)) throw new UsageError(`unknown --fail-on "${opts.failOn}"; use one of ${FAIL_ON.join(", ")}`);
  if (opts.staged && opts.paths.length) throw new UsageError("--staged lints what git has staged; do not also name paths");
  let maxFileSize: number | undefined;
  if (opts.maxFileSize !== undefined) {
    maxFileSize = Number(opts.maxFileSize);
    if (!Number.isInteger(maxFileSize) || maxFileSize <= 0) throw new UsageError("--max-file-size takes a positive number of bytes");
  }

  const loaded = await loadLintConfig({ cwd: io.cwd, configPath: opts.config ? resolve(io.cwd, opts.config) : undefined });
  const lintConfig = loaded.config.lint;
  const failOn = (opts.failOn ?? lintConfig.failOn) as (typeof FAIL_ON)[number];

  let targets: LintTarget[];
  const missing: string[] = [];
  if (opts.staged) {
    targets = stagedTargets(io.cwd);
  } else {
    const paths = opts.paths.length ? opts.paths : ["."];
    // Only a directory walk consults .gitignore and ignorePaths; named files are always linted.
    const walks = paths.some((p) => {
      try {
        return statSync(resolve(io.cwd, p)).isDirectory();
      } catch {
        return false;
      }
    });
    const ignore = walks ? await createIgnoreMatcher(io.cwd, loaded.path, lintConfig.ignorePaths) : undefined;
    const found = discoverTargets(paths, { cwd: io.cwd, ignore });
    targets = opts.skipUnknown ? found.targets.filter((t) => kindOfName(t.file) !== undefined) : found.targets;
    missing.push(...found.missing);
  }

  let report = await lintTargets(targets, {
    rules: lintConfig.rules,
    names: { secretWords: lintConfig.secretNames.secret, allowWords: lintConfig.secretNames.allow },
    weakValues: lintConfig.weakValues,
    allow: loaded.allow,
    maxFileSize,
  });
  for (const m of missing) {
    const error = { file: m, code: "not-found", message: "no such file or directory" };
    report.errors.push(error);
    report.files.push({ file: m, kind: kindOfExplicit(m), findings: [], errors: [error] });
  }

  if (opts.writeBaseline) {
    const path = resolve(io.cwd, opts.writeBaseline);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(createBaseline(report), null, 2) + "\n");
    io.stderr.write(`stowaway: wrote ${report.findings.length} finding(s) to baseline ${opts.writeBaseline}\n`);
  } else if (opts.baseline) {
    const path = resolve(io.cwd, opts.baseline);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new UsageError(`cannot read baseline ${opts.baseline}`);
    }
    report = applyBaseline(report, parseBaseline(text, opts.baseline));
  }

  const color = !opts.output && Boolean(io.stdout.isTTY) && !io.env.NO_COLOR && io.env.TERM !== "dumb";
  const text = await render(format, report, color);
  if (opts.output) {
    const path = resolve(io.cwd, opts.output);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } else {
    io.stdout.write(text);
  }
  if (targets.length === 0 && missing.length === 0 && format === "stylish") {
    io.stderr.write("stowaway: no Dockerfiles, compose files or env files to lint\n");
  }
  if (report.errors.length > 0) return 2;
  if (opts.writeBaseline) return 0;
  if (failOn === "none") return 0;
  const threshold = SEVERITY_RANK[failOn as Severity];
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? 1 : 0;
}

async function render(format: Format, report: LintReport, color: boolean): Promise<string> {
  switch (format) {
    case "stylish":
      return formatStylish(report, { color });
    case "json":
      return formatJson(report);
    case "github":
      return formatGithub(report);
    case "sarif":
      return formatSarif(report, { toolVersion: VERSION, rules: await ruleCatalog() });
  }
}
