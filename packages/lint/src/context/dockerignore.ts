import path from "node:path";

// `.dockerignore` matching as BuildKit does it: its reader (dockerignore.ReadAll) and
// moby/patternmatcher (New, MatchesOrParentMatches), with each pattern run by a matcher that is
// linear in the path times the pattern. patternmatcher compiles patterns to Go regexps, which run
// in linear time (RE2); the same regexps run backtracked in JavaScript, and a pattern of a few `*`
// against a long file name took seconds to minutes (5 stars, 250 characters: 13 s).

type Token =
  | { kind: "char"; char: string }
  | { kind: "any" } // `?`: one character but `/`
  | { kind: "star" } // `*`: any run without `/`
  | { kind: "class"; re: RegExp } // `[…]`, passed to the regexp as written
  | { kind: "dirs" } // `**` before more pattern: `(.*/)?`
  | { kind: "rest" }; // `**` at the end after a wildcard: `.*`

interface Pattern {
  exclusion: boolean;
  cleaned: string;
  type: "exact" | "prefix" | "suffix" | "regexp";
  tokens: Token[];
}

export interface DockerignoreMatcher {
  /** Whether the context-relative `/` path is left out of the build. */
  excluded(relPath: string): boolean;
  /** Whether any `!` exception exists: an excluded directory may then still hold included files. */
  hasExceptions: boolean;
}

/** Thrown for a pattern `docker build` refuses (filepath.ErrBadPattern). */
export class BadPatternError extends Error {
  readonly code = "BAD_DOCKERIGNORE_PATTERN";
}

/**
 * A matcher for the lines of an ignore file. Throws BadPatternError on a pattern Docker refuses (an
 * unclosed `[`, a trailing `\`), as `docker build` does.
 */
export function createDockerignoreMatcher(lines: readonly string[]): DockerignoreMatcher {
  const patterns: Pattern[] = [];
  for (const line of readPatterns(lines)) patterns.push(compile(line));
  const hasExceptions = patterns.some((p) => p.exclusion);
  return {
    hasExceptions,
    excluded: (rel) => {
      const file = cleanPath(rel.replace(/^\.\/+/, ""));
      // moby never excludes the context's root itself.
      if (file === "." || file === "") return false;
      return matchesOrParentMatches(patterns, file);
    },
  };
}

/** dockerignore.ReadAll: comments, blanks, `!`, Clean, and a leading `/` made relative. */
function readPatterns(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of lines) {
    if (raw.startsWith("#")) continue;
    let pattern = raw.trim();
    if (pattern === "") continue;
    const invert = pattern[0] === "!";
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern[0] === "/") pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

/** patternmatcher.New and Pattern.compile for one pattern. */
function compile(line: string): Pattern {
  let p = cleanPath(line.trim());
  let exclusion = false;
  if (p[0] === "!") {
    if (p.length === 1) throw new BadPatternError('illegal exclusion pattern: "!"');
    exclusion = true;
    p = p.slice(1);
  }
  const tokens: Token[] = [];
  let type: Pattern["type"] = "exact";
  const chars = Array.from(p);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        const start = i;
        i++;
        if (chars[i + 1] === "/") i++;
        if (i + 1 >= chars.length) {
          // `**` at the end: everything below, a prefix when nothing before it was a wildcard.
          if (type === "exact") type = "prefix";
          else {
            tokens.push({ kind: "rest" });
            type = "regexp";
          }
        } else {
          tokens.push({ kind: "dirs" });
          type = "regexp";
        }
        // A pattern that starts with `**` is matched as a suffix unless a later wildcard says otherwise.
        if (start === 0) type = "suffix";
      } else {
        tokens.push({ kind: "star" });
        type = "regexp";
      }
    } else if (ch === "?") {
      tokens.push({ kind: "any" });
      type = "regexp";
    } else if (ch === "\\") {
      if (i + 1 >= chars.length) throw new BadPatternError("a trailing `\\` in a pattern");
      tokens.push({ kind: "char", char: chars[++i] });
      type = "regexp";
    } else if (ch === "[") {
      const close = chars.indexOf("]", i + 2);
      if (close < 0) throw new BadPatternError("an unclosed `[` in a pattern");
      const body = chars.slice(i + 1, close).join("");
      try {
        tokens.push({ kind: "class", re: new RegExp(`^[${body}]$`, "u") });
      } catch {
        throw new BadPatternError("an invalid character class in a pattern");
      }
      i = close;
      type = "regexp";
    } else if (ch === "]") {
      // A `]` without its `[` is itself, but patternmatcher takes the pattern for a regexp.
      tokens.push({ kind: "char", char: ch });
      type = "regexp";
    } else tokens.push({ kind: "char", char: ch });
  }
  return { exclusion, cleaned: p, type, tokens };
}

