import path from "node:path";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from "yaml";
import type { Alias, Document, Node, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { LintTarget, ParseProblem, ParseResult, SourceRange } from "../types.js";
import { lineIndex, mappedRange, sliceMapped, type LineIndex, type MappedText } from "./offsets.js";

/** A scalar as compose reads it, at its definition in the file (never at an alias that uses it). */
export interface ComposeScalar {
  /** The string value (numbers and booleans as written), mapped to file offsets. */
  text: MappedText;
  range: SourceRange;
  node: Scalar;
}

/** One `KEY: value` or `- KEY=value` of `environment`, `build.args` or `labels`. */
export interface ComposeEntry {
  name: string;
  nameRange: SourceRange;
  /** Absent for `KEY:` / `- KEY` (passed through from the shell) and for non-scalar values. */
  value?: ComposeScalar;
  form: "map" | "list";
  /** The services that get this entry; several when it came through an anchor or merge key. */
  services: string[];
}

export type ComposeCommandField = "command" | "entrypoint" | "healthcheck.test";

export interface ComposeCommand {
  service: string;
  field: ComposeCommandField;
  /** `shell` for a string (or `CMD-SHELL`), `exec` for a list of arguments. */
  form: "shell" | "exec";
  /** The arguments, without healthcheck's leading `CMD` / `CMD-SHELL`. */
  parts: ComposeScalar[];
}

export interface ComposeEnvFile {
  path: string;
  /** `required: false` in the long syntax. */
  required: boolean;
  range: SourceRange;
}

export interface ComposeBuild {
  /** Default `.`. */
  context: string;
  /** Relative to the context; default `Dockerfile`. */
  dockerfile: string;
  /** `dockerfile_inline:` builds have no Dockerfile on disk. */
  inline: boolean;
  range: SourceRange;
}

export interface ComposeService {
  name: string;
  nameRange: SourceRange;
  build?: ComposeBuild;
  envFiles: ComposeEnvFile[];
}

export interface ComposeDoc {
  file: string;
  source: string;
  lines: LineIndex;
  services: ComposeService[];
  /** Deduplicated by definition: an entry shared through `*anchor` appears once. */
  environment: ComposeEntry[];
  buildArgs: ComposeEntry[];
  labels: ComposeEntry[];
  commands: ComposeCommand[];
  /** Every scalar in the file (keys and values), once each, in file order. */
  scalars: ComposeScalar[];
  /** Every `key: scalar` pair in the file, at its definition, with the key path that leads to it. */
  pairs: ComposePair[];
  /** Other compose files this one loads: top-level `include:` and services' `extends.file`. */
  composeFiles: string[];
  /** The file range of `text.text[start, end)`. */
  rangeOf(text: MappedText, start: number, end: number): SourceRange;
  /**
   * The line a multi-line value starts on (`KEY: |` for a block scalar), for suppression
   * comments written above the key; `line` itself elsewhere.
   */
  statementStart(line: number): number;
}

export interface ComposePair {
  name: string;
  nameRange: SourceRange;
  value: ComposeScalar;
  /** Keys from the top down to the pair's parent; list indexes as numbers. */
  path: Array<string | number>;
}

export interface ComposeParseOptions {
  /** Refuse larger sources; default 1 MiB, the engine's own cap. */
  maxChars?: number;
  /** Refuse documents whose aliases expand to more nodes than this; default 100 000. */
  maxExpandedNodes?: number;
}

const DEFAULT_MAX_CHARS = 1024 * 1024;
const DEFAULT_MAX_EXPANDED = 100_000;
const MAX_MERGE_DEPTH = 32;

// yaml's own messages may quote source text; ours never do.
const YAML_MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: "Duplicate key: a mapping may not repeat a key",
  BAD_INDENT: "Bad indentation",
  TAB_AS_INDENT: "Tabs cannot be used for indentation in YAML",
  MISSING_CHAR: "Missing character (an unclosed quote, bracket or brace?)",
  UNEXPECTED_TOKEN: "Unexpected token",
  BAD_DQ_ESCAPE: "Invalid escape sequence in a double-quoted string",
  MULTILINE_IMPLICIT_KEY: "Implicit keys must fit on a single line",
  BLOCK_AS_IMPLICIT_KEY: "A block collection cannot be an implicit key",
  BLOCK_IN_FLOW: "Block collections are not allowed inside flow collections",
  BAD_SCALAR_START: "A plain scalar cannot start with this character",
  KEY_OVER_1024_CHARS: "Implicit keys are limited to 1024 characters",
  MULTIPLE_ANCHORS: "A node can have only one anchor",
  MULTIPLE_TAGS: "A node can have only one tag",
  BAD_ALIAS: "Invalid alias",
  ALIAS_PROPS: "An alias cannot have a tag or anchor",
  BAD_PROP_ORDER: "Anchors and tags must come before the value",
  BAD_DIRECTIVE: "Invalid YAML directive",
  TAG_RESOLVE_FAILED: "A tagged value could not be resolved",
  RESOURCE_EXHAUSTION: "The document exhausts the parser's resources",
};

