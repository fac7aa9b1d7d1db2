export type { FileKind, FileResult, Finding, LintError, LintReport, LintTarget, Severity, SourceRange } from "./types.js";
export { SEVERITY_RANK } from "./types.js";
export type { Rule, RuleContext, Report, NameSettings } from "./rule.js";
export { redact } from "./redact.js";
export { lintTargets, buildReport, DEFAULT_MAX_FILE_SIZE, UNUSED_SUPPRESSION_RULE, UNKNOWN_RULE, type LintOptions, type AllowEntry } from "./engine.js";
export { LintPool, lintThreads, WORKER_THRESHOLD } from "./parallel.js";
export { RULE_IDS, suggestRuleId } from "./rule-ids.js";
export { discoverTargets, kindOfName, kindOfExplicit, yamlKindOf } from "./discover.js";
export { stagedTargets, GitError } from "./staged.js";
export { createIgnoreMatcher } from "./ignore-paths.js";
export { createBaseline, parseBaseline, applyBaseline, BaselineError, type Baseline } from "./baseline.js";
export { formatStylish } from "./formatters/stylish.js";
export { formatJson } from "./formatters/json.js";
export { formatGithub } from "./formatters/github.js";
export { formatSarif, DOCS_BASE_URL, type RuleMeta } from "./formatters/sarif.js";
export { formatCompact } from "./formatters/compact.js";
export { formatGitlab } from "./formatters/gitlab.js";
export { formatJunit } from "./formatters/junit.js";
export type { LoadedConfig, StowawayConfig } from "./config.js";
export { DEFAULT_CONFIG } from "./find-config.js";

import { loadHandler } from "./kinds.js";
import type { RuleMeta } from "./formatters/sarif.js";
import type { LoadedConfig } from "./config.js";
import { DEFAULT_CONFIG } from "./find-config.js";

/** Every rule's metadata (loads every file kind; for SARIF and docs, not the hot path). */
export async function ruleCatalog(): Promise<RuleMeta[]> {
  const { fileRules } = await import("./rules/stowaway/index.js");
  const handlers = await Promise.all((["dockerfile", "compose", "env"] as const).map(loadHandler));
  const metas: RuleMeta[] = handlers.flatMap((h) => h.rules.map((r) => ({ id: r.id, severity: r.severity, description: r.description, docs: r.docs })));
  for (const r of fileRules) metas.push({ id: r.id, severity: r.severity, description: r.description, docs: r.docs });
  return metas;
}

/**
 * Finds and validates `.stowaway.yaml` (walking up from cwd, or the given path). Loaded lazily:
 * zod and yaml cost start-up time that a pre-commit run without a config should not pay.
 */
export async function loadLintConfig(opts: { cwd: string; configPath?: string; from?: string }): Promise<LoadedConfig> {
  const { findConfigFile } = await import("./find-config.js");
  // From the linted path upward first (as gitleaks and .editorconfig do), then from the working directory.
  const path = opts.configPath ?? (opts.from !== undefined ? findConfigFile(opts.from) : undefined) ?? findConfigFile(opts.cwd);
  if (!path) return { config: DEFAULT_CONFIG, allow: [] };
  const { loadConfigFile } = await import("./config.js");
  return loadConfigFile(path);
}

export { ConfigError } from "./config-error.js";
export { STOWAWAY_ERROR, StowawayLintError, type LintErrorCode } from "./errors.js";
