import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { parseConfigText, type Env } from "./load.js";
import type { SidecarConfig } from "./schema.js";

/** Loads, applies Vault env defaults and validates; throws ConfigError naming file, key and line. */
export function loadConfigFile(file: string, env: Env = process.env): { config: SidecarConfig; warnings: string[]; text: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [{ key: "", message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? "error"}` }]);
  }
  const res = parseConfigText(text, env, dirname(resolve(file)));
  if (!res.ok) throw new ConfigError(file, res.errors);
  // The text is returned so that reload detection compares against what was parsed, not a re-read.
  return { config: res.config, warnings: res.warnings, text };
}
