import { DockerfileParser, Keyword } from "dockerfile-ast";
import { tokenizeShell } from "../detect/shell-words.js";
import type { ParseProblem, ParseResult, Position, SourceRange } from "../types.js";

/**
 * A piece of Dockerfile text as the builder sees it (continuations removed, quotes resolved where
 * stated), with `offsets[i]` = the index in the original source of `text[i]`. Every detector runs on
 * `text`; every finding maps back through `offsets`, so it lands on the physical line of the secret.
 */
export interface DfText {
  text: string;
  offsets: number[];
}

/** `--mount=type=secret,id=npm`: name `mount`, value `type=secret,id=npm`, options parsed. */
export interface DfFlag {
  name: string;
  value: string | null;
  options: Record<string, string>;
}

/** One `NAME=value` of ENV, ARG or LABEL (and the legacy `ENV NAME value`). */
export interface DfPair {
  name: string;
  nameText: DfText;
  /** null for `ARG NAME` without default; otherwise the unquoted value (possibly ""). */
  value: DfText | null;
}

export interface DfHeredoc {
  name: string;
  /** The raw body (BuildKit reads bodies raw: no continuation or escape processing). */
  body: DfText;
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
  args: DfText;
  /** ENV, ARG, LABEL: the pairs, unquoted. */
  pairs: DfPair[];
  /** JSON exec form (`CMD ["a", "b c"]`), decoded; undefined for shell form. */
  exec?: DfText[];
  /** Space-separated words (quotes removed) for COPY/ADD/FROM/USER…; exec form gives the JSON strings. */
  words: DfText[];
  /**
   * Shell text to scan for command-line secrets (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD): the shell
   * form itself, the script of an exec-form `sh -c`, or the exec argv re-quoted for a shell tokenizer.
   */
  command?: DfText;
  heredocs: DfHeredoc[];
  /** ONBUILD's trigger, unwrapped. */
  trigger?: DfInstruction;
}

export interface DfComment {
  /** Text after `#`, trimmed. */
  text: DfText;
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
  strayLines: DfText[];
  /** Problems that did not stop parsing (e.g. an unterminated heredoc, read to end of file). */
  warnings: ParseProblem[];
  /** 1-based position of a source offset (UTF-16 columns). */
  position(offset: number): Position;
  /** Source range of `text.text[index, index + length)`. */
  rangeOf(text: DfText, index?: number, length?: number): SourceRange;
  /** The first line of the instruction holding `line` (continuations, heredoc bodies), or `line`. */
  statementStart(line: number): number;
}

const KEYWORDS = new Set<string>(Object.values(Keyword));
/** dockerfile-ast's comment handling is O(comments × stages); refuse inputs that would take seconds. */
const MAX_STAGE_COMMENT_PRODUCT = 4_000_000;
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"]);

