import { isAlias, isMap, isPair, isScalar, isSeq, visit } from "yaml";
import type { Alias, Document, Node, YAMLMap, YAMLSeq } from "yaml";

// YAML loading for compose files: yaml's errors in our words, duplicate keys, and anchors.

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

/** Offsets of keys that repeat an earlier scalar key of the same mapping (yaml's `uniqueKeys` rule). */
export function duplicateKeys(doc: Document.Parsed): number[] {
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

export interface AnchorTable {
  targets: Map<Alias, Node>;
  problems: { offset: number; code: string; message: string }[];
}

/**
 * Resolves every alias to its anchor (the latest one before it, as YAML says), and measures
 * how far aliases would expand: an alias bomb is refused here instead of exploding later.
 */
export function resolveAnchors(doc: Document.Parsed | undefined, root: Node | null, maxExpanded: number): AnchorTable {
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
