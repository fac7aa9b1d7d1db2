import { type Dirent, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createDockerignoreMatcher, type DockerignoreMatcher } from "./dockerignore.js";

/** Where the ignore rules of a build came from. */
export interface DockerignoreSource {
  /** Absolute path of the ignore file that applies, if any. */
  file?: string;
  /** Its patterns, one per line, as written. */
  patterns: string[];
}

export interface BuildContextListing {
  contextDir: string;
  ignore: DockerignoreSource;
  /** Context-relative, `/`-separated paths of the regular files the build would send, sorted. */
  files: string[];
  /** True when the walk stopped at `maxEntries`: `files` is then incomplete. */
  truncated: boolean;
  /** Set when the ignore file is invalid (Docker refuses such a build) or the context is unreadable. */
  error?: string;
}

export interface BuildContextOptions {
  /** Stop after visiting this many entries (files and directories); default 50 000. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 50_000;

/**
 * BuildKit's choice of ignore file: `<Dockerfile>.dockerignore` next to the Dockerfile wins,
 * else `.dockerignore` at the root of the context. (The legacy builder only reads the latter.)
 */
export function findDockerignore(contextDir: string, dockerfilePath?: string): DockerignoreSource {
  const candidates = dockerfilePath ? [`${path.resolve(contextDir, dockerfilePath)}.dockerignore`] : [];
  candidates.push(path.join(contextDir, ".dockerignore"));
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    return { file, patterns: text.replace(/^\ufeff/, "").split(/\r?\n/) };
  }
  return { patterns: [] };
}

export { createDockerignoreMatcher, type DockerignoreMatcher } from "./dockerignore.js";

/**
 * Lists what `docker build` would send from `contextDir`, honouring the ignore file.
 * Faithful to Docker: `.git` and `node_modules` are sent unless ignored. Symlinks are sent
 * as links (their targets are not), so they are neither followed nor listed.
 */
export function listBuildContext(contextDir: string, dockerfilePath?: string, options: BuildContextOptions = {}): BuildContextListing {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const ignore = findDockerignore(contextDir, dockerfilePath);
  const listing: BuildContextListing = { contextDir, ignore, files: [], truncated: false };
  let matcher: DockerignoreMatcher;
  try {
    matcher = createDockerignoreMatcher(ignore.patterns);
  } catch {
    listing.error = "The .dockerignore file has an invalid pattern";
    return listing;
  }
  let visited = 0;
  const stack: string[] = [""];
  while (stack.length) {
    const rel = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(contextDir, rel), { withFileTypes: true });
    } catch {
      if (rel === "") listing.error = "The build context directory cannot be read";
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const entry of entries) {
      if (++visited > maxEntries) {
        listing.truncated = true;
        stack.length = 0;
        break;
      }
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // An excluded directory is skipped whole unless an exception might re-include part of it.
        if (!matcher.hasExceptions && matcher.excluded(childRel)) continue;
        stack.push(childRel);
      } else if (entry.isFile() && !matcher.excluded(childRel)) {
        listing.files.push(childRel);
      }
    }
  }
  listing.files.sort();
  return listing;
}
