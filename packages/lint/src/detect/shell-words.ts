/**
 * A small POSIX-ish shell tokenizer that keeps offsets. It understands quotes, backslash escapes,
 * line continuations, `$(…)`, `${…}` and backticks (kept verbatim inside the word), comments,
 * control operators and redirections. It does not expand anything and never throws.
 */

/** One shell word: `text` is the unquoted value; `offsets[i]` is the index in the input of `text[i]`. */
export interface ShellWord {
  text: string;
  /** Index in the input where the word starts (quotes included). */
  start: number;
  /** Index just after the word. */
  end: number;
  offsets: number[];
}

export type ShellToken = { type: "word"; word: ShellWord } | { type: "op"; op: string; index: number };

/** A simple command: its words (redirection targets removed) and the operator that ended it. */
export interface SimpleCommand {
  words: ShellWord[];
  /** `;`, `&&`, `||`, `|`, `&`, `\n`, `(`, `)` or "" at the end of input. */
  terminator: string;
}

const CONTROL_OPS = ["&&", "||", ";;", "|&", ";", "&", "|", "(", ")"];
const ORDINARY_RUN = /[^\s\\'"$`#;&|()<>]+/y;
/** Inside double quotes, the characters that need no special handling. */
const DQ_PLAIN_RUN = /[^"\\$`]+/y;
const REDIRECT_OPS = ["<<<", "<<-", ">>", "<<", "&>", ">&", "<&", ">|", "<>", ">", "<"];

/**
 * A word whose offsets are kept as runs and built on first use: most words are one run of
 * ordinary characters and are never reported, so a per-character array for each was most of the
 * tokenizer's allocation.
 */
class Word implements ShellWord {
  #offsets: number[] | undefined;

  constructor(
    readonly text: string,
    readonly start: number,
    readonly end: number,
    /** Input index of `text[0]` when the word is one run. */
    private readonly base: number,
    /** `[textIndex, inputIndex, …]` where a new run starts, or null for a single run. */
    private readonly runs: number[] | null,
  ) {}

  get offsets(): number[] {
    if (this.#offsets) return this.#offsets;
    const n = this.text.length;
    const out = new Array<number>(n);
    if (!this.runs) for (let k = 0; k < n; k++) out[k] = this.base + k;
    else {
      const runs = this.runs;
      for (let r = 0; r < runs.length; r += 2) {
        const stop = r + 2 < runs.length ? runs[r + 2] : n;
        for (let k = runs[r]; k < stop; k++) out[k] = runs[r + 1] + (k - runs[r]);
      }
    }
    this.#offsets = out;
    return out;
  }
}

export function tokenizeShell(input: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  const n = input.length;
  let text = "";
  let base = 0;
  let last = -2;
  let runs: number[] | null = null;
  let start = -1;

  const begin = (at: number) => {
    if (start < 0) start = at;
  };
  /** Record that the next characters of `text`, from `at` on, come from consecutive input indexes. */
  const mark = (at: number) => {
    if (text.length === 0) base = at;
    else if (at !== last + 1) {
      runs ??= [0, base];
      runs.push(text.length, at);
    }
  };
  const put = (ch: string, at: number) => {
    mark(at);
    text += ch;
    last = at;
  };
  const flush = (end: number) => {
    if (start >= 0) tokens.push({ type: "word", word: new Word(text, start, end, base, runs) });
    text = "";
    runs = null;
    last = -2;
    start = -1;
  };
  /** Copy a balanced `open … close` group verbatim (for `$(…)` and `${…}`), quotes respected. */
  const copyBalanced = (from: number, open: string, close: string): number => {
    let depth = 0;
    let i = from;
    while (i < n) {
      const c = input[i];
      if (c === "\\" && i + 1 < n) {
        put(c, i);
        put(input[i + 1], i + 1);
        i += 2;
        continue;
      }
      if (c === "'" && open === "(") {
        const close2 = input.indexOf("'", i + 1);
        const stop = close2 < 0 ? n : close2 + 1;
        for (let j = i; j < stop; j++) put(input[j], j);
        i = stop;
        continue;
      }
      put(c, i);
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return n;
  };

  let i = 0;
  while (i < n) {
    const c = input[i];
    if (c === " " || c === "\t" || c === "\r") {
      flush(i);
      i++;
    } else if (c === "\n") {
      flush(i);
      tokens.push({ type: "op", op: "\n", index: i });
      i++;
    } else if (c === "\\") {
      if (input[i + 1] === "\n") {
        i += 2;
      } else if (input[i + 1] === "\r" && input[i + 2] === "\n") {
        i += 3;
      } else {
        begin(i);
        if (i + 1 < n) put(input[i + 1], i + 1);
        i += 2;
      }
    } else if (c === "'") {
      begin(i);
      i++;
      // The body is copied as it stands: one slice, one run of offsets.
      const close = input.indexOf("'", i);
      const stop = close < 0 ? n : close;
      if (stop > i) {
        mark(i);
        text += input.slice(i, stop);
        last = stop - 1;
      }
      i = stop + 1;
    } else if (c === '"') {
      begin(i);
      i++;
      while (i < n && input[i] !== '"') {
        const d = input[i];
        if (d === "\\" && i + 1 < n && '"\\$`\n'.includes(input[i + 1])) {
          if (input[i + 1] !== "\n") put(input[i + 1], i + 1);
          i += 2;
        } else if (d === "$" && (input[i + 1] === "(" || input[i + 1] === "{")) {
          put(d, i);
          i = copyBalanced(i + 1, input[i + 1], input[i + 1] === "(" ? ")" : "}");
        } else if (d === "`") {
          const close = input.indexOf("`", i + 1);
          const stop = close < 0 ? n : close + 1;
          for (let j = i; j < stop; j++) put(input[j], j);
          i = stop;
        } else {
          // A run of plain characters at once.
          DQ_PLAIN_RUN.lastIndex = i;
          DQ_PLAIN_RUN.test(input);
          const stop = DQ_PLAIN_RUN.lastIndex > i ? DQ_PLAIN_RUN.lastIndex : i + 1;
          mark(i);
          text += input.slice(i, stop);
          last = stop - 1;
          i = stop;
        }
      }
      i++;
    } else if (c === "$" && (input[i + 1] === "(" || input[i + 1] === "{")) {
      begin(i);
      put(c, i);
      i = copyBalanced(i + 1, input[i + 1], input[i + 1] === "(" ? ")" : "}");
    } else if (c === "$" && input[i + 1] === "'") {
      // ANSI-C quoting: keep the body as written (escapes unexpanded).
      begin(i);
      i += 2;
      while (i < n && input[i] !== "'") {
        if (input[i] === "\\" && i + 1 < n) put(input[i], i++);
        put(input[i], i++);
      }
      i++;
    } else if (c === "`") {
      begin(i);
      const close = input.indexOf("`", i + 1);
      const stop = close < 0 ? n : close + 1;
      for (let j = i; j < stop; j++) put(input[j], j);
      i = stop;
    } else if (c === "#" && start < 0) {
      while (i < n && input[i] !== "\n") i++;
    } else {
      const redirect = c === "<" || c === ">" || (c === "&" && input[i + 1] === ">") ? REDIRECT_OPS.find((op) => input.startsWith(op, i)) : undefined;
      // Every control operator starts with one of these; most characters here start a word.
      const control = redirect || !"&|;()".includes(c) ? undefined : CONTROL_OPS.find((op) => input.startsWith(op, i));
      if (redirect) {
        // `2>file`: the digits before the operator are a file descriptor, not a word.
        if (start >= 0 && /^\d+$/.test(text)) {
          text = "";
          runs = null;
          last = -2;
          start = -1;
        }
        flush(i);
        tokens.push({ type: "op", op: redirect, index: i });
        i += redirect.length;
      } else if (control) {
        flush(i);
        tokens.push({ type: "op", op: control, index: i });
        i += control.length;
      } else {
        // A run of ordinary characters at once.
        begin(i);
        ORDINARY_RUN.lastIndex = i;
        // test, not exec: no match array for every word.
        const stop = ORDINARY_RUN.test(input) ? ORDINARY_RUN.lastIndex : i + 1;
        mark(i);
        text += input.slice(i, stop);
        last = stop - 1;
        i = stop;
      }
    }
  }
  flush(n);
  return tokens;
}

/** Split tokens into simple commands; a redirection's target word is dropped from the words. */
export function simpleCommands(tokens: ShellToken[]): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: ShellWord[] = [];
  let skipNext = false;
  for (const t of tokens) {
    if (t.type === "word") {
      if (skipNext) skipNext = false;
      else words.push(t.word);
    } else if (REDIRECT_OPS.includes(t.op)) {
      skipNext = true;
    } else {
      skipNext = false;
      if (words.length > 0) out.push({ words, terminator: t.op });
      words = [];
    }
  }
  if (words.length > 0) out.push({ words, terminator: "" });
  return out;
}
