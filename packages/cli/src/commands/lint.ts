import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  applyBaseline,
  buildReport,
  createBaseline,
  discoverTargets,
  formatCompact,
  formatGithub,
  formatGitlab,
  formatJson,
  formatJunit,
  formatSarif,
  formatStylish,
  lintTargets,
  lintThreads,
  LintPool,
  WORKER_THRESHOLD,
  loadLintConfig,
  parseBaseline,
  ruleCatalog,
  stagedTargets,
  createIgnoreMatcher,
  kindOfName,
  kindOfExplicit,
  yamlKindOf,
  SEVERITY_RANK,
  type FileResult,
  type LintReport,
  type LintTarget,
  type LoadedConfig,
  type Severity,
} from "@stowaway/lint";
import { UsageError, type CommandIO, type ExitCode } from "../io.js";
import { VERSION } from "../version.js";

export const FORMATS = ["stylish", "compact", "json", "sarif", "github", "gitlab", "junit"] as const;
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
  /** Report errors only (warnings and info are dropped, and cannot fail the run). */
  quiet?: boolean;
  /** Exit 1 when there are more warnings than this. */
  maxWarnings?: string;
  /** true/false from --color/--no-color; undefined means decide from FORCE_COLOR, NO_COLOR and the terminal. */
  color?: boolean;
  /** The name that decides the kind of standard input (`-`), and how it is reported. */
  stdinFilename?: string;
}

const FAIL_ON = ["info", "warning", "error", "none"] as const;
const STDIN = "-";

