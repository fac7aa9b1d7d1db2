import { Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";

// A fast reader for the plain block YAML that most compose files are: block mappings and sequences,
// one-line scalars, one-line flow collections of scalars, literal and folded block scalars, and
// comments. It builds the same tree yaml's parseAllDocuments() would (yaml's own node classes, the
// same values, types and ranges), about ten times faster. Anything else (anchors, aliases, tags,
// quoted keys, multi-line flow scalars, document markers, tabs, CRs, anything yaml would call an
// error) returns undefined, and the caller parses the file with yaml. yaml is the oracle:
// compose-fast.test.ts compares the trees node by node on fixed cases and generated documents (the
// bench README records the runs on the bench corpus and on real repositories' YAML).

/** The root mapping of `source`, or undefined when the source is outside the subset this reader knows. */
export function readBlockYaml(source: string): YAMLMap | undefined {
  if (source.includes("\t") || source.includes("\r") || source.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new BlockReader(source).read();
  } catch {
    // OUTSIDE, or a fault of this reader: either way yaml reads the file.
    return undefined;
  }
}

/** Thrown (and caught in readBlockYaml) when the source leaves the subset. */
const OUTSIDE = Symbol("outside the fast reader's subset");
function outside(): never {
  throw OUTSIDE;
}

type Collection = YAMLMap<Scalar, unknown> | YAMLSeq<unknown>;

interface Level {
  node: Collection;
  indent: number;
  isMap: boolean;
  /** The offset where the collection's last item ends (its value's range[2]). */
  end: number;
  /** A map key (or a seq's `-`) whose value is on the lines below, or null. */
  pending: Pending | null;
}

interface Pending {
  key: Scalar | null;
  /** Where an empty value would sit: after the indicator and the spaces after it. */
  at: number;
  /** The end of a comment on the indicator's line (with its newline), or -1. */
  commentEnd: number;
}

interface Trivia {
  start: number;
  end: number;
  indent: number;
  comment: boolean;
}

const PLAIN_START = /^[A-Za-z0-9_./$~(=^+-]/;

class BlockReader {
  private readonly stack: Level[] = [];
  private trivia: Trivia[] = [];
  /** An inline value ended at this line's collection indent: a deeper next line would continue it. */
  private closedAt = -1;
  /** The last value read on its key's line, and the level it is in: comment lines may extend it. */
  private last: { node: { range?: number[] | null }; level: Level } | null = null;

  constructor(private readonly src: string) {}

  read(): YAMLMap | undefined {
    const src = this.src;
    const len = src.length;
    let pos = 0;
    let root: YAMLMap | undefined;
    while (pos < len) {
      let nl = src.indexOf("\n", pos);
      if (nl < 0) nl = len;
      const next = nl < len ? nl + 1 : len;
      let col = pos;
      while (col < nl && src.charCodeAt(col) === 32) col++;
      const indent = col - pos;
      if (col === nl || src.charCodeAt(col) === 35 /* # */) {
        this.trivia.push({ start: pos, end: next, indent, comment: col !== nl });
        pos = next;
        continue;
      }
      if (indent === 0) {
        const c = src[col];
        if (c === "%" || src.startsWith("---", col) || src.startsWith("...", col)) outside();
      }
      const isItem = src.charCodeAt(col) === 45 /* - */ && (col + 1 === nl || src.charCodeAt(col + 1) === 32);
      if (!root) {
        if (isItem || indent !== 0) outside();
        root = new YAMLMap();
        this.stack.push({ node: root, indent: 0, isMap: true, end: col, pending: null });
        (root as YAMLMap & { range: number[] }).range = [col, col, col];
        this.trivia = [];
      }
      pos = this.line(col, indent, isItem, nl, next);
    }
    if (!root) return undefined;
    this.attachTrivia();
    this.closeAbove(-1);
    return root;
  }

  /** One content line starting at `col`; returns the offset where the next line starts. */
  private line(col: number, indent: number, isItem: boolean, nl: number, next: number): number {
    this.attachTrivia();
    let top = this.stack[this.stack.length - 1];
    const pending = top.pending;
    if (pending) {
      top.pending = null;
      const nested = indent > top.indent || (isItem && top.isMap && indent === top.indent);
      if (nested) {
        this.trivia = [];
        const node: Collection = isItem ? new YAMLSeq() : new YAMLMap();
        const level: Level = { node, indent, isMap: !isItem, end: col, pending: null };
        (node as Collection & { range: number[] }).range = [col, col, col];
        this.addValue(top, pending, node);
        this.stack.push(level);
        top = level;
      } else {
        const value = this.emptyValue(pending, indent);
        this.addValue(top, pending, value);
        top.end = value.range![2];
      }
    } else if (this.closedAt >= 0 && indent > this.closedAt) {
      outside(); // a multi-line plain scalar or an error: yaml knows
    }
    this.closedAt = -1;
    if (top.indent > indent || (!top.isMap && !isItem && top.indent === indent)) {
      this.closeAbove(indent, isItem);
      top = this.stack[this.stack.length - 1];
    }
    if (top.indent !== indent || top.isMap === isItem) outside();
    this.trivia = [];
    if (isItem) return this.seqItem(top, col, nl, next);
    return this.mapEntry(top, col, nl, next);
  }

  /**
   * yaml ends a value read on its key's line after the comment lines below it that are indented
   * deeper than its collection (and the blank lines among them).
   */
  private attachTrivia(): void {
    const last = this.last;
    this.last = null;
    if (!last || !this.trivia.length) return;
    let end = -1;
    let n = 0;
    for (let i = 0; i < this.trivia.length; i++) {
      const t = this.trivia[i];
      if (!t.comment) continue;
      if (t.indent <= last.level.indent) break;
      end = t.end;
      n = i + 1;
    }
    if (end < 0) return;
    last.node.range![2] = end;
    last.level.end = end;
    this.trivia = this.trivia.slice(n);
  }

  /** Closes the levels deeper than `indent` (all of them for -1), setting their ranges. */
  private closeAbove(indent: number, isItem = false): void {
    const stack = this.stack;
    // yaml gives the comments (and the blank lines among and after them) between a collection's
    // last item and the dedent to the innermost closing collection at or left of the deepest
    // comment's column; at the end of the file, the root's go to the document instead.
    let first: Trivia | undefined;
    for (const t of this.trivia) if (t.comment && (!first || t.indent > first.indent)) first = t;
    let collector = first ? -1 : Number.POSITIVE_INFINITY;
    const triviaEnd = this.trivia.length ? this.trivia[this.trivia.length - 1].end : 0;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const closes = top.indent > indent || (!top.isMap && !isItem && top.indent === indent && stack.length > 1);
      if (!closes) break;
      if (top.pending) {
        const value = this.emptyValue(top.pending, indent);
        this.addValue(top, top.pending, value);
        top.end = value.range![2];
        top.pending = null;
      }
      stack.pop();
      let commentEnd = top.end;
      // A sequence at column 0 hands its trailing comments on in ways of yaml's own: leave it to yaml.
      if (first && collector < 0 && !top.isMap && top.indent === 0) outside();
      if (first && collector < 0 && top.indent <= first.indent && stack.length > 0) {
        collector = top.indent;
        // ... up to the next content line's first character: its indentation is in the comment's end.
        commentEnd = Math.max(commentEnd, triviaEnd + Math.max(0, indent));
      }
      const range = (top.node as Collection & { range: number[] }).range;
      range[1] = top.end;
      range[2] = commentEnd;
      const parent = stack[stack.length - 1];
      if (parent) parent.end = commentEnd;
    }
  }

  private addValue(level: Level, pending: Pending, value: unknown): void {
    if (level.isMap) (level.node as YAMLMap).items.push(new Pair(pending.key, value));
    else (level.node as YAMLSeq).items.push(value);
  }

  /** The null of `key:` or `-` with nothing below it; `indent` is the next content line's (-1: none). */
  private emptyValue(p: Pending, indent: number): Scalar {
    // yaml's end for an empty value followed by comment lines, or with a comment of its own and
    // blank lines after it, takes in those lines in ways of its own.
    if (this.trivia.some((t) => t.comment) || (p.commentEnd >= 0 && this.trivia.length)) outside();
    const s = scalar(null, "", "PLAIN");
    // With a comment, it ends where the next content starts (after that line's indentation).
    s.range = [p.at, p.at, p.commentEnd >= 0 ? p.commentEnd + Math.max(0, indent) : p.at];
    return s;
  }

  /** `key: value` or `key:` at `col`. */
  private mapEntry(level: Level, col: number, nl: number, next: number): number {
    const src = this.src;
    if (!PLAIN_START.test(src[col]) || (src[col] === "-" && src.charCodeAt(col + 1) === 32)) outside();
    let colon = col;
    for (;;) {
      colon = src.indexOf(":", colon + 1);
      if (colon < 0 || colon >= nl) outside();
      const after = src.charCodeAt(colon + 1);
      if (colon + 1 === nl || after === 32) break;
    }
    const keyText = src.slice(col, colon);
    if (keyText.includes(" #") || keyText.endsWith(" ") || keyText === "<<" || keyText.length > 1024) outside();
    const key = plainScalar(keyText);
    key.range = [col, colon, colon];
    let at = colon + 1;
    while (at < nl && src.charCodeAt(at) === 32) at++;
    if (at === nl || src.charCodeAt(at) === 35) {
      if (at < nl && at === colon + 1) outside();
      level.pending = { key, at, commentEnd: at < nl ? next : -1 };
      return next;
    }
    const [value, after] = this.inlineValue(at, nl, next, level.indent);
    (level.node as YAMLMap).items.push(new Pair(key, value));
    level.end = value.range![2];
    if (!(value instanceof Scalar && value.type?.startsWith("BLOCK"))) this.last = { node: value, level };
    return after;
  }

  /** `- value`, `-` or `- key: value` at `col`. */
  private seqItem(level: Level, col: number, nl: number, next: number): number {
    const src = this.src;
    let at = col + 1;
    while (at < nl && src.charCodeAt(at) === 32) at++;
    if (at === nl || src.charCodeAt(at) === 35) {
      if (at < nl && at === col + 1) outside();
      level.pending = { key: null, at, commentEnd: at < nl ? next : -1 };
      return next;
    }
    const c = src[at];
    if (c === "-" && (at + 1 === nl || src.charCodeAt(at + 1) === 32)) outside();
    if (PLAIN_START.test(c) && looksLikeKey(src, at, nl)) {
      // A compact mapping: `- key: value`, its keys at the column of the first one.
      const map = new YAMLMap();
      (map as YAMLMap & { range: number[] }).range = [at, at, at];
      (level.node as YAMLSeq).items.push(map);
      const inner: Level = { node: map, indent: at - (src.lastIndexOf("\n", col) + 1), isMap: true, end: at, pending: null };
      this.stack.push(inner);
      return this.mapEntry(inner, at, nl, next);
    }
    const [value, after] = this.inlineValue(at, nl, next, level.indent);
    (level.node as YAMLSeq).items.push(value);
    level.end = value.range![2];
    if (!(value instanceof Scalar && value.type?.startsWith("BLOCK"))) this.last = { node: value, level };
    return after;
  }

  /** A value that starts on its key's line; returns it and where the next line starts. */
  private inlineValue(at: number, nl: number, next: number, parentIndent: number): [Scalar | Collection, number] {
    const src = this.src;
    const c = src[at];
    if (c === "|" || c === ">") return this.blockScalar(at, nl, next, parentIndent);
    let node: Scalar | Collection;
    let end: number;
    if (c === '"' || c === "'") {
      [node, end] = quoted(src, at, nl);
    } else if (c === "[" || c === "{") {
      [node, end] = flowCollection(src, at, nl);
    } else {
      if (!PLAIN_START.test(c) || (c === "-" && (at + 1 === nl || src.charCodeAt(at + 1) === 32))) outside();
      // The value ends at the line's end or at ` #` (searched within the line: indexOf would scan on).
      let stop = at;
      while (stop < nl && !(src.charCodeAt(stop) === 35 && src.charCodeAt(stop - 1) === 32)) stop++;
      end = stop;
      while (src.charCodeAt(end - 1) === 32) end--;
      const text = src.slice(at, end);
      if (text.includes(": ") || text.endsWith(":")) outside();
      node = plainScalar(text);
      node.range = [at, end, end];
    }
    // The rest of the line: spaces, then an optional comment.
    let i = end;
    while (i < nl && src.charCodeAt(i) === 32) i++;
    if (i < nl && (src.charCodeAt(i) !== 35 || i === end)) outside();
    (node as { range: number[] }).range[2] = next;
    this.closedAt = parentIndent;
    return [node, next];
  }

  /** `|`, `|-`, `>` or `>-` and the lines below it. */
  private blockScalar(at: number, nl: number, next: number, parentIndent: number): [Scalar, number] {
    const src = this.src;
    const literal = src[at] === "|";
    let h = at + 1;
    const strip = src[h] === "-";
    if (strip) h++;
    if (h < nl && src.charCodeAt(h) !== 32) outside(); // `+`, an indentation digit, or junk
    while (h < nl && src.charCodeAt(h) === 32) h++;
    if (h < nl && src.charCodeAt(h) !== 35) outside();
    const len = src.length;
    const lines: string[] = [];
    let blockIndent = -1;
    let pos = next;
    let lastContentEnd = -1; // the offset after the last content line's newline
    let maxLeadingBlank = 0;
    while (pos < len) {
      let e = src.indexOf("\n", pos);
      if (e < 0) e = len;
      let c = pos;
      while (c < e && src.charCodeAt(c) === 32) c++;
      const ind = c - pos;
      if (c === e) {
        // A blank line: content if more indented than the block, else an empty line.
        if (blockIndent < 0) maxLeadingBlank = Math.max(maxLeadingBlank, ind);
        lines.push(blockIndent >= 0 && ind > blockIndent ? src.slice(pos + blockIndent, e) : "");
        pos = e < len ? e + 1 : len;
        continue;
      }
      if (blockIndent < 0) {
        if (ind <= parentIndent) break;
        if (maxLeadingBlank > ind) outside();
        blockIndent = ind;
      } else if (ind < blockIndent) break;
      lines.push(src.slice(pos + blockIndent, e));
      pos = e < len ? e + 1 : len;
      lastContentEnd = e < len ? e + 1 : len;
    }
    if (blockIndent < 0) outside(); // an empty block scalar: rare, and yaml's ranges for it differ
    // Trailing blank lines are not content (clip and strip both drop them).
    let n = lines.length;
    while (n > 0 && lines[n - 1] === "") n--;
    // A trailing line with only extra spaces is content yaml keeps; leave it to yaml.
    const body = lines.slice(0, n);
    if (body.length && /^ +$/.test(body[body.length - 1])) outside();
    let value: string;
    if (literal) {
      value = body.join("\n");
    } else {
      if (body.some((l) => l.startsWith(" "))) outside(); // more-indented lines fold differently
      value = "";
      let blanks = 0;
      for (let k = 0; k < body.length; k++) {
        const l = body[k];
        if (l === "") {
          blanks++;
          continue;
        }
        if (k > 0 && value !== "") value += blanks ? "\n".repeat(blanks) : " ";
        else if (blanks) value += "\n".repeat(blanks);
        value += l;
        blanks = 0;
      }
    }
    if (!strip && body.length) value += "\n";
    const s = scalar(value, value, literal ? "BLOCK_LITERAL" : "BLOCK_FOLDED");
    s.range = [at, lastContentEnd, lastContentEnd];
    this.closedAt = parentIndent;
    // Blank lines after the block are trivia of the next line: start it right after the last content.
    return [s, lastContentEnd];
  }
}

/** Does `src[at, nl)` start with `key:` followed by a space or the line's end? */
function looksLikeKey(src: string, at: number, nl: number): boolean {
  for (let i = at; i < nl; i++) {
    const ch = src.charCodeAt(i);
    if (ch === 58 /* : */ && (i + 1 === nl || src.charCodeAt(i + 1) === 32)) return true;
    if (ch === 34 || ch === 39 || ch === 35 || ch === 91 || ch === 123) return false; // quote, #, [ or {
  }
  return false;
}

function scalar(value: unknown, source: string, type: Scalar.Type): Scalar {
  const s = new Scalar(value);
  s.source = source;
  s.type = type;
  return s;
}

/** A `"…"` or `'…'` scalar on one line: the node and the offset after its closing quote. */
function quoted(src: string, at: number, nl: number): [Scalar, number] {
  const q = src[at];
  let i = at + 1;
  if (q === '"') {
    for (;;) {
      if (i >= nl) outside();
      const ch = src.charCodeAt(i);
      if (ch === 92 /* \ */) i += 2;
      else if (ch === 34) break;
      else i++;
    }
    let value: string;
    try {
      // JSON's escapes are a subset of YAML's, with the same meanings; anything else goes to yaml.
      value = JSON.parse(src.slice(at, i + 1));
    } catch {
      outside();
    }
    const s = scalar(value, value, "QUOTE_DOUBLE");
    s.range = [at, i + 1, i + 1];
    return [s, i + 1];
  }
  for (;;) {
    if (i >= nl) outside();
    if (src.charCodeAt(i) === 39) {
      if (src.charCodeAt(i + 1) === 39) {
        i += 2;
        continue;
      }
      break;
    }
    i++;
  }
  const value = src.slice(at + 1, i).replaceAll("''", "'");
  const s = scalar(value, value, "QUOTE_SINGLE");
  s.range = [at, i + 1, i + 1];
  return [s, i + 1];
}

/** `[a, "b"]` or `{ k: v }` on one line, scalars only. */
function flowCollection(src: string, at: number, nl: number): [Collection, number] {
  const isMap = src[at] === "{";
  const close = isMap ? 125 : 93;
  const node: Collection = isMap ? new YAMLMap() : new YAMLSeq();
  node.flow = true;
  let i = at + 1;
  const skip = () => {
    while (i < nl && src.charCodeAt(i) === 32) i++;
  };
  const item = (stops: string): Scalar => {
    const c = src[i];
    if (c === '"' || c === "'") {
      const [s, end] = quoted(src, i, nl);
      i = end;
      return s;
    }
    // `-` before a space, a flow indicator or the line's end is a block sequence's: an error here.
    if (!PLAIN_START.test(c) || (c === "-" && (i + 1 >= nl || " ,]}".includes(src[i + 1])))) outside();
    const start = i;
    while (i < nl && !stops.includes(src[i])) i++;
    let end = i;
    while (src.charCodeAt(end - 1) === 32) end--;
    const text = src.slice(start, end);
    if (/[[\]{}#]|: |:$/.test(text)) outside();
    const s = plainScalar(text);
    s.range = [start, end, end];
    return s;
  };
  skip();
  if (src.charCodeAt(i) !== close) {
    for (;;) {
      skip();
      if (isMap) {
        const key = item(":,}");
        if (src[i] !== ":" || src.charCodeAt(i + 1) !== 32) outside();
        i++;
        skip();
        (node as YAMLMap).items.push(new Pair(key, item(",}")));
      } else {
        (node as YAMLSeq).items.push(item(",]"));
      }
      skip();
      // A flow item's end takes in the spaces after it.
      const items = node.items as Array<Scalar | Pair<Scalar, Scalar>>;
      const last = items[items.length - 1];
      ((last instanceof Pair ? last.value : last) as Scalar).range![2] = i;
      if (i >= nl) outside();
      if (src.charCodeAt(i) === close) break;
      if (src[i] !== ",") outside();
      i++;
      skip();
      if (src.charCodeAt(i) === close) outside(); // a trailing comma
    }
  }
  (node as Collection & { range: number[] }).range = [at, i + 1, i + 1];
  return [node, i + 1];
}

// YAML 1.2's core schema, as yaml resolves plain scalars.
const NULL = /^(?:~|null|Null|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** A plain scalar with the value yaml's core schema gives `text`. */
function plainScalar(text: string): Scalar {
  const c = text.charCodeAt(0);
  // Most plain scalars start with a letter other than n/N/t/T/f/F: strings, no test needed.
  const maybe = c < 65 || c === 78 || c === 84 || c === 70 || c === 110 || c === 116 || c === 102 || c === 126;
  if (!maybe) return scalar(text, text, "PLAIN");
  if (NULL.test(text)) return scalar(null, text, "PLAIN");
  if (BOOL.test(text)) return scalar(text[0] === "t" || text[0] === "T", text, "PLAIN");
  if (OCT.test(text)) return scalar(Number.parseInt(text.slice(2), 8), text, "PLAIN");
  if (INT.test(text)) return scalar(Number.parseInt(text, 10), text, "PLAIN");
  if (HEX.test(text)) return scalar(Number.parseInt(text.slice(2), 16), text, "PLAIN");
  if (SPECIAL.test(text)) {
    const v = text.slice(-3).toLowerCase() === "nan" ? Number.NaN : text[0] === "-" ? -Infinity : Infinity;
    return scalar(v, text, "PLAIN");
  }
  if (FLOAT.test(text)) return scalar(Number.parseFloat(text), text, "PLAIN");
  return scalar(text, text, "PLAIN");
}
