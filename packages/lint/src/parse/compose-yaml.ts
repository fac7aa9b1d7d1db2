import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Alias, Node, Scalar, YAMLMap, YAMLSeq } from "yaml";

// YAML loading for compose files: yaml's errors in our words, and one walk for duplicate keys, anchors, scalars and pairs.

export // yaml's own messages may quote source text; ours never do.
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

/** A `key: scalar` pair as the tree holds it, with the key path from the top to its mapping. */
export interface RawPair {
  key: Scalar;
  name: string;
  value: Scalar;
  path: Array<string | number>;
}

/** What one walk over a document's tree learns; see walkTree. */
export interface TreeIndex {
  /** Offsets of keys that repeat an earlier scalar key of the same mapping (yaml's `uniqueKeys` rule). */
  duplicateKeys: number[];
  /** Every alias with the anchored node it refers to. */
  targets: Map<Alias, Node>;
  /** Undefined, recursive and exploding aliases. */
  problems: { offset: number; code: string; message: string }[];
  /** Every scalar (keys and values, not merge keys or nulls), once each, in file order. */
  scalars: Scalar[];
  /**
   * Every `key: scalar` pair reachable through scalar keys (not under merge keys or aliases).
   * Order: each mapping's pairs last to first, then its nested collections first to last.
   */
  pairs: RawPair[];
}

/**
 * One iterative post-order walk over the tree (aliases are not followed) that finds duplicate keys,
 * resolves every alias to its anchor (the latest one before it, as YAML says), measures how far
 * aliases would expand (an alias bomb is refused here instead of exploding later), and lists the
 * scalars and pairs the rules read. One walk instead of five: on a compose file of hundreds of
 * services each walk costs about as much as composing the tree did.
 */
export function walkTree(root: Node | null, maxExpanded: number): TreeIndex {
  const index: TreeIndex = { duplicateKeys: [], targets: new Map(), problems: [], scalars: [], pairs: [] };
  if (!root) return index;
  const { targets, problems, scalars } = index;
  const defined = new Map<string, Node>();
  // Only an anchored node can be an alias's target, so only anchored nodes are tracked while open
  // and sized when closed (a map entry per node was most of this walk's garbage).
  const open = new Set<Node>();
  const size = new Map<Node, number>();
  const CAP = Number.MAX_SAFE_INTEGER / 4;

  // Each item of a collection has two slots: a pair's key and value, or the item itself and nothing.
  type Frame = { node: Node; items: readonly unknown[]; slot: number; total: number; path: Path };
  const stack: Frame[] = [];
  const visit = (node: Node, path: Path, parent: Frame | undefined) => {
    if (node.anchor) defined.set(node.anchor, node);
    if (isMap(node) || isSeq(node)) {
      if (node.anchor) open.add(node);
      if (isMap(node)) readMap(node as YAMLMap, path, index);
      stack.push({ node, items: (node as YAMLMap | YAMLSeq).items, slot: 0, total: 1, path });
      return;
    }
    if (isScalar(node) && node.range && typeof node.value !== "symbol" && node.value !== null) scalars.push(node);
    if (node.anchor) size.set(node, 1);
    if (parent) parent.total = Math.min(CAP, parent.total + 1);
  };
  let reported = false;
  visit(root, [], undefined);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.slot < frame.items.length * 2) {
      const slot = frame.slot++;
      const item = frame.items[slot >> 1];
      let child: unknown;
      let path: Path;
      if (isPair(item)) {
        child = slot & 1 ? item.value : item.key;
        // Pairs are read below a value whose key is a string (not a merge key, not a collection).
        if (slot & 1 && frame.path && isScalar(item.key) && (isMap(child) || isSeq(child))) {
          const name = scalarString(item.key);
          if (name !== undefined) path = [...frame.path, name];
        }
      } else if (!(slot & 1)) {
        child = item;
        if (frame.path && (isMap(child) || isSeq(child))) path = [...frame.path, slot >> 1];
      }
      if (!child || typeof child !== "object") continue;
      if (isAlias(child)) {
        const target = defined.get(child.source);
        const offset = child.range?.[0] ?? 0;
        if (!target) {
          problems.push({ offset, code: "COMPOSE_UNDEFINED_ALIAS", message: "Alias refers to an anchor that is not defined before it" });
          continue;
        }
        if (open.has(target)) {
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
      visit(child as Node, path, frame);
      continue;
    }
    stack.pop();
    if (frame.node.anchor) {
      open.delete(frame.node);
      size.set(frame.node, frame.total);
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.total = Math.min(CAP, parent.total + frame.total);
  }
  return index;
}

/** The key path of a collection whose pairs are read, or undefined. */
type Path = Array<string | number> | undefined;

/** A mapping's duplicate keys, and its `key: scalar` pairs (last to first) when it is on a pair path. */
function readMap(map: YAMLMap, path: Path, index: TreeIndex): void {
  const items = map.items;
  if (items.length > SMALL_MAP) {
    const seen = new Set<unknown>();
    for (const pair of items) {
      if (!isScalar(pair.key)) continue;
      const value = pair.key.value;
      if (seen.has(value)) index.duplicateKeys.push(pair.key.range?.[0] ?? 0);
      else seen.add(value);
    }
  } else {
    // Most mappings have a handful of keys: comparing them pairwise is cheaper than a set.
    for (let i = 1; i < items.length; i++) {
      const key = items[i].key;
      if (!isScalar(key)) continue;
      for (let j = 0; j < i; j++) {
        const earlier = items[j].key;
        if (isScalar(earlier) && sameValueZero(earlier.value, key.value)) {
          index.duplicateKeys.push(key.range?.[0] ?? 0);
          break;
        }
      }
    }
  }
  if (!path) return;
  for (let i = items.length - 1; i >= 0; i--) {
    const key = items[i].key as Node | null;
    const value = items[i].value as Node | null;
    if (!isScalar(key) || !isScalar(value) || value.value === null || !value.range) continue;
    const name = scalarString(key);
    if (name !== undefined) index.pairs.push({ key, name, value, path });
  }
}

const SMALL_MAP = 8;

/** Equality as a Set sees it (NaN equals NaN). */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** The value compose sees: strings as parsed, numbers and booleans as written. */
export function scalarString(node: Scalar): string | undefined {
  const v = node.value;
  if (v === null || v === undefined || typeof v === "symbol") return undefined;
  if (typeof v === "string") return v;
  return typeof node.source === "string" ? node.source : String(v);
}
