import { type Dirent, readdirSync, type Stats, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { FileKind, LintTarget } from "./types.js";

const COMPOSE_NAMES = new Set(["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]);
// Examples and templates are where placeholders belong; linting them only produces noise.
// `.env.example`, `.env.dev.example`, `app.env.sample`, `example.env`.
const ENV_TEMPLATE = /^\.env(?:\.[\w-]+)*\.(?:example|sample|template|dist|tmpl|tpl)$|\.env\.(?:example|sample|template)$|^(?:example|sample|template)\.env$/i;

/** `.env.example`, `.env.dev.sample`, `example.env`: templates where demo values belong. */
export function isEnvTemplateName(path: string): boolean {
  return ENV_TEMPLATE.test(basename(path).toLowerCase());
}

/** The kind of a file found under a directory, by name only; `undefined` means "not ours". */
export function kindOfName(path: string): FileKind | undefined {
  const name = basename(path);
  const lower = name.toLowerCase();
  if (name === "Dockerfile" || name === "Containerfile" || lower.endsWith(".dockerfile") || /^(Dockerfile|Containerfile)\./.test(name)) {
    if (lower.endsWith(".dockerignore")) return undefined;
    return "dockerfile";
  }
  if (COMPOSE_NAMES.has(lower) || /\.compose\.ya?ml$/.test(lower) || /^(docker-)?compose[-_.][^/]+\.ya?ml$/.test(lower)) return "compose";
  if (ENV_TEMPLATE.test(lower)) return undefined;
  if (lower === ".env" || lower.endsWith(".env") || /^\.env[._-]/.test(lower)) return "env";
  return undefined;
}

/** A file named explicitly is linted even when its name is unusual: any YAML is compose, anything else a Dockerfile. */
export function kindOfExplicit(path: string): FileKind {
  const byName = kindOfName(path);
  if (byName) return byName;
  const lower = path.toLowerCase();
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "compose";
  if (/(^|\/)\.env/.test(lower)) return "env";
  return "dockerfile";
}

export interface DiscoverOptions {
  cwd: string;
  /** Returns true for paths (relative to cwd, posix separators) that must be skipped. */
  ignore?: (relPath: string, isDir: boolean) => boolean;
  /** Upper bound on directory entries visited, so a stray `stowaway lint /` stays bounded. */
  maxEntries?: number;
}

const SKIP_DIRS = new Set(["node_modules", ".git", ".hg", ".svn"]);

/**
 * Expands the command line's paths into lint targets: files as given, directories searched
 * recursively (skipping VCS and node_modules directories).
 */
export function discoverTargets(paths: readonly string[], opts: DiscoverOptions): { targets: LintTarget[]; missing: string[] } {
  const targets: LintTarget[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  let budget = opts.maxEntries ?? 200_000;
  const add = (file: string, absPath: string, kind: FileKind) => {
    if (seen.has(absPath)) return;
    seen.add(absPath);
    targets.push({ file, absPath, kind });
  };
  const walk = (dirDisplay: string, dirAbs: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (--budget < 0) return;
      const abs = join(dirAbs, e.name);
      const display = dirDisplay === "." ? e.name : join(dirDisplay, e.name);
      const rel = relative(opts.cwd, abs).split("\\").join("/");
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        if (opts.ignore?.(rel, true)) continue;
        walk(display, abs);
      } else if (e.isFile()) {
        const kind = kindOfName(e.name);
        if (!kind || opts.ignore?.(rel, false)) continue;
        add(display, abs, kind);
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(opts.cwd, p);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch {
      missing.push(p);
      continue;
    }
    if (st.isDirectory()) walk(p.replace(/(?<!\/)\/+$/, "") || p, abs);
    else add(p, abs, kindOfExplicit(p));
  }
  return { targets, missing };
}

/** Top-level keys of the Compose specification (`x-` extensions too). */
const COMPOSE_TOP_KEY_RE = /^(?:services|include|volumes|networks|secrets|configs|version|name|x-[\w.-]+)\s*:/m;
const KUBERNETES_RE = /^apiVersion\s*:/m;

/**
 * What an explicitly named YAML file whose name says nothing is: compose when it has Compose's
 * top-level keys and no Kubernetes `apiVersion:`; otherwise a kind we do not understand (a
 * Kubernetes manifest, a Helm values file, CI configuration), which is skipped, not linted.
 */
export function yamlKindOf(source: string): "compose" | "kubernetes" | undefined {
  const head = source.slice(0, 256 * 1024);
  if (KUBERNETES_RE.test(head) && /^kind\s*:/m.test(head)) return "kubernetes";
  return COMPOSE_TOP_KEY_RE.test(head) ? "compose" : undefined;
}
