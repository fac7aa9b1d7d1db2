import { isMap, isNode, isPair, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, type Document, type Node, type ToStringOptions } from "yaml";

/**
 * Printer options that reproduce the source's own layout, so that a re-printed document differs
 * from its source only where we edited it: sequence indentation under a key (`key:\n- a` versus
 * `key:\n  - a`), the indent width and `{ a }` versus `{a}` padding.
 */
export function detectStyle(src: string): ToStringOptions {
  const lines = src.split(/\r?\n/);
  let flushSeq = 0;
  let indentedSeq = 0;
  let indent = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)(?:- )?[^\s#][^#]*:\s*(?:#.*)?$/.exec(lines[i]);
    if (!key) continue;
    const keyCol = key[1].length + (lines[i].trimStart().startsWith("- ") ? 2 : 0);
    const next = lines.slice(i + 1).find((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
    if (next === undefined) continue;
    const col = next.length - next.trimStart().length;
    if (next.trimStart().startsWith("- ")) {
      if (col === keyCol) flushSeq++;
      else if (col > keyCol) indentedSeq++;
    } else if (col > keyCol && indent === 0) {
      indent = col - keyCol;
    }
  }
  const padded = (src.match(/[[{] [^\s]/g) ?? []).length;
  const tight = (src.match(/[[{][^\s\]}]/g) ?? []).length;
  return {
    indent: indent >= 2 && indent <= 8 ? indent : 2,
    indentSeq: !(flushSeq > indentedSeq),
    flowCollectionPadding: !(tight > padded),
    // 0 never folds: a long command line must stay on one line.
    lineWidth: 0,
  };
}

/** Structural equality of plain JSON-like values (YAML's toJS output). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** A node's plain value (Node.toJS needs its document to resolve aliases). */
export function toJS(doc: Document, node: unknown): unknown {
  return isNode(node) ? node.toJS(doc) : node;
}

/**
 * Sets `key` to `value` unless it already holds an equal value, so that a second run leaves the
 * node (and any comment a user added inside it) alone. Returns the node now under `key`.
 */
export function ensureKey(doc: Document, map: YAMLMap, key: string, value: unknown, flow = false): Node {
  const existing = map.get(key, true);
  if (existing !== undefined && deepEqual(toJS(doc, existing), value)) return existing as Node;
  const node = doc.createNode(value) as Node;
  if (flow && (isMap(node) || isSeq(node))) asFlow(node);
  if (existing !== undefined && isNode(existing)) {
    // Keep the comments that sat on the node being replaced.
    node.comment = existing.comment;
    node.commentBefore = existing.commentBefore;
  }
  map.set(key, node);
  return node;
}

/** Flow style with double-quoted strings, the way people write `command: ["a", "b"]`. */
export function asFlow(node: YAMLMap | YAMLSeq): void {
  node.flow = true;
  for (const item of node.items) {
    const value = isPair(item) ? item.value : item;
    if (isScalar(value) && typeof value.value === "string") {
      value.type = value.value.includes('"') && !value.value.includes("'") ? Scalar.QUOTE_SINGLE : Scalar.QUOTE_DOUBLE;
    }
  }
}

/** The map under `key`, created (in block style) when missing; undefined if something else is there. */
export function mapAt(doc: Document, parent: YAMLMap, key: string): YAMLMap | undefined {
  const node = parent.get(key, true);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const created = new YAMLMap(doc.schema);
    if (node === undefined && parent === doc.contents) {
      // A new top-level section, set off by a blank line when the others are.
      const k = new Scalar(key);
      k.spaceBefore = parent.items.some((p) => isScalar(p.key) && p.key.spaceBefore);
      parent.items.push(new Pair(k, created));
    } else {
      parent.set(key, created);
    }
    return created;
  }
  return isMap(node) ? node : undefined;
}

/** The sequence under `key`, created when missing; undefined if something else is there. */
export function seqAt(doc: Document, parent: YAMLMap, key: string): YAMLSeq | undefined {
  const node = parent.get(key, true);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    const created = new YAMLSeq(doc.schema);
    parent.set(key, created);
    return created;
  }
  return isSeq(node) ? node : undefined;
}

/**
 * Ensures the sequence holds an item named `value.name` (Kubernetes' merge key for containers,
 * volumes and mounts) with at least the fields of `value`: appended when absent, otherwise merged
 * key by key, so that fields and list items a user added to it survive a second injection.
 * `flow` lists paths inside the item to print in flow style when (re)created.
 */
export function ensureNamed(
  doc: Document,
  seq: YAMLSeq,
  value: { name: string } & Record<string, unknown>,
  opts: { position?: "start" | "end"; flow?: string[][] } = {},
): void {
  const current = seq.items.find((it) => isMap(it) && it.get("name") === value.name);
  if (isMap(current)) {
    for (const [key, v] of Object.entries(value)) {
      const before = current.get(key, true);
      if (isSeq(before) && Array.isArray(v) && v.length > 0 && v.every(isNamed)) {
        for (const item of v) ensureNamed(doc, before, item);
        continue;
      }
      const node = ensureKey(doc, current, key, v);
      if (node !== before)
        applyFlow(
          node,
          (opts.flow ?? []).filter((p) => p[0] === key).map((p) => p.slice(1)),
        );
    }
    return;
  }
  const node = doc.createNode(value) as Node;
  applyFlow(node, opts.flow ?? []);
  if (opts.position === "start") seq.items.unshift(node);
  else seq.items.push(node);
}

function isNamed(v: unknown): v is { name: string } & Record<string, unknown> {
  return typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string";
}

function applyFlow(node: Node, paths: string[][]): void {
  for (const path of paths) {
    const inner = path.length === 0 ? node : isMap(node) ? node.getIn(path, true) : undefined;
    if (isSeq(inner) || isMap(inner)) asFlow(inner);
  }
}

/** Sets `key` (when missing) just before `before`, where people expect it, rather than at the end. */
export function setBefore(map: YAMLMap, key: string, value: Node, before: string): void {
  if (map.has(key)) {
    map.set(key, value);
    return;
  }
  const at = map.items.findIndex((p) => str(p.key) === before);
  const pair = new Pair(new Scalar(key), value);
  if (at < 0) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** A string scalar's value, or undefined. */
export function str(node: unknown): string | undefined {
  if (typeof node === "string") return node;
  if (isScalar(node) && typeof node.value === "string") return node.value;
  return undefined;
}
