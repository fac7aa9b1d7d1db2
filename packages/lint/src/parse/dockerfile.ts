import { tokenizeShell } from "../detect/shell-words.js";
import { lineIndex, type MappedText, mapped, sliceMapped } from "./offsets.js";
import type { ParseProblem, ParseResult, Position, SourceRange } from "../types.js";

// Dockerfile text is a MappedText as the builder sees it (continuations removed, quotes resolved
// where stated): every detector runs on `text`; every finding maps back through `offsets`, so it
// lands on the physical line of the secret.

/** `--mount=type=secret,id=npm`: name `mount`, value `type=secret,id=npm`, options parsed. */
export interface DfFlag {
  name: string;
  value: string | null;
  options: Record<string, string>;
}

/** One `NAME=value` of ENV, ARG or LABEL (and the legacy `ENV NAME value`). */
export interface DfPair {
  name: string;
  nameText: MappedText;
  /** null for `ARG NAME` without default; otherwise the unquoted value (possibly ""). */
  value: MappedText | null;
}

export interface DfHeredoc {
  name: string;
  /** The raw body (BuildKit reads bodies raw: no continuation or escape processing). */
  body: MappedText;
  /** 1-based line of the first body line. */
  startLine: number;
  terminated: boolean;
  /** `<<-EOF`: leading tabs are stripped from body lines and the terminator. */
  stripTabs: boolean;
}

export interface DfStage {
  index: number;
  name?: string;
  image: string;
  line: number;
}

export interface DfInstruction {
  /** Upper-case, always a real Dockerfile keyword. */
  keyword: string;
  /** 1-based line of the keyword. */
  line: number;
  range: SourceRange;
  /** Index into `DockerfileDoc.stages`; -1 before the first FROM (global ARGs). */
  stage: number;
  /** Leading `--flag[=value]` options. */
  flags: DfFlag[];
  /** Arguments after the flags, continuations and in-continuation comment lines removed. Quotes kept. */
  args: MappedText;
  /** ENV, ARG, LABEL: the pairs, unquoted. */
  pairs: DfPair[];
  /** JSON exec form (`CMD ["a", "b c"]`), decoded; undefined for shell form. */
  exec?: MappedText[];
  /** Space-separated words (quotes removed) for COPY/ADD/FROM/USER…; exec form gives the JSON strings. */
  words: MappedText[];
  /**
   * Shell text to scan for command-line secrets (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD): the shell
   * form itself, the script of an exec-form `sh -c`, or the exec argv re-quoted for a shell tokenizer.
   */
  command?: MappedText;
  heredocs: DfHeredoc[];
  /** ONBUILD's trigger, unwrapped. */
  trigger?: DfInstruction;
}

export interface DfComment {
  /** Text after `#`, trimmed. */
  text: MappedText;
  line: number;
}

export interface DockerfileDoc {
  source: string;
  escapeChar: string;
  /** `# syntax=` directive value, if any. */
  syntax?: string;
  instructions: DfInstruction[];
  comments: DfComment[];
  stages: DfStage[];
  /** Lines that are neither instructions nor comments (garbage, typos): still scanned for tokens. */
  strayLines: MappedText[];
  /** Problems that did not stop parsing (e.g. an unterminated heredoc, read to end of file). */
  warnings: ParseProblem[];
  /** 1-based position of a source offset (UTF-16 columns). */
  position(offset: number): Position;
  /** Source range of `text.text[index, index + length)`. */
  rangeOf(text: MappedText, index?: number, length?: number): SourceRange;
  /** The first line of the instruction holding `line` (continuations, heredoc bodies), or `line`. */
  statementStart(line: number): number;
}

/**
 * Dockerfile keywords (dockerfile-ast's `Keyword` enum, which the tests check this against).
 * Listed here so the lint path does not load dockerfile-ast at all: about 40 ms of start-up.
 */
