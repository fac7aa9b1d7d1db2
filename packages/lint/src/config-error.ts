import { StowawayLintError } from "./errors.js";

/** A problem in `.stowaway.yaml`, named by file, line and key path. Exit code 2. */
export class ConfigError extends StowawayLintError {
  constructor(
    readonly file: string,
    readonly problems: Array<{ line?: number; column?: number; key: string; message: string }>,
  ) {
    super("config-invalid", problems.map((p) => `${file}${p.line ? `:${p.line}:${p.column ?? 1}` : ""}: ${p.key ? `${p.key}: ` : ""}${p.message}`).join("\n"));
  }
}
