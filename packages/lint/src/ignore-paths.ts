import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

/** Skips what `.gitignore` (at the working directory) and `lint.ignorePaths` (relative to the config file) exclude. */
export async function createIgnoreMatcher(cwd: string, configPath: string | undefined, ignorePaths: string[]) {
  let gitignore: string | undefined;
  try {
    gitignore = readFileSync(resolve(cwd, ".gitignore"), "utf8");
  } catch {
    gitignore = undefined;
  }
  if (!gitignore && ignorePaths.length === 0) return undefined;
  const { default: ignoreFactory } = await import("ignore");
  const git = gitignore ? ignoreFactory().add(gitignore) : undefined;
  const cfg = ignorePaths.length ? ignoreFactory().add(ignorePaths) : undefined;
  const cfgBase = configPath ? dirname(configPath) : cwd;
  return (rel: string, isDir: boolean) => {
    if (rel.startsWith("..") || rel === "") return false;
    const p = isDir ? `${rel}/` : rel;
    if (git?.ignores(p)) return true;
    if (cfg) {
      const r = relative(cfgBase, resolve(cwd, rel)).split("\\").join("/");
      if (r && !r.startsWith("..") && cfg.ignores(isDir ? `${r}/` : r)) return true;
    }
    return false;
  };
}