export async function lintCommand(opts: LintCommandOptions, io: CommandIO): Promise<ExitCode> {
  const format = (opts.format ?? "stylish") as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${opts.format}"; use one of ${FORMATS.join(", ")}`);
  if (opts.failOn && !FAIL_ON.includes(opts.failOn as never)) throw new UsageError(`unknown --fail-on "${opts.failOn}"; use one of ${FAIL_ON.join(", ")}`);
  if (opts.staged && opts.paths.length) throw new UsageError("--staged lints what git has staged; do not also name paths");
  const maxFileSize = positiveInt(opts.maxFileSize, "--max-file-size takes a positive number of bytes");
  const maxWarnings = opts.maxWarnings === undefined ? undefined : nonNegativeInt(opts.maxWarnings, "--max-warnings takes a number (0 or more)");
  const readsStdin = opts.paths.includes(STDIN);
  if (readsStdin && opts.paths.length > 1) throw new UsageError("`-` (standard input) cannot be combined with other paths");
  if (opts.stdinFilename !== undefined && !readsStdin) throw new UsageError("--stdin-filename names standard input; pass `-` as the path");

  const configPath = opts.config ? resolve(io.cwd, opts.config) : undefined;
  // Each named path gets the .stowaway.yaml found from it upward (then from the working directory).
  const groups = new Map<string, { loaded: LoadedConfig; targets: LintTarget[] }>();
  const configs = new Map<string, Promise<LoadedConfig>>();
  const configFor = async (from: string | undefined) => {
    const key = configPath ?? from ?? io.cwd;
    if (!configs.has(key)) configs.set(key, loadLintConfig({ cwd: io.cwd, configPath, from }));
    return configs.get(key)!;
  };
  const addTargets = async (from: string | undefined, targets: LintTarget[]) => {
    const loaded = await configFor(from);
    const key = loaded.path ?? "";
    const group = groups.get(key) ?? { loaded, targets: [] };
    group.targets.push(...targets);
    groups.set(key, group);
  };

  const missing: string[] = [];
  const empty: string[] = [];
  if (opts.staged) {
    await addTargets(undefined, stagedTargets(io.cwd));
  } else if (readsStdin) {
    const name = opts.stdinFilename ?? "<stdin>";
    const source = await readAll(io.stdin);
    const absPath = resolve(io.cwd, opts.stdinFilename ?? "Dockerfile");
    await addTargets(dirname(absPath), [{ file: name, absPath, kind: opts.stdinFilename ? kindOfExplicit(opts.stdinFilename) : "dockerfile", source }]);
  } else {
    const named = opts.paths.length > 0;
    for (const p of named ? opts.paths : ["."]) {
      const abs = resolve(io.cwd, p);
      let isDir = false;
      try {
        isDir = statSync(abs).isDirectory();
      } catch {
        missing.push(p);
        continue;
      }
      const from = isDir ? abs : dirname(abs);
      const loaded = await configFor(from);
      // Only a directory walk consults .gitignore and ignorePaths; named files are always linted.
      const ignore = isDir ? await createIgnoreMatcher(io.cwd, loaded.path, loaded.config.lint.ignorePaths) : undefined;
      const found = discoverTargets([p], { cwd: io.cwd, ignore });
      let targets = opts.skipUnknown ? found.targets.filter((t) => kindOfName(t.file) !== undefined) : found.targets;
      if (!isDir) targets = targets.filter((t) => !unknownYaml(t, io));
      // A mistyped or empty directory in CI must not pass as "clean".
      if (named && isDir && targets.length === 0) empty.push(p);
      await addTargets(from, targets);
    }
  }

  const files: FileResult[] = [];
  let failOnConfig: string | undefined;
  // Worker threads only for runs over a few hundred files (STOWAWAY_LINT_WORKERS overrides it):
  // a pre-commit run of a few files never starts one.
  let total = 0;
  for (const g of groups.values()) total += g.targets.length;
  const threads = lintThreads(total, io.env);
  if (total >= WORKER_THRESHOLD) limitHeapGrowth();
  const pool = threads > 1 ? new LintPool(threads) : undefined;
  try {
    for (const { loaded, targets } of groups.values()) {
      const lint = loaded.config.lint;
      failOnConfig ??= lint.failOn;
      const options = {
        rules: lint.rules,
        names: { secretWords: lint.secretNames.secret, allowWords: lint.secretNames.allow },
        weakValues: lint.weakValues,
        allow: loaded.allow,
        maxFileSize,
      };
      const part = await lintTargets(targets, options, pool);
      files.push(...part.files);
    }
  } finally {
    await pool?.close();
  }
  for (const m of missing)
    files.push({ file: m, kind: kindOfExplicit(m), findings: [], errors: [{ file: m, code: "not-found", message: "no such file or directory" }] });
  for (const e of empty) {
    files.push({
      file: e,
      kind: "dockerfile",
      findings: [],
      errors: [{ file: e, code: "nothing-to-lint", message: "no Dockerfile, compose file or env file here (was it the path you meant?)" }],
    });
  }
  let report = buildReport(files);

  if (opts.writeBaseline) {
    const path = resolve(io.cwd, opts.writeBaseline);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(createBaseline(report), null, 2) + "\n");
    const { errors, warnings, infos } = report.summary;
    io.stderr.write(
      `stowaway: wrote ${report.findings.length} finding(s) (${errors} error, ${warnings} warning, ${infos} info) from ${report.files.length} file(s) to ${opts.writeBaseline}` +
        (report.errors.length ? `; ${report.errors.length} file(s) could not be linted` : "") +
        "\n",
    );
    return report.errors.length > 0 ? 2 : 0;
  }
  if (opts.baseline) {
    const path = resolve(io.cwd, opts.baseline);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new UsageError(`cannot read baseline ${opts.baseline}`);
    }
    report = applyBaseline(report, parseBaseline(text, opts.baseline));
  }
  if (opts.quiet) report = buildReport(report.files.map((f) => ({ ...f, findings: f.findings.filter((x) => x.severity === "error") })));

  const color = !opts.output && decideColor(opts.color, io);
  const text = await render(format, report, color, io.stdout.columns);
  if (opts.output) {
    const path = resolve(io.cwd, opts.output);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } else {
    io.stdout.write(text);
  }
  if (files.length === 0 && format === "stylish") {
    io.stderr.write("stowaway: no Dockerfiles, compose files or env files to lint\n");
  }
  if (report.errors.length > 0) return 2;
  const failOn = (opts.failOn ?? (maxWarnings !== undefined ? "error" : failOnConfig) ?? "warning") as (typeof FAIL_ON)[number];
  if (maxWarnings !== undefined && report.summary.warnings > maxWarnings) {
    io.stderr.write(`stowaway: ${report.summary.warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  if (failOn === "none") return 0;
  const threshold = SEVERITY_RANK[failOn as Severity];
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? 1 : 0;
}

/** --color/--no-color win; then FORCE_COLOR (as chalk and node read it); then NO_COLOR, TERM=dumb and whether stdout is a terminal. */
function decideColor(flag: boolean | undefined, io: CommandIO): boolean {
  if (flag !== undefined) return flag;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return !["0", "false"].includes(force.toLowerCase());
  return Boolean(io.stdout.isTTY) && !io.env.NO_COLOR && io.env.TERM !== "dumb";
}

async function render(format: Format, report: LintReport, color: boolean, columns: number | undefined): Promise<string> {
  switch (format) {
    case "stylish":
      return formatStylish(report, { color, width: columns || 80 });
    case "compact":
      return formatCompact(report);
    case "json":
      return formatJson(report);
    case "github":
      return formatGithub(report);
    case "gitlab":
      return formatGitlab(report);
    case "junit":
      return formatJunit(report);
    case "sarif":
      return formatSarif(report, { toolVersion: VERSION, rules: await ruleCatalog() });
  }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) throw new UsageError("standard input is not available");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function positiveInt(text: string | undefined, message: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(message);
  return n;
}

function nonNegativeInt(text: string, message: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || text.trim() === "") throw new UsageError(message);
  return n;
}

/**
 * A YAML file named on the command line whose name says nothing about its kind is linted as
 * compose only when it looks like one; a Kubernetes manifest or a Helm values file is skipped,
 * and stderr says so (silence would read as "linted, clean").
 */
function unknownYaml(t: LintTarget, io: CommandIO): boolean {
  if (t.kind !== "compose" || kindOfName(t.file) !== undefined) return false;
  let source: string;
  try {
    source = readFileSync(t.absPath, "utf8");
  } catch {
    return false; // the engine reports unreadable files
  }
  const kind = yamlKindOf(source);
  if (kind === "compose") return false;
  const what = kind === "kubernetes" ? "a Kubernetes manifest" : "neither a compose file nor an env file";
  io.stderr.write(`stowaway: ${t.file}: skipped: ${what}, a kind of YAML file stowaway does not understand\n`);
  return true;
}

/**
 * How far a heap may grow past its live data before V8 collects it again, for big runs. V8's
 * default (up to 4x) lets each thread's heap fill with yaml's garbage, about 95 MB a thread on the
 * bench corpus while 10-22 MB is live. 1.5x took the whole-corpus peak RSS from 224 to 152 MB
 * (bench README, "The linter's memory") for twice the mark-compacts: up to ~15% more CPU on one
 * thread, within the noise with workers. The flag is process-wide, read at each GC, and workers
 * started after it inherit it; the library never sets it (issue 16).
 */
const HEAP_GROWING_PERCENT = 50;
function limitHeapGrowth(): void {
  process.getBuiltinModule("node:v8").setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
