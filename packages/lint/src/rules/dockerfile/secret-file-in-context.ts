import path from "node:path";
import { listBuildContext, type BuildContextListing } from "../../context/build-context.js";
import { secretFileKind } from "../../detect/index.js";
import type { DfInstruction, DockerfileDoc } from "../../parse/dockerfile.js";
import type { MappedText } from "../../parse/offsets.js";
import { defineRule, type NameSettings, type RuleContext } from "../../rule.js";
import { dotenvContent, namesCertificate, pemContent } from "./support/file-content.js";
import { matchWildcard } from "../../wildcard.js";

/** Names listed in one message; the rest are counted. */
const MAX_NAMED = 10;
const GLOB_CHARS = /[*?[]/;

export default defineRule<DockerfileDoc>({
  id: "dockerfile/secret-file-in-context",
  kind: "dockerfile",
  severity: "error",
  description: "COPY/ADD of a directory (`COPY . .`) sweeps a secret file from the build context into the image",
  check(ctx) {
    const copies = ctx.doc.instructions.filter(isContextCopy);
    if (copies.length === 0) return;
    const contextDir = ctx.target.contextDir ?? path.dirname(ctx.target.absPath);
    let listing: BuildContextListing | undefined;
    const finalStage = ctx.doc.stages.length - 1;
    for (const ins of copies) {
      const sources = ins.words.slice(0, -1).filter((w) => !w.text.startsWith("<<"));
      for (const source of sources) {
        const selector = sourceSelector(source.text);
        if (!selector) continue;
        listing ??= listBuildContext(contextDir, ctx.target.absPath);
        if (listing.error) return;
        const inFinalStage = ins.stage === finalStage || ins.stage < 0;
        // A swept file whose content shows it holds nothing secret (a CA certificate, an env file of
        // ports and flags) is not reported; the content itself never is.
        const hits = secretFilesSwept(listing.files, selector).filter((h) => !sweptFileIsPublic(contextDir, h, ctx.names));
        if (hits.length) report(ctx, ins, source, hits, listing, inFinalStage);
      }
    }
  },
});

interface SweptSecret {
  /** Context-relative path; directories end in `/`. */
  path: string;
  label: string;
}

function isContextCopy(ins: DfInstruction): boolean {
  if (ins.keyword !== "COPY" && ins.keyword !== "ADD") return false;
  // `--from` copies from another stage or image, not from the context.
  return !ins.flags.some((f) => f.name.toLowerCase() === "from");
}

type Selector = { kind: "all" } | { kind: "dir"; prefix: string } | { kind: "glob"; segments: GlobToken[][] };

/**
 * What a COPY source takes from the context. Single files are left to the rules that read the
 * Dockerfile's text; this rule is about sources that sweep in more than their author named.
 */
function sourceSelector(raw: string): Selector | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.startsWith("git@") || raw.includes("$")) return undefined;
  const clean = path.posix
    .normalize(`/${raw}`)
    .replace(/^\/+/, "")
    .replace(/(?<!\/)\/+$/, "");
  if (clean === "" || clean === ".") return { kind: "all" };
  if (GLOB_CHARS.test(clean)) {
    const segments = compileGoGlob(clean);
    return segments ? { kind: "glob", segments } : undefined;
  }
  return { kind: "dir", prefix: `${clean}/` };
}

/** One character of a glob segment, or `*`: a literal, `?`, a `[…]` class. */
type GlobToken = { kind: "char"; char: string } | { kind: "any" } | { kind: "class"; re: RegExp } | { kind: "star" };

/**
 * Go's filepath.Match, which COPY uses: `*` and `?` never cross `/`, and dotfiles match. The glob is
 * split at `/` and each segment matched on its own, in time linear in the segment times the
 * pattern: a regex of `[^/]*` runs backtracked, and `COPY a*a*…*b` against a long file name in the
 * context took seconds per star.
 */