const REMOTE_CONTEXT = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i;

/**
 * Parses a compose file keeping every value's position. Never throws and never expands
 * aliases blindly: anchors are resolved through a table, so a value shared by many services
 * is seen once, at its definition.
 */
export function parseCompose(source: string, file: string, options: ComposeParseOptions = {}): ParseResult<ComposeDoc> {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (source.length > maxChars) {
    return fail({ line: 1, column: 1, code: "COMPOSE_TOO_LARGE", message: `File is larger than ${maxChars} characters` });
  }
  const lines = lineIndex(source);
  const at = (offset: number) => lines.position(offset);
  const problem = (offset: number, code: string, message: string): ParseProblem => ({ ...at(offset), code, message });

  let docs: Document.Parsed[];
  try {
    // yaml's own duplicate-key check compares each key with every earlier one (quadratic in the
    // keys of one mapping); duplicateKeys() below does it with a set.
    docs = parseAllDocuments(source, { lineCounter: new LineCounter(), merge: true, prettyErrors: false, uniqueKeys: false }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [];
  } catch {
    return fail(problem(0, "COMPOSE_YAML", "The YAML parser failed on this file"));
  }

  const errors: ParseProblem[] = [];
  for (const d of docs) {
    for (const e of d.errors) {
      errors.push(problem(e.pos[0], `YAML_${e.code}`, YAML_MESSAGES[e.code] ?? `Invalid YAML (${e.code.toLowerCase().replace(/_/g, " ")})`));
    }
  }
  for (const d of docs) for (const offset of duplicateKeys(d)) errors.push(problem(offset, "YAML_DUPLICATE_KEY", YAML_MESSAGES.DUPLICATE_KEY));
  if (errors.length) return { ok: false, errors: dedupeProblems(errors) };

  const contentDocs = docs.filter((d) => d.contents !== null);
  if (contentDocs.length > 1) {
    const second = contentDocs[1].contents as Node;
    return fail(problem(second.range?.[0] ?? 0, "COMPOSE_MULTIPLE_DOCUMENTS", "A compose file holds one YAML document; found several (`---`)"));
  }
  const yamlDoc = contentDocs[0];
  const root = yamlDoc?.contents as Node | null | undefined;
  if (root && !isMap(root)) {
    return fail(problem(root.range?.[0] ?? 0, "COMPOSE_NOT_A_MAPPING", "The top level of a compose file must be a mapping (`services:` …)"));
  }

  const anchors = resolveAnchors(yamlDoc, root ?? null, options.maxExpandedNodes ?? DEFAULT_MAX_EXPANDED);
  if (anchors.problems.length) {
    return { ok: false, errors: anchors.problems.map((p) => problem(p.offset, p.code, p.message)) };
  }

  const builder = new DocBuilder(source, lines, anchors.targets);
  const doc: ComposeDoc = {
    file,
    source,
    lines,
    services: [],
    environment: [],
    buildArgs: [],
    labels: [],
    commands: [],
    scalars: builder.allScalars(root ?? null),
    pairs: builder.allPairs(root ?? null),
    composeFiles: [],
    rangeOf: (text, start, end) => mappedRange(lines, text, start, end),
    statementStart: (line) => (starts ??= multiLineStarts(doc.scalars, lines)).get(line) ?? line,
  };
  let starts: Map<number, number> | undefined;
  if (!root) return { ok: true, doc };

  const top = builder.fields(root as YAMLMap);
  const servicesNode = builder.deref(top.get("services")?.value ?? null);
  if (servicesNode && !isMap(servicesNode)) {
    return fail(problem(servicesNode.range?.[0] ?? 0, "COMPOSE_BAD_SERVICES", "`services` must be a mapping of service names"));
  }
  if (servicesNode) builder.readServices(servicesNode, doc);
  builder.readIncludes(top.get("include")?.value ?? null, doc);
  return { ok: true, doc };
}

/** Offsets of keys that repeat an earlier scalar key of the same mapping (yaml's `uniqueKeys` rule). */
function duplicateKeys(doc: Document.Parsed): number[] {
  const out: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value = pair.key.value;
        if (seen.has(value)) out.push(pair.key.range?.[0] ?? 0);
        else seen.add(value);
      }
    },
  });
  return out;
}

