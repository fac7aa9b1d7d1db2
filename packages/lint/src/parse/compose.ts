import { isMap, parseAllDocuments } from "yaml";
import type { Document, Node, Scalar, YAMLMap } from "yaml";
import type { ParseProblem, ParseResult, SourceRange } from "../types.js";
import { readBlockYaml } from "./compose-fast.js";
import { DocBuilder } from "./compose-model.js";
import { scalarString, walkTree, YAML_MESSAGES, type TreeIndex } from "./compose-yaml.js";
import { lineIndex, mappedRange, type LineIndex, type MappedText } from "./offsets.js";

export { scanInterpolation, unescapeDollars, type Interpolation, type InterpolationScan } from "./compose-interpolation.js";
export { composeRelatedTargets } from "./compose-related.js";

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
  readonly scalars: readonly ComposeScalar[];
  /** The scalars whose value contains `text`, in file order: `scalars` filtered, without building the rest. */
  scalarsContaining(text: string): ComposeScalar[];
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

  const maxExpanded = options.maxExpandedNodes ?? DEFAULT_MAX_EXPANDED;
  let root: Node | null | undefined;
  let tree: TreeIndex;
  // Most compose files are plain block YAML, which readBlockYaml() reads to the same tree as
  // yaml in a tenth of the time; the rest (and anything yaml would call an error) goes to yaml.
  const fast = readBlockYaml(source);
  if (fast) {
    root = fast;
    tree = walkTree(fast, maxExpanded);
    if (tree.duplicateKeys.length) {
      return { ok: false, errors: dedupeProblems(tree.duplicateKeys.map((o) => problem(o, "YAML_DUPLICATE_KEY", YAML_MESSAGES.DUPLICATE_KEY))) };
    }
  } else {
    let docs: Document.Parsed[];
    try {
      // yaml's own duplicate-key check compares each key with every earlier one (quadratic in the
      // keys of one mapping); walkTree() below does it with a set.
      // No LineCounter: positions come from our own line index, and yaml's would be fed every newline.
      docs = parseAllDocuments(source, { merge: true, prettyErrors: false, uniqueKeys: false }) as Document.Parsed[];
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
    const trees = docs.map((d) => walkTree((d.contents as Node | null) ?? null, maxExpanded));
    for (const t of trees) for (const offset of t.duplicateKeys) errors.push(problem(offset, "YAML_DUPLICATE_KEY", YAML_MESSAGES.DUPLICATE_KEY));
    if (errors.length) return { ok: false, errors: dedupeProblems(errors) };

    const contentDocs = docs.filter((d) => d.contents !== null);
    if (contentDocs.length > 1) {
      const second = contentDocs[1].contents as Node;
      return fail(problem(second.range?.[0] ?? 0, "COMPOSE_MULTIPLE_DOCUMENTS", "A compose file holds one YAML document; found several (`---`)"));
    }
    const yamlDoc = contentDocs[0];
    root = yamlDoc?.contents as Node | null | undefined;
    tree = trees[docs.indexOf(yamlDoc)] ?? walkTree(null, maxExpanded);
  }
  if (root && !isMap(root)) {
    return fail(problem(root.range?.[0] ?? 0, "COMPOSE_NOT_A_MAPPING", "The top level of a compose file must be a mapping (`services:` …)"));
  }

  if (tree.problems.length) {
    return { ok: false, errors: tree.problems.map((p) => problem(p.offset, p.code, p.message)) };
  }

  const builder = new DocBuilder(source, lines, tree.targets);
  const doc: ComposeDoc = {
    file,
    source,
    lines,
    services: [],
    environment: [],
    buildArgs: [],
    labels: [],
    commands: [],
    get scalars() {
      return (scalars ??= tree.scalars.map((n) => builder.scalar(n)));
    },
    scalarsContaining: (text) => tree.scalars.filter((n) => scalarString(n)?.includes(text)).map((n) => builder.scalar(n)),
    pairs: builder.pairs(tree.pairs),
    composeFiles: [],
    rangeOf: (text, start, end) => mappedRange(lines, text, start, end),
    statementStart: (line) => (starts ??= multiLineStarts(doc.scalars, lines)).get(line) ?? line,
  };
  let starts: Map<number, number> | undefined;
  let scalars: ComposeScalar[] | undefined;
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
