import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

type Ignore = import("ignore").Ignore;

/**
 * What a directory walk skips: paths that `.gitignore` files exclude (the repository's top
 * `.gitignore` down to the walked directory's own, nested ones included, deeper files overriding
 * shallower ones as git does) and `lint.ignorePaths` globs (relative to the config file).
 */
export async function createIgnoreMatcher(cwd: string, configPath: string | undefined, ignorePaths: string[]) {
  const { default: ignoreFactory } = await import("ignore");
  const root = resolve(cwd);
  const top = gitTop(root) ?? root;
  const cache = new Map<string, Ignore | null>();
  const gitignoreOf = (dir: string): Ignore | null => {
    let ig = cache.get(dir);
    if (ig === undefined) {
      let text: string | undefined;
      try {
        text = readFileSync(join(dir, ".gitignore"), "utf8");
      } catch {
        text = undefined;
      }
      ig = text ? ignoreFactory().add(text) : null;
      cache.set(dir, ig);
    }
    return ig;
  };
  const cfg = ignorePaths.length ? ignoreFactory().add(ignorePaths) : undefined;
  const cfgBase = configPath ? dirname(configPath) : root;

  return (rel: string, isDir: boolean): boolean => {
    if (rel === "" || rel.startsWith("..")) return false;
    const abs = resolve(root, rel);
    if (cfg) {
      const r = relative(cfgBase, abs).split(sep).join("/");
      if (r && !r.startsWith("..") && cfg.ignores(isDir ? `${r}/` : r)) return true;
    }
    // Walk from the repository top to the path's parent; the deepest verdict wins.
    let ignored = false;
    const parent = dirname(abs);
    const chain: string[] = [];
    for (let d = parent; ; d = dirname(d)) {
      chain.push(d);
      if (d === top || dirname(d) === d) break;
    }
    for (const dir of chain.reverse()) {
      const ig = gitignoreOf(dir);
      if (!ig) continue;
      const r = relative(dir, abs).split(sep).join("/");
      const verdict = ig.test(isDir ? `${r}/` : r);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  };
}

function gitTop(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}