function multiLineStarts(scalars: readonly ComposeScalar[], lines: LineIndex): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of scalars) {
    const first = lines.position(s.node.range?.[0] ?? 0).line;
    // An exclusive end at column 1 (a block scalar's final newline) does not reach into that line.
    const last = s.range.end.column === 1 ? s.range.end.line - 1 : s.range.end.line;
    for (let l = first + 1; l <= last; l++) out.set(l, first);
  }
  return out;
}

function fail(p: ParseProblem): ParseResult<never> {
  return { ok: false, errors: [p] };
}

function dedupeProblems(problems: ParseProblem[]): ParseProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface AnchorTable {
  targets: Map<Alias, Node>;
  problems: { offset: number; code: string; message: string }[];
}

/**
 * Resolves every alias to its anchor (the latest one before it, as YAML says), and measures
 * how far aliases would expand: an alias bomb is refused here instead of exploding later.
 */
function resolveAnchors(doc: Document.Parsed | undefined, root: Node | null, maxExpanded: number): AnchorTable {
  const targets = new Map<Alias, Node>();
  const problems: AnchorTable["problems"] = [];
  if (!doc || !root) return { targets, problems };
  const defined = new Map<string, Node>();
  const inProgress = new Set<Node>();
  const size = new Map<Node, number>();
  const CAP = Number.MAX_SAFE_INTEGER / 4;

  // Iterative post-order walk: document order for anchors, sizes computed on the way out.
  type Frame = { node: Node; children: Node[]; next: number; total: number };
  const stack: Frame[] = [];
  const enter = (node: Node) => {
    if (node.anchor) defined.set(node.anchor, node);
    inProgress.add(node);
    const children: Node[] = [];
    if (isMap(node) || isSeq(node)) {
      for (const item of (node as YAMLMap | YAMLSeq).items as unknown[]) {
        if (isPair(item)) {
          if (item.key && typeof item.key === "object") children.push(item.key as Node);
          if (item.value && typeof item.value === "object") children.push(item.value as Node);
        } else if (item && typeof item === "object") children.push(item as Node);
      }
    }
    stack.push({ node, children, next: 0, total: 1 });
  };
  let reported = false;
  enter(root);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      if (isAlias(child)) {
        const target = defined.get(child.source);
        const offset = child.range?.[0] ?? 0;
        if (!target) {
          problems.push({ offset, code: "COMPOSE_UNDEFINED_ALIAS", message: "Alias refers to an anchor that is not defined before it" });
          continue;
        }
        if (inProgress.has(target)) {
          problems.push({ offset, code: "COMPOSE_RECURSIVE_ALIAS", message: "Alias refers to the anchored node that contains it" });
          continue;
        }
        targets.set(child, target);
        frame.total = Math.min(CAP, frame.total + (size.get(target) ?? 1));
        if (!reported && frame.total > maxExpanded) {
          reported = true;
          problems.push({ offset, code: "COMPOSE_ALIAS_BOMB", message: `Aliases expand this document beyond ${maxExpanded} nodes (an alias bomb?)` });
        }
        continue;
      }
      enter(child);
      continue;
    }
    stack.pop();
    inProgress.delete(frame.node);
    size.set(frame.node, frame.total);
    const parent = stack[stack.length - 1];
    if (parent) parent.total = Math.min(CAP, parent.total + frame.total);
  }
  return { targets, problems };
}