const KEYWORDS = new Set<string>([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);
/** Instructions whose arguments are a command line: their `words` are only filled for exec form. */
const COMMAND_KEYWORDS = new Set(["RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"]);
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"]);

export function parseDockerfile(source: string, file: string): ParseResult<DockerfileDoc> {
  void file;
  if (source.includes("\u0000")) return fail("binary", "file contains NUL bytes: not a Dockerfile");
  try {
    const lines = splitLines(source);
    const { escapeChar, syntax } = parseDirectives(source, lines);
    return build(source, lines, escapeChar, syntax, scanStructure(source, lines, escapeChar));
  } catch (err) {
    // Nothing here is expected to throw; if something does, the file is unusable, not the run.
    return fail("parse-failed", `could not parse: ${(err as Error).name}`);
  }
}

function fail(code: string, message: string): ParseResult<DockerfileDoc> {
  return { ok: false, errors: [{ code, message }] };
}

interface Line {
  start: number;
  /** End of content, before `\r\n` / `\n`. */
  end: number;
}

function splitLines(source: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = source.indexOf("\n", start);
    if (nl < 0) {
      out.push({ start, end: source.length });
      return out;
    }
    out.push({ start, end: nl > start && source[nl - 1] === "\r" ? nl - 1 : nl });
    start = nl + 1;
  }
}

/** `# escape=`` ` `` and `# syntax=…`, as BuildKit reads them. */
export interface Directives {
  escapeChar: string;
  syntax?: string;
}

// The value is trimmed in code: `(.*?)[ \t]*$` rescans trailing blanks for every length of the value.
const DIRECTIVE_RE = /^#[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=(.*)$/;
const KNOWN_DIRECTIVES = new Set(["escape", "syntax", "check"]);

/**
 * Parser directives: `# key=value` lines before anything else. The first line that is not a
 * known directive (a comment, a blank line, an instruction) ends them; a repeated directive is a
 * plain comment; an invalid escape character falls back to `\`.
 */
export function parseDirectives(source: string, lines = splitLines(source)): Directives {
  const out: Directives = { escapeChar: "\\" };
  const seen = new Set<string>();
  for (const l of lines) {
    const m = DIRECTIVE_RE.exec(
      source
        .slice(l.start, l.end)
        .replace(/^\uFEFF/, "")
        .trimStart(),
    );
    const key = m?.[1].toLowerCase();
    if (!m || !key || !KNOWN_DIRECTIVES.has(key) || seen.has(key)) break;
    seen.add(key);
    const value = trimBlanks(m[2]);
    if (key === "escape" && (value === "`" || value === "\\")) out.escapeChar = value;
    else if (key === "syntax") out.syntax = value;
  }
  return out;
}

/** Spaces and tabs off both ends (what BuildKit trims around a directive's value). */
function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === " " || s[a] === "\t")) a++;
  while (b > a && (s[b - 1] === " " || s[b - 1] === "\t")) b--;
  return s.slice(a, b);
}

