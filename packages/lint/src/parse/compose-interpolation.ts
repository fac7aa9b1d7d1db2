import type { MappedText } from "./offsets.js";

// Compose interpolation: `${VAR:-default}`, `$VAR` and `$$`, scanned in one pass.

/** A `${NAME…}` or `$NAME` reference in a compose value. */
export interface Interpolation {
  name: string;
  /** `""` for a plain reference, else the operator: `:-`, `-`, `:?`, `?`, `:+`, `+`. */
  op: "" | ":-" | "-" | ":?" | "?" | ":+" | "+";
  /** Index range of the default / message / replacement text in the scanned string. */
  arg?: { start: number; end: number };
  start: number;
  end: number;
}

export interface InterpolationScan {
  refs: Interpolation[];
  /** True when the string has at least one `$` reference (not counting `$$`). */
  interpolated: boolean;
  /** The string with `$$` turned into `$`: what compose passes on when nothing is interpolated. */
  unescaped: MappedText;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR_RE = /[A-Za-z0-9_]/;

/** Compose's interpolation syntax: `$$` is a literal dollar, `${VAR:-default}` nests. */
export function scanInterpolation(input: MappedText): InterpolationScan {
  const s = input.text;
  // Most values hold no `$` at all: nothing to scan, and nothing to copy.
  if (!s.includes("$")) return { refs: [], interpolated: false, unescaped: input };
  const refs: Interpolation[] = [];
  let text = "";
  const offsets: number[] = [];
  const closeOf = matchBraces(s);
  // An explicit stack instead of recursion: `${A:-${A:-…` nests as deep as the value is long.
  const frames: Array<{ to: number; collect: boolean; resume: number }> = [];
  let i = 0;
  let to = s.length;
  let collect = true;
  for (;;) {
    if (i >= to) {
      const frame = frames.pop();
      if (!frame) break;
      ({ to, collect } = frame);
      i = frame.resume;
      continue;
    }
    const c = s[i];
    if (c !== "$") {
      if (collect) {
        text += c;
        offsets.push(input.offsets[i]);
      }
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === "$") {
      if (collect) {
        text += "$";
        offsets.push(input.offsets[i]);
      }
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = closeOf[i + 1];
      if (close === -1 || close >= to) {
        if (collect) {
          text += c;
          offsets.push(input.offsets[i]);
        }
        i++;
        continue;
      }
      const inner = i + 2;
      let k = inner;
      while (k < close && NAME_CHAR_RE.test(s[k])) k++;
      const name = s.slice(inner, k);
      const op = interpolationOp(s, k, close);
      const ref: Interpolation = { name, op, start: i, end: close + 1 };
      refs.push(ref);
      if (op) {
        ref.arg = { start: k + op.length, end: close };
        frames.push({ to, collect, resume: close + 1 });
        i = k + op.length;
        to = close;
        collect = false;
      } else i = close + 1;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      let k = i + 1;
      while (k < to && NAME_CHAR_RE.test(s[k])) k++;
      refs.push({ name: s.slice(i + 1, k), op: "", start: i, end: k });
      i = k;
      continue;
    }
    if (collect) {
      text += c;
      offsets.push(input.offsets[i]);
    }
    i++;
  }
  refs.sort((a, b) => a.start - b.start);
  return { refs, interpolated: refs.length > 0, unescaped: { text, offsets, end: input.end } };
}

const INTERPOLATION_OPS = [":-", ":?", ":+", "-", "?", "+"] as const;

/** The modifier after a variable name (`:-`, `?`, …), read in place rather than from a slice to the brace. */
function interpolationOp(s: string, k: number, close: number): Interpolation["op"] {
  for (const op of INTERPOLATION_OPS) if (k + op.length <= close && s.startsWith(op, k)) return op;
  return "";
}

/**
 * For every `{`, the index of its matching `}` (or -1), in one pass: searching for each brace's
 * match separately is quadratic on `${A:-${A:-…` with no closing braces.
 */
function matchBraces(s: string): Int32Array {
  const closeOf = new Int32Array(s.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "{") open.push(i);
    else if (s[i] === "}" && open.length > 0) closeOf[open.pop()!] = i;
  }
  return closeOf;
}

/** `$$` → `$`, keeping references: what a container's shell sees of a compose `command`. */
export function unescapeDollars(input: MappedText): MappedText {
  if (!input.text.includes("$$")) return input;
  let text = "";
  const offsets: number[] = [];
  for (let i = 0; i < input.text.length; i++) {
    text += input.text[i];
    offsets.push(input.offsets[i]);
    if (input.text[i] === "$" && input.text[i + 1] === "$") i++;
  }
  return { text, offsets, end: input.end };
}