interface Field {
  key: Scalar | null;
  value: Node | null;
}

class DocBuilder {
  private readonly scalarCache = new Map<Scalar, ComposeScalar>();
  /** Per output list (environment, args, labels): the entry made for a definition node. */
  private readonly entryIndex = new Map<ComposeEntry[], Map<Node, ComposeEntry>>();
  private readonly commandNodes = new Set<Node>();

  constructor(
    private readonly source: string,
    private readonly lines: LineIndex,
    private readonly aliases: Map<Alias, Node>,
  ) {}

  deref(node: Node | null): Node | null {
    let n = node;
    for (let i = 0; n && isAlias(n) && i < MAX_MERGE_DEPTH; i++) n = this.aliases.get(n) ?? null;
    return n && isAlias(n) ? null : n;
  }

  /** A mapping's keys with YAML merge keys applied: own keys win, then earlier merges. */
  fields(map: YAMLMap, depth = 0, into = new Map<string, Field>()): Map<string, Field> {
    const merges: Node[] = [];
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      const value = (pair.value as Node | null) ?? null;
      if (isScalar(key) && typeof key.value === "symbol") {
        const v = this.deref(value);
        if (isSeq(v)) for (const item of v.items) merges.push(item as Node);
        else if (v) merges.push(v);
        continue;
      }
      const name = isScalar(key) ? scalarString(key) : undefined;
      if (name === undefined || into.has(name)) continue;
      into.set(name, { key: key as Scalar, value });
    }
    if (depth < MAX_MERGE_DEPTH) {
      for (const m of merges) {
        const target = this.deref(m);
        if (isMap(target)) this.fields(target, depth + 1, into);
      }
    }
    return into;
  }

  scalar(node: Scalar): ComposeScalar {
    let s = this.scalarCache.get(node);
    if (!s) {
      const text = scalarText(this.source, node);
      s = { text, node, range: mappedRange(this.lines, text, 0, text.text.length) };
      this.scalarCache.set(node, s);
    }
    return s;
  }

  allScalars(root: Node | null): ComposeScalar[] {
    const out: ComposeScalar[] = [];
    if (!root) return out;
    const stack: unknown[] = [root];
    while (stack.length) {
      const n = stack.pop();
      if (isScalar(n)) {
        if (n.range && typeof n.value !== "symbol" && n.value !== null) out.push(this.scalar(n));
      } else if (isPair(n)) {
        stack.push(n.value, n.key);
      } else if (isMap(n) || isSeq(n)) {
        for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
      }
    }
    return out;
  }

  allPairs(root: Node | null): ComposePair[] {
    const out: ComposePair[] = [];
    const stack: Array<{ node: unknown; path: Array<string | number> }> = root ? [{ node: root, path: [] }] : [];
    while (stack.length) {
      const { node, path: at } = stack.pop()!;
      if (isMap(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) {
          const pair = node.items[i];
          const key = pair.key as Node | null;
          const name = isScalar(key) ? scalarString(key) : undefined;
          if (name === undefined) continue;
          const value = pair.value as Node | null;
          if (isScalar(value) && value.value !== null && value.range) {
            out.push({ name, nameRange: this.rangeOfNode(key), value: this.scalar(value), path: at });
          } else if (isMap(value) || isSeq(value)) stack.push({ node: value, path: [...at, name] });
        }
      } else if (isSeq(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], path: [...at, i] });
      }
    }
    return out;
  }

  readServices(services: YAMLMap, doc: ComposeDoc): void {
    for (const [name, field] of this.fields(services)) {
      const svc = this.deref(field.value);
      if (!isMap(svc)) continue;
      const service: ComposeService = { name, nameRange: this.rangeOfNode(field.key), envFiles: [] };
      doc.services.push(service);
      const f = this.fields(svc);
      this.readEntries(f.get("environment")?.value ?? null, name, doc.environment);
      this.readEntries(f.get("labels")?.value ?? null, name, doc.labels);
      const build = this.deref(f.get("build")?.value ?? null);
      if (isMap(build)) {
        const b = this.fields(build);
        this.readEntries(b.get("args")?.value ?? null, name, doc.buildArgs);
        this.readEntries(b.get("labels")?.value ?? null, name, doc.labels);
        const context = this.stringOf(b.get("context")?.value ?? null) ?? ".";
        service.build = {
          context,
          dockerfile: this.stringOf(b.get("dockerfile")?.value ?? null) ?? "Dockerfile",
          inline: b.has("dockerfile_inline"),
          range: this.rangeOfNode(build),
        };
      } else if (isScalar(build)) {
        service.build = { context: scalarString(build) ?? ".", dockerfile: "Dockerfile", inline: false, range: this.rangeOfNode(build) };
      }
      for (const field of ["command", "entrypoint"] as const) this.readCommand(f.get(field)?.value ?? null, name, field, doc);
      const health = this.deref(f.get("healthcheck")?.value ?? null);
      if (isMap(health)) this.readCommand(this.fields(health).get("test")?.value ?? null, name, "healthcheck.test", doc);
      service.envFiles = this.readEnvFiles(f.get("env_file")?.value ?? null);
      const ext = this.deref(f.get("extends")?.value ?? null);
      const extFile = isMap(ext) ? this.stringOf(this.fields(ext).get("file")?.value ?? null) : undefined;
      if (extFile && !doc.composeFiles.includes(extFile)) doc.composeFiles.push(extFile);
    }
  }

  /** `include: [path]` or `include: [{ path: a | [a, b], env_file: … }]`. */
  readIncludes(node: Node | null, doc: ComposeDoc): void {
    const n = this.deref(node);
    if (!isSeq(n)) return;
    const add = (p: string | undefined) => {
      if (p && !doc.composeFiles.includes(p)) doc.composeFiles.push(p);
    };
    for (const raw of n.items) {
      const item = this.deref(raw as Node);
      if (isScalar(item)) add(scalarString(item));
      else if (isMap(item)) {
        const pathNode = this.deref(this.fields(item).get("path")?.value ?? null);
        if (isSeq(pathNode)) for (const p of pathNode.items) add(this.stringOf(p as Node));
        else add(this.stringOf(pathNode));
      }
    }
  }

  private readEntries(node: Node | null, service: string, out: ComposeEntry[]): void {
    const n = this.deref(node);
    if (isMap(n)) {
      for (const [name, field] of this.fields(n)) {
        const value = this.deref(field.value);
        const anchorNode = (value ?? field.key) as Node | null;
        if (!anchorNode) continue;
        this.addEntry(out, anchorNode, service, () => ({
          name,
          nameRange: this.rangeOfNode(field.key),
          value: isScalar(value) && value.value !== null ? this.scalar(value) : undefined,
          form: "map",
        }));
      }
    } else if (isSeq(n)) {
      for (const item of n.items) {
        const v = this.deref(item as Node);
        if (!isScalar(v) || v.value === null) continue;
        const whole = this.scalar(v);
        const text = whole.text.text;
        const eq = text.indexOf("=");
        const name = (eq === -1 ? text : text.slice(0, eq)).trim();
        if (!name) continue;
        this.addEntry(out, v, service, () => {
          const nameText = sliceMapped(whole.text, 0, eq === -1 ? text.length : eq);
          let value: ComposeScalar | undefined;
          if (eq !== -1) {
            const vt = sliceMapped(whole.text, eq + 1, text.length);
            value = { text: vt, node: v, range: mappedRange(this.lines, vt, 0, vt.text.length) };
          }
          return { name, nameRange: mappedRange(this.lines, nameText, 0, nameText.text.length), value, form: "list" };
        });
      }
    }
  }

  private addEntry(out: ComposeEntry[], node: Node, service: string, make: () => Omit<ComposeEntry, "services">): void {
    let index = this.entryIndex.get(out);
    if (!index) this.entryIndex.set(out, (index = new Map()));
    const existing = index.get(node);
    if (existing) {
      // Services are read one at a time, so a repeat within one service is always the last one.
      if (existing.services[existing.services.length - 1] !== service) existing.services.push(service);
      return;
    }
    const entry: ComposeEntry = { ...make(), services: [service] };
    index.set(node, entry);
    out.push(entry);
  }

  private readCommand(node: Node | null, service: string, field: ComposeCommandField, doc: ComposeDoc): void {
    const n = this.deref(node);
    if (isScalar(n) && n.value !== null) {
      if (this.commandNodes.has(n)) return;
      this.commandNodes.add(n);
      doc.commands.push({ service, field, form: "shell", parts: [this.scalar(n)] });
    } else if (isSeq(n)) {
      const parts: ComposeScalar[] = [];
      for (const item of n.items) {
        const v = this.deref(item as Node);
        if (isScalar(v) && v.value !== null) parts.push(this.scalar(v));
      }
      if (parts.length === 0 || this.commandNodes.has(n)) return;
      this.commandNodes.add(n);
      let form: "shell" | "exec" = "exec";
      if (field === "healthcheck.test") {
        const head = parts[0].text.text;
        if (head === "CMD-SHELL") form = "shell";
        if (head === "CMD" || head === "CMD-SHELL" || head === "NONE") parts.shift();
      }
      if (parts.length) doc.commands.push({ service, field, form, parts });
    }
  }

  private readEnvFiles(node: Node | null): ComposeEnvFile[] {
    const n = this.deref(node);
    const items: Node[] = isSeq(n) ? (n.items as Node[]) : n ? [n] : [];
    const out: ComposeEnvFile[] = [];
    for (const raw of items) {
      const item = this.deref(raw);
      if (isScalar(item)) {
        const p = scalarString(item);
        if (p) out.push({ path: p, required: true, range: this.rangeOfNode(item) });
      } else if (isMap(item)) {
        const f = this.fields(item);
        const pathNode = this.deref(f.get("path")?.value ?? null);
        const p = this.stringOf(pathNode);
        if (!p) continue;
        const req = this.deref(f.get("required")?.value ?? null);
        const required = !(isScalar(req) && (req.value === false || req.value === "false"));
        out.push({ path: p, required, range: this.rangeOfNode(pathNode) });
      }
    }
    return out;
  }

  private stringOf(node: Node | null): string | undefined {
    const n = this.deref(node);
    return isScalar(n) ? scalarString(n) : undefined;
  }

  private rangeOfNode(node: Node | null | undefined): SourceRange {
    const r = node?.range;
    return r ? this.lines.range(r[0], r[1]) : this.lines.range(0, 0);
  }
}

