import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Alias, Node, Scalar, YAMLMap } from "yaml";
import type { SourceRange } from "../types.js";
import type { ComposeCommandField, ComposeDoc, ComposeEntry, ComposeEnvFile, ComposePair, ComposeScalar, ComposeService } from "./compose.js";
import { type RawPair, scalarString } from "./compose-yaml.js";
import { type LineIndex, type MappedText, mappedRange, sliceMapped } from "./offsets.js";

// The compose model builder: services, their environment, args, labels, commands, env files and
// builds, read from the YAML tree with every value's exact position.

const MAX_MERGE_DEPTH = 32;

interface Field {
  key: Scalar | null;
  value: Node | null;
}

export class DocBuilder {
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
      s = new ScalarView(node, this.source, this.lines);
      this.scalarCache.set(node, s);
    }
    return s;
  }

  /** The model of walkTree's pairs; their key ranges are computed when asked. */
  pairs(raw: readonly RawPair[]): ComposePair[] {
    return raw.map((p) => new PairView(p, this, this.lines));
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

/**
 * A scalar as the rules see it. The file offsets of its characters and its range are computed on
 * first use: most values are only read as text (is the key secret-named? does it hold `${`?), and
 * mapping every character of every scalar was a large share of a big file's time and garbage.
 */
class ScalarView implements ComposeScalar {
  readonly text: ScalarText;
  private cachedRange?: SourceRange;

  constructor(
    readonly node: Scalar,
    source: string,
    private readonly lines: LineIndex,
  ) {
    this.text = new ScalarText(source, node);
  }

  get range(): SourceRange {
    return (this.cachedRange ??= mappedRange(this.lines, this.text, 0, this.text.text.length));
  }
}

/** A scalar's value with its characters' file offsets, mapped when first asked for. */
class ScalarText implements MappedText {
  readonly text: string;
  private mapped?: { offsets: number[]; end: number };

  constructor(
    private readonly source: string,
    private readonly node: Scalar,
  ) {
    this.text = scalarString(node) ?? "";
  }

  get offsets(): readonly number[] {
    return (this.mapped ??= scalarOffsets(this.source, this.node, this.text)).offsets;
  }

  get end(): number {
    return (this.mapped ??= scalarOffsets(this.source, this.node, this.text)).end;
  }
}

/** A pair whose key range and value view are made when asked: most pairs are only read by name. */
class PairView implements ComposePair {
  readonly name: string;
  readonly path: Array<string | number>;
  private cachedRange?: SourceRange;

  constructor(
    private readonly raw: RawPair,
    private readonly builder: DocBuilder,
    private readonly lines: LineIndex,
  ) {
    this.name = raw.name;
    this.path = raw.path;
  }

  get value(): ComposeScalar {
    return this.builder.scalar(this.raw.value);
  }

  get nameRange(): SourceRange {
    const r = this.raw.key.range;
    return (this.cachedRange ??= r ? this.lines.range(r[0], r[1]) : this.lines.range(0, 0));
  }
}

/**
 * Maps each character of a scalar's value to its offset in the file by walking the value and
 * its source together: quotes, escapes, `''`, indentation and line folding are skipped.
 */
function scalarOffsets(source: string, node: Scalar, value: string): { offsets: number[]; end: number } {
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
  return { offsets, end: value.length ? Math.max(lastEnd, last + 1) : start };
}