function compileGoGlob(glob: string): GlobToken[][] | undefined {
  const segments: GlobToken[][] = [[]];
  for (let i = 0; i < glob.length; i++) {
    const tokens = segments[segments.length - 1];
    const c = glob[i];
    if (c === "/") segments.push([]);
    else if (c === "*") tokens.push({ kind: "star" });
    else if (c === "?") tokens.push({ kind: "any" });
    else if (c === "\\" && i + 1 < glob.length) tokens.push({ kind: "char", char: glob[++i] });
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) return undefined;
      let body = glob.slice(i + 1, close);
      // A class that names `/` would span segments: no such COPY source is worth a guess.
      if (body.includes("/")) return undefined;
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`;
      try {
        tokens.push({ kind: "class", re: new RegExp(`^[${body.replace(/\\(?!.)/g, "\\\\")}]$`) });
      } catch {
        return undefined;
      }
      i = close;
    } else tokens.push({ kind: "char", char: c });
  }
  return segments;
}

/** Whether `text` (one path segment) matches `tokens`, by the shared linear wildcard walk. */
function matchGlobSegment(tokens: readonly GlobToken[], text: string): boolean {
  return matchWildcard(tokens, text, isStarToken, matchesOneChar);
}

const isStarToken = (t: GlobToken) => t.kind === "star";
const matchesOneChar = (t: GlobToken, ch: string) => t.kind === "any" || (t.kind === "char" ? t.char === ch : t.kind === "class" && t.re.test(ch));

/** Secret files a selector takes; a secret directory (`.ssh/`, `.aws/`) is reported once, not file by file. */
function secretFilesSwept(files: readonly string[], selector: Selector): SweptSecret[] {
  const out: SweptSecret[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    if (!selected(file, selector)) continue;
    const segments = file.split("/");
    let hit: SweptSecret | undefined;
    for (let n = 1; n < segments.length && !hit; n++) {
      const dir = segments.slice(0, n).join("/");
      const label = secretFileKind(dir);
      if (label) hit = { path: `${dir}/`, label };
    }
    if (!hit) {
      const label = secretFileKind(file);
      if (label) hit = { path: file, label };
    }
    if (hit && !seen.has(hit.path)) {
      seen.add(hit.path);
      out.push(hit);
    }
  }
  return out;
}

function selected(file: string, selector: Selector): boolean {
  switch (selector.kind) {
    case "all":
      return true;
    case "dir":
      return file.startsWith(selector.prefix);
    case "glob": {
      // A glob that matches a directory copies all of it.
      const parts = file.split("/");
      const { segments } = selector;
      if (parts.length < segments.length) return false;
      for (let k = 0; k < segments.length; k++) if (!matchGlobSegment(segments[k], parts[k])) return false;
      return true;
    }
  }
}

/**
 * One finding per source argument, naming every secret file it takes: findings on one range
 * would be merged by the engine (one value, one finding), and a silent loss is worse than a list.
 */
function report(
  ctx: RuleContext<DockerfileDoc>,
  ins: DfInstruction,
  source: MappedText,
  hits: readonly SweptSecret[],
  listing: BuildContextListing,
  inFinalStage: boolean,
): void {
  const ignoreName = listing.ignore.file ? path.basename(listing.ignore.file) : ".dockerignore";
  const named = hits.slice(0, MAX_NAMED).map((h) => `\`${h.path}\` (${h.label})`);
  const more = hits.length > MAX_NAMED ? ` and ${hits.length - MAX_NAMED} more` : "";
  const onlyPem = hits.every((h) => h.path.toLowerCase().endsWith(".pem"));
  const what = hits.length === 1 ? `a secret file, ${named[0]},` : `${hits.length} secret files, ${named.join(", ")}${more},`;
  ctx.report({
    range: ctx.doc.rangeOf(source),
    // Not a secret value: the engine needs one to fingerprint the finding. It is prefixed so that
    // scrubbing the value out of the message leaves the paths in the message readable.
    value: `build-context:${hits.map((h) => h.path).join(",")}`,
    isSecret: false,
    name: hits[0].path,
    message:
      `\`${ins.keyword} ${source.text}\` sends ${what} from the build context into the image` +
      (listing.ignore.file ? `; ${ignoreName} does not exclude ${hits.length === 1 ? "it" : "them"}` : "; there is no .dockerignore") +
      (inFinalStage ? "" : " (in a build stage: they ship only if copied on, but they are in the build cache)"),
    fix:
      `Add ${hits
        .slice(0, MAX_NAMED)
        .map((h) => `\`/${h.path}\``)
        .join(", ")}${more} to ${ignoreName} (or start it with \`*\` and re-include only what the image needs with \`!\`), ` +
      `or copy specific paths instead of the whole directory. If the build needs a file, mount it: \`RUN --mount=type=secret,id=…\`.`,
    ...(!inFinalStage || onlyPem ? { severity: "warning" as const } : {}),
  });
}

function sweptFileIsPublic(contextDir: string, hit: SweptSecret, names: NameSettings): boolean {
  if (hit.path.endsWith("/")) return false;
  const abs = path.join(contextDir, hit.path);
  const base = path.posix.basename(hit.path);
  if (base.toLowerCase().endsWith(".pem")) {
    const content = pemContent(abs);
    return content === "public" || (content === "unknown" && namesCertificate(base));
  }
  if (hit.label === "dotenv file") return dotenvContent(abs, names) === "public";
  return false;
}