/** patternmatcher's MatchesOrParentMatches: the last pattern that matches the path or a parent wins. */
function matchesOrParentMatches(patterns: readonly Pattern[], file: string): boolean {
  let matched = false;
  // The parent directories, outermost first (`a`, `a/b` for `a/b/c`): the same for every pattern.
  const parents: string[] = [];
  for (let slash = file.indexOf("/"); slash >= 0; slash = file.indexOf("/", slash + 1)) parents.push(file.slice(0, slash));
  for (const pattern of patterns) {
    if (pattern.exclusion !== matched) continue;
    let match = matchOne(pattern, file);
    for (let i = 0; !match && i < parents.length; i++) match = matchOne(pattern, parents[i]);
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

function matchOne(p: Pattern, path: string): boolean {
  switch (p.type) {
    case "exact":
      return path === p.cleaned;
    case "prefix":
      return path.startsWith(p.cleaned.slice(0, -2));
    case "suffix": {
      const suffix = p.cleaned.slice(2);
      return path.endsWith(suffix) || (suffix[0] === "/" && path === suffix.slice(1));
    }
    case "regexp":
      return runTokens(p.tokens, path);
  }
}

/**
 * Whether `path` matches the whole token list, by a set of states walked once over the path.
 * State 2k is "before token k"; state 2k+1 is "inside token k's directories", which must end at a `/`.
 */
function runTokens(tokens: readonly Token[], path: string): boolean {
  const n = tokens.length;
  let current = new Uint8Array(2 * n + 2);
  let next = new Uint8Array(2 * n + 2);
  const close = (set: Uint8Array) => {
    // Tokens that match the empty string let a state move on without a character.
    for (let k = 0; k < n; k++) {
      const kind = tokens[k].kind;
      if (set[2 * k] && (kind === "star" || kind === "dirs" || kind === "rest")) set[2 * (k + 1)] = 1;
    }
  };
  current[0] = 1;
  close(current);
  for (const ch of path) {
    next.fill(0);
    let any = false;
    for (let k = 0; k < n; k++) {
      const t = tokens[k];
      if (current[2 * k]) {
        switch (t.kind) {
          case "char":
            if (ch === t.char) next[2 * (k + 1)] = 1;
            break;
          case "any":
            if (ch !== "/") next[2 * (k + 1)] = 1;
            break;
          case "class":
            if (t.re.test(ch)) next[2 * (k + 1)] = 1;
            break;
          case "star":
            if (ch !== "/") next[2 * k] = 1;
            break;
          case "rest":
            next[2 * k] = 1;
            break;
          case "dirs":
            next[2 * k + 1] = 1;
            if (ch === "/") next[2 * (k + 1)] = 1;
            break;
        }
      }
      if (current[2 * k + 1]) {
        next[2 * k + 1] = 1;
        if (ch === "/") next[2 * (k + 1)] = 1;
      }
    }
    close(next);
    for (let s = 0; s < next.length; s++) if (next[s]) any = true;
    if (!any) return false;
    [current, next] = [next, current];
  }
  return current[2 * n] === 1;
}

/** Go's filepath.Clean for `/` paths: node's normalize, without its trailing slash. */
function cleanPath(p: string): string {
  const normal = path.posix.normalize(p);
  // normalize leaves at most one trailing slash (no regex: `/\/+$/` backtracks on a run of `/`).
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}