const BLANK_OR_COMMENT_RE = /^\s*(?:#|$)/;

// ---------------------------------------------------------------------------------------------
// Structure. dockerfile-ast 0.7.1 was the first choice, but on real inputs it
// - treats a heredoc body line ending in the escape character as a continuation (swallowing the
//   terminator and the instructions after it), and lets an unterminated heredoc swallow the rest of
//   the file without a diagnostic;
// - mis-splits `ENV A=x\ y` (escaped space) and emits a bogus `\` property after `B="x" \`;
// - takes seconds on long continuations (about 5.5 s for a 40 000-line RUN) and is quadratic in
//   stages × comments.
// - costs about 40 ms to load, a third of a pre-commit hook's budget.
// So directives, instructions, comments and heredocs are read here, the way BuildKit reads them;
// the tests keep dockerfile-ast as an oracle for the cases it does get right.

interface RawInstruction {
  /** 0-based first and last physical line (heredoc bodies excluded). */
  startLine: number;
  endLine: number;
  heredocs: DfHeredoc[];
}

interface Structure {
  instructions: RawInstruction[];
  /** 0-based lines of comments (outside heredoc bodies). */
  commentLines: number[];
  /** 0-based lines inside heredoc bodies, mapped to their instruction's first line. */
  bodyOwner: Map<number, number>;
  warnings: ParseProblem[];
}

function scanStructure(source: string, lines: Line[], esc: string): Structure {
  const instructions: RawInstruction[] = [];
  const commentLines: number[] = [];
  const bodyOwner = new Map<number, number>();
  const warnings: ParseProblem[] = [];
  const lineText = (i: number) => source.slice(lines[i].start, lines[i].end);
  const continuation = new RegExp(`${escapeRegExp(esc)}[ \\t]*$`);

  let i = 0;
  while (i < lines.length) {
    const first = lineText(i);
    if (BLANK_OR_COMMENT_RE.test(first)) {
      if (/^\s*#/.test(first)) commentLines.push(i);
      i++;
      continue;
    }
    const startLine = i;
    while (i < lines.length - 1 && continuation.test(lineText(i))) {
      i++;
      // Comment and empty lines inside a continuation are dropped by the builder.
      while (i < lines.length - 1 && BLANK_OR_COMMENT_RE.test(lineText(i))) {
        if (/^\s*#/.test(lineText(i))) commentLines.push(i);
        i++;
      }
    }
    const endLine = i;
    i++;
    const raw: RawInstruction = { startLine, endLine, heredocs: [] };
    instructions.push(raw);

    const keyword = /^\s*([A-Za-z]+)(?:\s+([A-Za-z]+))?/.exec(first);
    const kw = keyword?.[1].toUpperCase();
    const target = kw === "ONBUILD" ? keyword?.[2]?.toUpperCase() : kw;
    if (target !== "RUN" && target !== "COPY" && target !== "ADD") continue;
    if (!source.slice(lines[startLine].start, lines[endLine].end).includes("<<")) continue;
    const logical = logicalText(source, lines[startLine].start, lines[endLine].end, esc);
    for (const m of heredocMarkers(logical.text)) {
      // Bodies are read raw: no continuation, comment or escape processing.
      const bodyStartLine = i;
      let terminated = false;
      while (i < lines.length) {
        const text = lineText(i);
        if ((m.stripTabs ? text.replace(/^\t+/, "") : text) === m.name) {
          terminated = true;
          break;
        }
        i++;
      }
      const bodyStart = bodyStartLine < lines.length ? lines[bodyStartLine].start : source.length;
      const bodyEnd = i > bodyStartLine ? Math.min(source.length, lines[i - 1].end + (source[lines[i - 1].end] === "\r" ? 2 : 1)) : bodyStart;
      const body = source.slice(bodyStart, bodyEnd);
      const offsets = new Array<number>(body.length);
      for (let k = 0; k < body.length; k++) offsets[k] = bodyStart + k;
      raw.heredocs.push({ name: m.name, body: mapped(body, offsets, bodyStart), startLine: bodyStartLine + 1, terminated, stripTabs: m.stripTabs });
      for (let l = bodyStartLine; l < Math.min(i + 1, lines.length); l++) bodyOwner.set(l, startLine);
      if (terminated) i++;
      else
        warnings.push({
          line: startLine + 1,
          code: "unterminated-heredoc",
          message: `heredoc ${m.name} is never terminated: its body runs to the end of the file`,
        });
    }
  }
  return { instructions, commentLines, bodyOwner, warnings };
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (the word must touch the operator; `<<<` is a here-string). */
function heredocMarkers(text: string): { name: string; stripTabs: boolean }[] {
  const out: { name: string; stripTabs: boolean }[] = [];
  const tokens = tokenizeShell(text);
  for (let k = 0; k + 1 < tokens.length; k++) {
    const op = tokens[k];
    const next = tokens[k + 1];
    if (op.type !== "op" || (op.op !== "<<" && op.op !== "<<-") || next.type !== "word") continue;
    if (next.word.start !== op.index + op.op.length || !/^[A-Za-z0-9_.-]+$/.test(next.word.text)) continue;
    out.push({ name: next.word.text, stripTabs: op.op === "<<-" });
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The text between two source offsets as the builder joins it: an escape character before the
 * end of a line (optionally followed by blanks) joins the next line, and comment or empty lines
 * inside a continuation are dropped.
 */
function logicalText(source: string, from: number, to: number, esc: string): MappedText {
  // The kept runs, as [start, end) pairs: the offsets array is allocated once at its final size
  // (pushing one offset a character was this parser's largest allocation).
  const runs: number[] = [];
  let runStart = from;
  let k = from;
  const flush = (end: number) => {
    if (end > runStart) runs.push(runStart, end);
  };
  while (k < to) {
    // Search only this instruction: indexOf would scan the rest of the file for every instruction.
    while (k < to && source[k] !== esc) k++;
    if (k >= to) break;
    let j = k + 1;
    while (j < to && (source[j] === " " || source[j] === "\t")) j++;
    if (source[j] === "\r") j++;
    // Like BuildKit, any escape character before the line end continues the line, even `\\`.
    if (source[j] !== "\n" && j < to) {
      k += 1;
      continue;
    }
    flush(k);
    k = j + 1;
    // Skip comment and empty lines inside the continuation.
    for (;;) {
      const nl = source.indexOf("\n", k);
      const lineEnd = nl < 0 || nl >= to ? to : nl;
      if (k < to && lineEnd < to && /^\s*(?:#.*)?\r?$/.test(source.slice(k, lineEnd))) k = lineEnd + 1;
      else break;
    }
    runStart = k;
  }
  flush(Math.min(to, source.length));
  let length = 0;
  for (let r = 0; r < runs.length; r += 2) length += runs[r + 1] - runs[r];
  const offsets = new Array<number>(length);
  let text = "";
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    text += source.slice(runs[r], runs[r + 1]);
    for (let j = runs[r]; j < runs[r + 1]; j++) offsets[at++] = j;
  }
  return mapped(text, offsets, from);
}

// ---------------------------------------------------------------------------------------------

function build(source: string, lines: Line[], escapeChar: string, syntax: string | undefined, structure: Structure): ParseResult<DockerfileDoc> {
  const { position } = lineIndex(source);
  const rangeOf = (text: MappedText, index = 0, length = text.text.length - index): SourceRange => {
    if (text.offsets.length === 0) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    const a = Math.max(0, Math.min(index, text.offsets.length - 1));
    const b = Math.max(a, Math.min(index + Math.max(length, 1), text.offsets.length) - 1);
    return { start: position(text.offsets[a]), end: position(text.offsets[b] + 1) };
  };

  const instructions: DfInstruction[] = [];
  const stages: DfStage[] = [];
  const strayLines: MappedText[] = [];
  const statementLines: [number, number][] = [];

  for (const raw of structure.instructions) {
    const start = lines[raw.startLine].start;
    const end = lines[raw.endLine].end;
    const df = makeInstruction(source, start, end, escapeChar, stages.length - 1, raw.heredocs, position);
    if (!df) {
      strayLines.push(logicalText(source, start, end, escapeChar));
      continue;
    }
    if (df.keyword === "FROM") {
      const words = df.words.map((w) => w.text);
      const as = words.findIndex((w) => w.toLowerCase() === "as");
      stages.push({ index: stages.length, image: words[0] ?? "", name: as >= 0 ? words[as + 1] : undefined, line: df.line });
      df.stage = stages.length - 1;
    }
    instructions.push(df);
    statementLines.push([raw.startLine + 1, raw.endLine + 1]);
  }

  const comments: DfComment[] = [];
  for (const l of structure.commentLines) {
    const { start, end } = lines[l];
    const raw = source.slice(start, end);
    const bodyStart = start + raw.indexOf("#") + 1;
    const body = source.slice(bodyStart, end);
    const lead = body.length - body.trimStart().length;
    const text = body.trim();
    const offsets = new Array<number>(text.length);
    for (let k = 0; k < text.length; k++) offsets[k] = bodyStart + lead + k;
    comments.push({ line: l + 1, text: mapped(text, offsets, bodyStart + lead) });
  }

  if (instructions.length === 0 && strayLines.length > 0) {
    return { ok: false, errors: [{ line: 1, code: "not-a-dockerfile", message: "no Dockerfile instruction found" }] };
  }

  const statementStart = (line: number): number => {
    const owner = structure.bodyOwner.get(line - 1);
    if (owner !== undefined) return owner + 1;
    let lo = 0;
    let hi = statementLines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = statementLines[mid];
      if (line < a) hi = mid - 1;
      else if (line > b) lo = mid + 1;
      else return a;
    }
    return line;
  };

  return {
    ok: true,
    doc: { source, escapeChar, syntax, instructions, comments, stages, strayLines, warnings: structure.warnings, position, rangeOf, statementStart },
  };
}

function makeInstruction(
  source: string,
  start: number,
  end: number,
  esc: string,
  stage: number,
  heredocs: DfHeredoc[],
  position: (o: number) => Position,
): DfInstruction | undefined {
  const whole = logicalText(source, start, end, esc);
  const kwMatch = /^\s*([A-Za-z]+)/.exec(whole.text);
  if (!kwMatch) return undefined;
  const keyword = kwMatch[1].toUpperCase();
  if (!KEYWORDS.has(keyword)) return undefined;
  const { flags, after } =
    keyword === "ONBUILD" ? { flags: [], after: sliceText(whole, skipBlanks(whole.text, kwMatch[0].length)) } : parseFlags(whole, kwMatch[0].length, esc);
  const args = after;
  const line = position(whole.offsets[kwMatch[0].length - kwMatch[1].length] ?? start).line;
  const df: DfInstruction = {
    keyword,
    line,
    range: { start: position(start), end: position(end) },
    stage,
    flags,
    args,
    pairs: [],
    words: [],
    heredocs,
  };

  if (keyword === "ONBUILD") {
    const triggerKw = /^[A-Za-z]+/.exec(args.text);
    if (triggerKw && KEYWORDS.has(triggerKw[0].toUpperCase()) && args.offsets.length > 0) {
      const tStart = args.offsets[0];
      const trigger = makeInstruction(source, tStart, end, esc, stage, heredocs, position);
      if (trigger) df.trigger = trigger;
    }
    return df;
  }

  const exec = parseJsonArray(args);
  if (exec) df.exec = exec;
  if (keyword === "ENV" || keyword === "ARG" || keyword === "LABEL") {
    df.pairs = parsePairs(args, esc, keyword === "ENV");
  } else if (!COMMAND_KEYWORDS.has(keyword)) {
    df.words = exec ?? splitWords(args, esc).map((w) => unquote(args, w.from, w.to, esc));
  } else if (exec) {
    df.words = exec;
  }

  if (keyword === "RUN" || keyword === "CMD" || keyword === "ENTRYPOINT") {
    df.command = commandOf(args, exec);
  } else if (keyword === "HEALTHCHECK") {
    const m = /^\s*CMD\s+/i.exec(args.text);
    if (m) {
      const rest2 = sliceText(args, m[0].length);
      df.command = commandOf(rest2, parseJsonArray(rest2));
    }
  }
  return df;
}

function commandOf(args: MappedText, exec: MappedText[] | undefined): MappedText {
  if (!exec) return args;
  const shell = exec[0] ? exec[0].text.replace(/^.*\//, "") : "";
  const c = exec.findIndex((x) => /^-[a-z]*c$/.test(x.text));
  if (SHELLS.has(shell) && c > 0 && exec[c + 1]) return exec[c + 1];
  return requote(exec);
}

/** Re-quote an argv for the shell tokenizer: `'a' 'b c'`, each content character keeping its source offset. */
function requote(argv: MappedText[]): MappedText {
  let text = "";
  const offsets: number[] = [];
  argv.forEach((arg, n) => {
    const anchor = arg.offsets[0] ?? 0;
    if (n > 0) {
      text += " ";
      offsets.push(anchor);
    }
    text += "'";
    offsets.push(anchor);
    for (let k = 0; k < arg.text.length; k++) {
      if (arg.text[k] === "'") {
        text += "'\\''";
        offsets.push(arg.offsets[k], arg.offsets[k], arg.offsets[k], arg.offsets[k]);
      } else {
        text += arg.text[k];
        offsets.push(arg.offsets[k]);
      }
    }
    text += "'";
    offsets.push(arg.offsets[arg.offsets.length - 1] ?? anchor);
  });
  return mapped(text, offsets, argv[0]?.offsets[0] ?? 0);
}

function sliceText(t: MappedText, from: number, to = t.text.length): MappedText {
  return sliceMapped(t, from, to);
}

/** The index of the first character at or after `from` that `trimStart` would keep. */
function skipBlanks(s: string, from: number): number {
  const tail = s.slice(from);
  return from + (tail.length - tail.trimStart().length);
}

const FLAG_RE = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?=\s|$)/;

/**
 * Leading `--name[=value]` words of `whole.text[start…]`; the rest, trimmed, is the arguments.
 * Works on indexes into `whole` and slices once at the end: each intermediate slice copied the
 * instruction's offsets again.
 */
function parseFlags(whole: MappedText, start: number, esc: string): { flags: DfFlag[]; after: MappedText } {
  const flags: DfFlag[] = [];
  const s = whole.text;
  let from = skipBlanks(s, start);
  while (s.startsWith("--", from)) {
    const m = FLAG_RE.exec(s.slice(from));
    if (!m) break;
    const flagText = sliceText(whole, from, from + m[0].length);
    const words = splitWords(flagText, esc);
    const value = m[2] === undefined ? null : unquote(flagText, m[1].length + 3, words[0]?.to ?? m[0].length, esc).text;
    const options: Record<string, string> = {};
    if (value !== null && m[1] === "mount") {
      for (const part of value.split(",")) {
        const eq = part.indexOf("=");
        options[(eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()] = eq < 0 ? "true" : part.slice(eq + 1);
      }
    }
    flags.push({ name: m[1], value, options });
    from = skipBlanks(s, from + m[0].length);
  }
  const to = from + s.slice(from).trimEnd().length;
  return { flags, after: from === 0 && to === s.length ? whole : sliceText(whole, from, to) };
}

/** Word boundaries on unquoted whitespace, honouring quotes and the escape character. */
function splitWords(t: MappedText, esc: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const s = t.text;
  let k = 0;
  while (k < s.length) {
    while (k < s.length && /\s/.test(s[k])) k++;
    if (k >= s.length) break;
    const from = k;
    let quote = "";
    let braces = 0;
    while (k < s.length) {
      const c = s[k];
      if (quote) {
        if (c === esc && quote === '"' && k + 1 < s.length) k++;
        else if (c === quote) quote = "";
      } else if (c === esc && k + 1 < s.length) k++;
      else if (c === '"' || c === "'") quote = c;
      // `${VAR:?some message}` is one word even with spaces inside the braces.
      else if (c === "$" && s[k + 1] === "{") {
        braces++;
        k++;
      } else if (c === "}" && braces > 0) braces--;
      else if (/\s/.test(c) && braces === 0) break;
      k++;
    }
    out.push({ from, to: Math.min(k, s.length) });
  }
  return out;
}

/** Remove quotes and escapes from `t.text[from, to)`, keeping each remaining character's offset. */
function unquote(t: MappedText, from: number, to: number, esc: string): MappedText {
  let text = "";
  const offsets: number[] = [];
  let quote = "";
  for (let k = from; k < to; k++) {
    const c = t.text[k];
    if (quote === "'") {
      if (c === "'") quote = "";
      else {
        text += c;
        offsets.push(t.offsets[k]);
      }
    } else if (c === esc && k + 1 < to && (quote === "" || t.text[k + 1] === '"' || t.text[k + 1] === esc || t.text[k + 1] === "$")) {
      k++;
      text += t.text[k];
      offsets.push(t.offsets[k]);
    } else if (quote === '"' && c === '"') quote = "";
    else if (quote === "" && (c === '"' || c === "'")) quote = c;
    else {
      text += c;
      offsets.push(t.offsets[k]);
    }
  }
  return mapped(text, offsets, t.offsets[from] ?? t.end);
}

/** `A=1 B="x y"` pairs; with `legacy`, `ENV NAME value with spaces` when the first word has no `=`. */
function parsePairs(args: MappedText, esc: string, legacy: boolean): DfPair[] {
  const words = splitWords(args, esc);
  if (words.length === 0) return [];
  const eqIn = (w: { from: number; to: number }) => {
    let quote = "";
    for (let k = w.from; k < w.to; k++) {
      const c = args.text[k];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === esc) k++;
      else if (c === '"' || c === "'") quote = c;
      else if (c === "=") return k;
    }
    return -1;
  };
  if (legacy && eqIn(words[0]) < 0) {
    const nameText = unquote(args, words[0].from, words[0].to, esc);
    const valueFrom = words[1]?.from ?? args.text.length;
    return [{ name: nameText.text, nameText, value: unquote(args, valueFrom, args.text.length, esc) }];
  }
  const pairs: DfPair[] = [];
  for (const w of words) {
    const eq = eqIn(w);
    const nameText = unquote(args, w.from, eq < 0 ? w.to : eq, esc);
    if (nameText.text === "") continue;
    pairs.push({ name: nameText.text, nameText, value: eq < 0 ? null : unquote(args, eq + 1, w.to, esc) });
  }
  return pairs;
}

/** A JSON array of strings (exec form), decoded with per-character offsets; undefined if not one. */
function parseJsonArray(t: MappedText): MappedText[] | undefined {
  const s = t.text;
  let k = 0;
  const ws = () => {
    while (k < s.length && /\s/.test(s[k])) k++;
  };
  ws();
  if (s[k] !== "[") return undefined;
  k++;
  const out: MappedText[] = [];
  ws();
  if (s[k] === "]") {
    k++;
    ws();
    return k === s.length ? out : undefined;
  }
  for (;;) {
    ws();
    if (s[k] !== '"') return undefined;
    k++;
    let text = "";
    const offsets: number[] = [];
    while (k < s.length && s[k] !== '"') {
      if (s[k] === "\\") {
        const e = s[k + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && e in simple) {
          text += simple[e];
          offsets.push(t.offsets[k]);
          k += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(k + 2, k + 6))) {
          text += String.fromCharCode(parseInt(s.slice(k + 2, k + 6), 16));
          offsets.push(t.offsets[k]);
          k += 6;
        } else return undefined;
      } else {
        if (s.charCodeAt(k) < 0x20) return undefined;
        text += s[k];
        offsets.push(t.offsets[k]);
        k++;
      }
    }
    if (k >= s.length) return undefined;
    k++;
    out.push(mapped(text, offsets, t.offsets[k - 1] ?? t.end));
    ws();
    if (s[k] === ",") {
      k++;
      continue;
    }
    if (s[k] !== "]") return undefined;
    k++;
    ws();
    return k === s.length ? out : undefined;
  }
}
