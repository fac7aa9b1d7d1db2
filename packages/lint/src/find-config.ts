import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { StowawayConfig } from "./config.js";

export const CONFIG_FILE_NAMES = [".stowaway.yaml", ".stowaway.yml"] as const;

/** The configuration in force when there is no `.stowaway.yaml` (kept in step with the schema by a test). */
export const DEFAULT_CONFIG: StowawayConfig = {
  lint: { rules: {}, failOn: "warning", ignorePaths: [], allow: [], weakValues: "warning", secretNames: { secret: [], allow: [] } },
};

/** Walks up from `cwd` to the filesystem root for `.stowaway.yaml`. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