/** The value compose sees: strings as parsed, numbers and booleans as written. */
function scalarString(node: Scalar): string | undefined {
  const v = node.value;
  if (v === null || v === undefined || typeof v === "symbol") return undefined;
  if (typeof v === "string") return v;
  return typeof node.source === "string" ? node.source : String(v);
}

/**
 * Maps each character of a scalar's value to its offset in the file by walking the value and
 * its source together: quotes, escapes, `''`, indentation and line folding are skipped.
 */
function scalarText(source: string, node: Scalar): MappedText {
  const value = scalarString(node) ?? "";
  const [start, valueEnd] = node.range ?? [0, 0, 0];
  const offsets = new Array<number>(value.length);
  let j = start;
  const end = Math.min(valueEnd, source.length);
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") {
    const nl = source.indexOf("\n", start);
    j = nl === -1 || nl >= end ? end : nl + 1;
  }
  const dq = node.type === "QUOTE_DOUBLE";
  const sq = node.type === "QUOTE_SINGLE";
  let last = start;
  let lastEnd = start;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    let found = -1;
    while (j < end) {
      const s = source[j];
      if (dq && s === "\\") {
        const next = source[j + 1];
        if (next === "\n" || next === "\r") {
          j += 2;
          continue;
        }
        found = j;
        j += next === "x" ? 4 : next === "u" ? 6 : next === "U" ? 10 : 2;
        break;
      }
      if (sq && s === "'" && source[j + 1] === "'" && c === "'") {
        found = j;
        j += 2;
        break;
      }
      if (s === c || ((c === " " || c === "\n") && (s === "\n" || s === "\r"))) {
        found = j;
        j++;
        break;
      }
      j++;
    }
    if (found === -1) {
      // Out of sync (an exotic escape?): pin the rest to the last known character.
      offsets[i] = last;
      continue;
    }
    offsets[i] = last = found;
    lastEnd = Math.min(j, end);
  }
  return { text: value, offsets, end: value.length ? Math.max(lastEnd, last + 1) : start };
}

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