export function parseDockerfile(source: string, file: string): ParseResult<DockerfileDoc> {
  void file;
  if (source.includes("\u0000")) return fail("binary", "file contains NUL bytes: not a Dockerfile");
  const lines = splitLines(source);

  const stageCount = countMatching(lines, source, /^\s*from\s/i);
  const commentCount = countMatching(lines, source, /^\s*#/);
  if (stageCount * commentCount > MAX_STAGE_COMMENT_PRODUCT) {
    return fail("too-complex", `too many stages (${stageCount}) and comments (${commentCount}) to parse in reasonable time`);
  }

  let ast;
  let escapeChar = "\\";
  let syntax: string | undefined;
  try {
    // Directives first, so heredoc scanning knows the escape character.
    const head = DockerfileParser.parse(source.slice(0, directiveBlockEnd(lines, source)));
    escapeChar = head.getEscapeCharacter() || "\\";
    syntax = head.getDirectives().find((d) => d.getName().toLowerCase() === "syntax")?.getValue() ?? undefined;
    const heredocScan = scanHeredocs(source, lines, escapeChar);
    ast = DockerfileParser.parse(heredocScan.masked);
    return build(source, lines, ast, escapeChar, syntax, heredocScan);
  } catch (err) {
    // dockerfile-ast is not supposed to throw; if it does, the file is unusable, not the run.
    return fail("parse-failed", `could not parse: ${(err as Error).message.slice(0, 200)}`);
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

function countMatching(lines: Line[], source: string, re: RegExp): number {
  let n = 0;
  for (const l of lines) if (re.test(source.slice(l.start, Math.min(l.end, l.start + 16)))) n++;
  return n;
}

/** Parser directives are `# key=value` lines at the very top. */
function directiveBlockEnd(lines: Line[], source: string): number {
  for (const l of lines) {
    if (!/^\s*#\s*[A-Za-z]+\s*=/.test(source.slice(l.start, l.end))) return l.start;
  }
  return source.length;
}

// ---------------------------------------------------------------------------------------------
// Heredocs: scanned here, following BuildKit, because dockerfile-ast mis-reads bodies that end in
// the escape character and lets an unterminated heredoc swallow the rest of the file silently.

interface HeredocScan {
  /** The source with heredoc markers, bodies and terminators blanked (same length, newlines kept). */
  masked: string;
  /** Heredocs by the 0-based line of the instruction's first line. */
  byLine: Map<number, DfHeredoc[]>;
  /** 0-based lines inside heredoc bodies, mapped to the instruction's first line. */
  bodyOwner: Map<number, number>;
  warnings: ParseProblem[];
}

function scanHeredocs(source: string, lines: Line[], esc: string): HeredocScan {
  const byLine = new Map<number, DfHeredoc[]>();
  const bodyOwner = new Map<number, number>();
  const warnings: ParseProblem[] = [];
  const blank: [number, number][] = [];
  const lineText = (i: number) => source.slice(lines[i].start, lines[i].end);
  const continues = (i: number) => new RegExp(`${escapeRegExp(esc)}[ \\t]*$`).test(lineText(i));

  let i = directiveLinesCount(lines, source);
  while (i < lines.length) {
    const first = lineText(i);
    if (/^\s*(?:#|$)/.test(first)) {
      i++;
      continue;
    }
    const startLine = i;
    while (i < lines.length - 1 && continues(i)) {
      i++;
      while (i < lines.length - 1 && /^\s*(?:#|$)/.test(lineText(i))) i++;
    }
    const endLine = i;
    i++;
    const keyword = /^\s*([A-Za-z]+)(?:\s+([A-Za-z]+))?/.exec(first);
    const kw = keyword?.[1].toUpperCase();
    const target = kw === "ONBUILD" ? keyword?.[2]?.toUpperCase() : kw;
    if (target !== "RUN" && target !== "COPY" && target !== "ADD") continue;

    const logical = logicalText(source, lines[startLine].start, lines[endLine].end, esc);
    const markers = heredocMarkers(logical.text);
    if (markers.length === 0) continue;
    const docs: DfHeredoc[] = [];
    for (const m of markers) {
      for (let k = m.from; k < m.to; k++) blank.push([logical.offsets[k], logical.offsets[k] + 1]);
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
      docs.push({
        name: m.name,
        body: { text: body, offsets: Array.from({ length: body.length }, (_, k) => bodyStart + k) },
        startLine: bodyStartLine + 1,
        terminated,
        stripTabs: m.stripTabs,
      });
      for (let l = bodyStartLine; l < Math.min(i + 1, lines.length); l++) {
        bodyOwner.set(l, startLine);
        blank.push([lines[l].start, lines[l].end]);
      }
      if (!terminated) {
        warnings.push({ line: startLine + 1, code: "unterminated-heredoc", message: `heredoc ${m.name} is never terminated: its body runs to the end of the file` });
      } else i++;
    }
    byLine.set(startLine, docs);
  }

  let masked = source;
  if (blank.length > 0) {
    const chars = source.split("");
    for (const [a, b] of blank) for (let k = a; k < b; k++) if (chars[k] !== "\n" && chars[k] !== "\r") chars[k] = " ";
    masked = chars.join("");
  }
  return { masked, byLine, bodyOwner, warnings };
}

function directiveLinesCount(lines: Line[], source: string): number {
  let n = 0;
  while (n < lines.length && /^\s*#\s*[A-Za-z]+\s*=/.test(source.slice(lines[n].start, lines[n].end))) n++;
  return n;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (the word must touch the operator; `<<<` is a here-string). */
function heredocMarkers(text: string): { name: string; stripTabs: boolean; from: number; to: number }[] {
  const out: { name: string; stripTabs: boolean; from: number; to: number }[] = [];
  const tokens = tokenizeShell(text);
  for (let k = 0; k + 1 < tokens.length; k++) {
    const op = tokens[k];
    const next = tokens[k + 1];
    if (op.type !== "op" || (op.op !== "<<" && op.op !== "<<-") || next.type !== "word") continue;
    if (next.word.start !== op.index + op.op.length || !/^[A-Za-z0-9_.-]+$/.test(next.word.text)) continue;
    out.push({ name: next.word.text, stripTabs: op.op === "<<-", from: op.index, to: next.word.end });
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
function logicalText(source: string, from: number, to: number, esc: string): DfText {
  let text = "";
  const offsets: number[] = [];
  let k = from;
  while (k < to) {
    const c = source[k];
    if (c === esc) {
      let j = k + 1;
      while (j < to && (source[j] === " " || source[j] === "\t")) j++;
      if (source[j] === "\r") j++;
      if (source[j] === "\n" || j >= to) {
        k = j + 1;
        // Skip comment and empty lines inside the continuation.
        for (;;) {
          const nl = source.indexOf("\n", k);
          const lineEnd = nl < 0 || nl >= to ? to : nl;
          if (k < to && /^\s*(?:#.*)?\r?$/.test(source.slice(k, lineEnd)) && lineEnd < to) k = lineEnd + 1;
          else break;
        }
        continue;
      }
    }
    text += c;
    offsets.push(k);
    k++;
  }
  return { text, offsets };
}

// ---------------------------------------------------------------------------------------------

type AstInstruction = ReturnType<ReturnType<typeof DockerfileParser.parse>["getInstructions"]>[number];

function build(source: string, lines: Line[], ast: ReturnType<typeof DockerfileParser.parse>, escapeChar: string, syntax: string | undefined, heredocs: HeredocScan): ParseResult<DockerfileDoc> {
  const lineStarts = lines.map((l) => l.start);
  const offsetOf = (p: { line: number; character: number }) => (p.line < lines.length ? Math.min(lines[p.line].start + p.character, source.length) : source.length);
  const position = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const rangeOf = (text: DfText, index = 0, length = text.text.length - index): SourceRange => {
    if (text.offsets.length === 0) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    const a = Math.max(0, Math.min(index, text.offsets.length - 1));
    const b = Math.max(a, Math.min(index + Math.max(length, 1), text.offsets.length) - 1);
    return { start: position(text.offsets[a]), end: position(text.offsets[b] + 1) };
  };

  const instructions: DfInstruction[] = [];
  const stages: DfStage[] = [];
  const strayLines: DfText[] = [];
  const statementLines: [number, number][] = [];

  for (const ins of ast.getInstructions()) {
    const r = ins.getRange();
    const start = offsetOf(r.start);
    const end = offsetOf(r.end);
    const keyword = ins.getKeyword();
    if (!KEYWORDS.has(keyword)) {
      strayLines.push(logicalText(source, start, end, escapeChar));
      continue;
    }
    const heredocList = heredocs.byLine.get(r.start.line) ?? [];
    const df = makeInstruction(source, start, end, escapeChar, stages.length - 1, heredocList, position);
    if (!df) continue;
    if (df.keyword === "FROM") {
      const words = df.words.map((w) => w.text);
      const as = words.findIndex((w) => w.toLowerCase() === "as");
      stages.push({ index: stages.length, image: words[0] ?? "", name: as >= 0 ? words[as + 1] : undefined, line: df.line });
      df.stage = stages.length - 1;
    }
    instructions.push(df);
    void (ins as AstInstruction);
    statementLines.push([r.start.line + 1, r.end.line + 1]);
  }

  const comments: DfComment[] = [];
  for (const c of ast.getComments()) {
    const r = c.getRange();
    const start = offsetOf(r.start);
    const end = offsetOf(r.end);
    const raw = source.slice(start, end);
    const hash = raw.indexOf("#");
    const bodyStart = start + hash + 1;
    const body = source.slice(bodyStart, end);
    const lead = body.length - body.trimStart().length;
    const text = body.trim();
    comments.push({ line: r.start.line + 1, text: { text, offsets: Array.from({ length: text.length }, (_, k) => bodyStart + lead + k) } });
  }

  const hasContent = lines.some((l) => !/^\s*(?:#|$)/.test(source.slice(l.start, l.end)));
  if (instructions.length === 0 && hasContent) {
    return { ok: false, errors: [{ line: 1, code: "not-a-dockerfile", message: "no Dockerfile instruction found" }] };
  }

  const statementStart = (line: number): number => {
    const owner = heredocs.bodyOwner.get(line - 1);
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
    doc: { source, escapeChar, syntax, instructions, comments, stages, strayLines, warnings: heredocs.warnings, position, rangeOf, statementStart },
  };
}

function makeInstruction(source: string, start: number, end: number, esc: string, stage: number, heredocs: DfHeredoc[], position: (o: number) => Position): DfInstruction | undefined {
  const whole = logicalText(source, start, end, esc);
  const kwMatch = /^\s*([A-Za-z]+)/.exec(whole.text);
  if (!kwMatch) return undefined;
  const keyword = kwMatch[1].toUpperCase();
  if (!KEYWORDS.has(keyword)) return undefined;
  const rest = sliceText(whole, kwMatch[0].length);
  const { flags, after } = keyword === "ONBUILD" ? { flags: [], after: trimStart(rest) } : parseFlags(rest, esc);
  const args = after;
  const line = position(whole.offsets[kwMatch[0].length - kwMatch[1].length] ?? start).line;
  const df: DfInstruction = {
    keyword, line, range: { start: position(start), end: position(end) }, stage, flags, args, pairs: [], words: [], heredocs,
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
  } else {
    df.words = exec ?? splitWords(args, esc).map((w) => unquote(args, w.from, w.to, esc));
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

function commandOf(args: DfText, exec: DfText[] | undefined): DfText {
  if (!exec) return args;
  const shell = exec[0] ? exec[0].text.replace(/^.*\//, "") : "";
  const c = exec.findIndex((x) => /^-[a-z]*c$/.test(x.text));
  if (SHELLS.has(shell) && c > 0 && exec[c + 1]) return exec[c + 1];
  return requote(exec);
}

/** Re-quote an argv for the shell tokenizer: `'a' 'b c'`, each content character keeping its source offset. */
function requote(argv: DfText[]): DfText {
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
  return { text, offsets };
}

function sliceText(t: DfText, from: number, to = t.text.length): DfText {
  return { text: t.text.slice(from, to), offsets: t.offsets.slice(from, to) };
}

function trimStart(t: DfText): DfText {
  const lead = t.text.length - t.text.trimStart().length;
  return sliceText(t, lead);
}

/** Leading `--name[=value]` words; the rest is the arguments. */
function parseFlags(rest: DfText, esc: string): { flags: DfFlag[]; after: DfText } {
  const flags: DfFlag[] = [];
  let t = trimStart(rest);
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?=\s|$)/.exec(t.text);
    if (!m) break;
    const words = splitWords(sliceText(t, 0, m[0].length), esc);
    const value = m[2] === undefined ? null : unquote(t, m[1].length + 3, words[0]?.to ?? m[0].length, esc).text;
    const options: Record<string, string> = {};
    if (value !== null && m[1] === "mount") {
      for (const part of value.split(",")) {
        const eq = part.indexOf("=");
        options[(eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()] = eq < 0 ? "true" : part.slice(eq + 1);
      }
    }
    flags.push({ name: m[1], value, options });
    t = trimStart(sliceText(t, m[0].length));
  }
  return { flags, after: trimEnd(t) };
}

function trimEnd(t: DfText): DfText {
  return sliceText(t, 0, t.text.trimEnd().length);
}

/** Word boundaries on unquoted whitespace, honouring quotes and the escape character. */
function splitWords(t: DfText, esc: string): { from: number; to: number }[] {
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
function unquote(t: DfText, from: number, to: number, esc: string): DfText {
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
  return { text, offsets };
}

/** `A=1 B="x y"` pairs; with `legacy`, `ENV NAME value with spaces` when the first word has no `=`. */
function parsePairs(args: DfText, esc: string, legacy: boolean): DfPair[] {
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
function parseJsonArray(t: DfText): DfText[] | undefined {
  const s = t.text;
  let k = 0;
  const ws = () => {
    while (k < s.length && /\s/.test(s[k])) k++;
  };
  ws();
  if (s[k] !== "[") return undefined;
  k++;
  const out: DfText[] = [];
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
    out.push({ text, offsets });
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
