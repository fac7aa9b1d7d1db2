/** How serious a finding is; `off` only appears in configuration. */
export type Severity = "error" | "warning" | "info";
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** The kinds of file the linter understands. */
export type FileKind = "dockerfile" | "compose" | "env";

/** 1-based line, 1-based column counted in UTF-16 code units (as editors and SARIF do). */
export interface Position {
  line: number;
  column: number;
}

/** End is exclusive: the column just after the last character. */
export interface SourceRange {
  start: Position;
  end: Position;
}

/** One finding as the formatters see it. `secret` is always redacted. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ruleId: string;
  severity: Severity;
  message: string;
  /** Redacted preview: at most the first 4 characters, then `…`. */
  secret: string;
  /** A concrete way to fix it. */
  fix?: string;
  /** Stable across unrelated edits: sha256 of rule, file and the secret's hash. */
  fingerprint: string;
}

/** A file that could not be linted (unreadable, too big, unparsable). Maps to exit code 2. */
export interface LintError {
  file: string;
  line?: number;
  column?: number;
  code: string;
  message: string;
}

export interface FileResult {
  file: string;
  kind: FileKind;
  findings: Finding[];
  errors: LintError[];
}

export interface LintReport {
  files: FileResult[];
  findings: Finding[];
  errors: LintError[];
  summary: { files: number; errors: number; warnings: number; infos: number };
}

/** What the engine lints: a file on disk (or staged content) and how to read it. */
export interface LintTarget {
  /** The path as shown in reports: as given on the command line, or found under a given directory. */
  file: string;
  absPath: string;
  kind: FileKind;
  /** Content to lint instead of reading absPath (e.g. `git show :path` for --staged). */
  source?: string;
  /** Dockerfile only: the build context directory (default: the Dockerfile's directory). */
  contextDir?: string;
  /** A related file (e.g. compose `env_file` with `required: false`) may be missing without error. */
  optional?: boolean;
}

/** Parsers never throw on bad input: they return errors with positions. */
export type ParseResult<D> = { ok: true; doc: D } | { ok: false; errors: ParseProblem[] };

export interface ParseProblem {
  line?: number;
  column?: number;
  code: string;
  /** Must never contain a secret value: describe, don't quote. */
  message: string;
}
