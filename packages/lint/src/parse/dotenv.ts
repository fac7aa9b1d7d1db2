import type { ParseProblem, ParseResult, SourceRange } from "../types.js";
import { lineIndex, mappedRange, type LineIndex, type MappedText, verbatim } from "./offsets.js";

/**
 * One `KEY=value` statement of an env file, in the dialect docker compose reads
 * (compose-go's dotenv): `export` prefix, `=` or `:` separator, quotes, inline comments.
 */
export interface DotenvEntry {
  name: string;
  nameRange: SourceRange;
  /** Absent for a bare `KEY` line, which passes the variable through from the environment. */
  value?: MappedText;
  /** Where the value sits; multi-line for multi-line quoted values. Absent with `value`. */
  valueRange?: SourceRange;
  quote: "none" | "single" | "double";
  exported: boolean;
}

export interface DotenvComment {
  /** The comment's text after `#`. */
  text: MappedText;
  range: SourceRange;
}

export interface DotenvDoc {
  file: string;
  source: string;
  entries: DotenvEntry[];
  comments: DotenvComment[];
  lines: LineIndex;
  /** The file range of `value.text[start, end)`. */
  rangeOf(value: MappedText, start: number, end: number): SourceRange;
  /** The line of the `KEY=` a line of a multi-line quoted value belongs to; `line` elsewhere. */
  statementStart(line: number): number;
}

// compose-go accepts letters, digits, `_` and `.` in names; we also take `-` so a typo still gets linted.
const NAME_CHAR = /[\p{L}\p{N}_.-]/u;
const HORIZONTAL_SPACE = /[ \t\v\f\r\u0085\u00a0]/;

/** Never throws: bad lines become ParseProblems with their position. */
export function parseDotenv(source: string, file: string): ParseResult<DotenvDoc> {
  const lines = lineIndex(source);
  const entries: DotenvEntry[] = [];
  const comments: DotenvComment[] = [];
  const errors: ParseProblem[] = [];
  const n = source.length;
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skipSpace = () => {
    while (i < n && HORIZONTAL_SPACE.test(source[i])) i++;
  };
  const restOfLine = () => {
    const eol = source.indexOf("\n", i);
    return eol === -1 ? n : eol;
  };
  const readComment = (hash: number) => {
    const end = restOfLine();
    const trimmedEnd = source[end - 1] === "\r" ? end - 1 : end;
    comments.push({ text: verbatim(source, hash + 1, trimmedEnd), range: lines.range(hash, trimmedEnd) });
    i = end;
  };
  const fail = (at: number, code: string, message: string) => {
    const p = lines.position(at);
    errors.push({ line: p.line, column: p.column, code, message });
    i = restOfLine();
  };

  while (i < n) {
    skipSpace();
    if (i >= n) break;
    const ch = source[i];
    if (ch === "\n") {
      i++;
      continue;
    }
    if (ch === "#") {
      readComment(i);
      continue;
    }
    let exported = false;
    if (source.startsWith("export", i) && HORIZONTAL_SPACE.test(source[i + 6] ?? "")) {
      exported = true;
      i += 6;
      skipSpace();
    }
    const nameStart = i;
    while (i < n && NAME_CHAR.test(source[i])) i++;
    const nameEnd = i;
    const name = source.slice(nameStart, nameEnd);
    skipSpace();
    const sep = source[i];
    if (name === "") {
      fail(nameStart, "ENV_BAD_NAME", "Expected a variable name (letters, digits, `_`, `.`)");
      continue;
    }
    const nameRange = lines.range(nameStart, nameEnd);
    if (i >= n || sep === "\n" || sep === "#") {
      entries.push({ name, nameRange, quote: "none", exported });
      if (sep === "#") readComment(i);
      continue;
    }
    if (sep !== "=" && sep !== ":") {
      fail(i, "ENV_BAD_NAME", "Unexpected character in variable name; expected `=` after the name");
      continue;
    }
    i++;
    skipSpace();
    const q = source[i];
    if (q === '"' || q === "'") {
      const value = readQuoted(source, i, q);
      if (!value) {
        fail(i, "ENV_UNTERMINATED_QUOTE", `Unterminated ${q === '"' ? "double" : "single"}-quoted value`);
        continue;
      }
      entries.push({
        name,
        nameRange,
        value: value.text,
        valueRange: lines.range(i + 1, value.close),
        quote: q === '"' ? "double" : "single",
        exported,
      });
      i = value.close + 1;
      // compose-go ignores whatever follows the closing quote on that line; keep comments for token scans.
      const eol = restOfLine();
      const hash = source.indexOf("#", i);
      if (hash !== -1 && hash < eol) readComment(hash);
      else i = eol;
      continue;
    }
    const eol = restOfLine();
    let end = eol;
    for (let k = i; k < eol; k++) {
      if (source[k] === "#" && (k === i || HORIZONTAL_SPACE.test(source[k - 1]))) {
        end = k;
        break;
      }
    }
    let valueEnd = end;
    while (valueEnd > i && HORIZONTAL_SPACE.test(source[valueEnd - 1])) valueEnd--;
    entries.push({
      name,
      nameRange,
      value: verbatim(source, i, valueEnd),
      valueRange: lines.range(i, valueEnd),
      quote: "none",
      exported,
    });
    if (end < eol) readComment(end);
    else i = eol;
  }

  if (errors.length) return { ok: false, errors };
  let starts: Map<number, number> | undefined;
  return {
    ok: true,
    doc: {
      file,
      source,
      entries,
      comments,
      lines,
      rangeOf: (v, s, e) => mappedRange(lines, v, s, e),
      // Built on first use, once: a search through every entry per finding was quadratic.
      statementStart: (line) => (starts ??= multiLineStarts(entries)).get(line) ?? line,
    },
  };
}

/** For every continuation line of a multi-line value, the line its entry starts on (first entry wins). */
function multiLineStarts(entries: readonly DotenvEntry[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of entries) {
    if (!e.valueRange) continue;
    for (let l = e.valueRange.start.line + 1; l <= e.valueRange.end.line; l++) if (!out.has(l)) out.set(l, e.nameRange.start.line);
  }
  return out;
}

/**
 * Reads a quoted value starting at the opening quote. Like compose-go, a quote preceded by
 * a backslash does not close, and double-quoted values unescape `\n`, `\r` and `\<char>`.
 */
function readQuoted(source: string, open: number, quote: string): { text: MappedText; close: number } | undefined {
  let close = -1;
  for (let k = open + 1; k < source.length; k++) {
    if (source[k] === quote && source[k - 1] !== "\\") {
      close = k;
      break;
    }
  }
  if (close === -1) return undefined;
  if (quote === "'") return { text: verbatim(source, open + 1, close), close };
  let text = "";
  const offsets: number[] = [];
  for (let k = open + 1; k < close; k++) {
    const c = source[k];
    if (c === "\\" && k + 1 < close) {
      const next = source[k + 1];
      if (next === "$") {
        // `\$` keeps its backslash: it marks a literal dollar, not a reference.
        text += c;
        offsets.push(k);
        continue;
      }
      text += next === "n" ? "\n" : next === "r" ? "\r" : next;
      offsets.push(k);
      k++;
      continue;
    }
    text += c;
    offsets.push(k);
  }
  return { text: { text, offsets, end: close }, close };
}