/** Paths we cannot resolve without the environment (`${VAR}`) are left out. */
function isInterpolated(p: string): boolean {
  return /\$(?!\$)/.test(p);
}

function displayJoin(displayDir: string, ...parts: string[]): string {
  const joined = path.posix.normalize(path.posix.join(displayDir.replace(/\\/g, "/"), ...parts.map((p) => p.replace(/\\/g, "/"))));
  return joined;
}

/**
 * Files a compose file pulls in, for the engine to lint next: each service's `env_file`s,
 * the project's `.env` (interpolation source, optional), compose files it `include`s or
 * `extends` from, and each local build's Dockerfile together with its build context.
 */
export function composeRelatedTargets(doc: ComposeDoc, target: LintTarget): LintTarget[] {
  const out: LintTarget[] = [];
  const seen = new Set<string>();
  const absDir = path.dirname(target.absPath);
  const displayDir = path.posix.dirname(target.file.replace(/\\/g, "/"));
  const add = (t: LintTarget) => {
    const key = `${t.kind}\0${t.absPath}\0${t.contextDir ?? ""}`;
    if (seen.has(key)) {
      // A file one service requires and another marks optional is required.
      if (!t.optional) {
        const prev = out.find((o) => `${o.kind}\0${o.absPath}\0${o.contextDir ?? ""}` === key);
        if (prev) delete prev.optional;
      }
      return;
    }
    seen.add(key);
    out.push(t);
  };

  for (const svc of doc.services) {
    for (const ef of svc.envFiles) {
      if (isInterpolated(ef.path)) continue;
      const rel = ef.path.replace(/\$\$/g, "$");
      const t: LintTarget = { kind: "env", file: displayJoin(displayDir, rel), absPath: path.resolve(absDir, rel) };
      if (!ef.required) t.optional = true;
      add(t);
    }
  }
  add({ kind: "env", file: displayJoin(displayDir, ".env"), absPath: path.resolve(absDir, ".env"), optional: true });

  for (const f of doc.composeFiles) {
    if (REMOTE_CONTEXT.test(f) || /^oci:/i.test(f) || isInterpolated(f)) continue;
    const rel = f.replace(/\$\$/g, "$");
    add({ kind: "compose", file: path.isAbsolute(rel) ? rel : displayJoin(displayDir, rel), absPath: path.resolve(absDir, rel) });
  }

  for (const svc of doc.services) {
    const b = svc.build;
    if (!b || b.inline || REMOTE_CONTEXT.test(b.context) || isInterpolated(b.context) || isInterpolated(b.dockerfile)) continue;
    if (REMOTE_CONTEXT.test(b.dockerfile)) continue;
    const contextDir = path.resolve(absDir, b.context);
    const absPath = path.resolve(contextDir, b.dockerfile);
    const file = path.isAbsolute(b.dockerfile) ? b.dockerfile : displayJoin(displayDir, b.context, b.dockerfile);
    add({ kind: "dockerfile", file, absPath, contextDir });
  }
  return out;
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
